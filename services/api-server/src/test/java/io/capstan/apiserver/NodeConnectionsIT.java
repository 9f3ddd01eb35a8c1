package io.capstan.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pods/log, exec, attach, portforward and nodes/proxy through the api-server to a kubelet: every
 * refusal kube-apiserver gives before reaching the node, and the proxying itself against a
 * scripted kubelet that records what it is asked (the real node-agent is exercised with real
 * kubectl in the node-agent's StreamingKubectlIT).
 */
@QuarkusTest
@QuarkusTestResource(EtcdTestResource.class)
class NodeConnectionsIT {
    private static Vertx vertx;
    private static HttpServer kubelet;
    private static final List<String> asked = new CopyOnWriteArrayList<>();
    private static final Map<String, List<String>> headers = new ConcurrentHashMap<>();
    private static final CountDownLatch followerGone = new CountDownLatch(1);

    @TestHTTPResource("/")
    URL url;
    Rest rest;

    @BeforeAll
    static void startKubelet() {
        vertx = Vertx.vertx();
        kubelet = vertx.createHttpServer().requestHandler(NodeConnectionsIT::kubelet);
        kubelet.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    }

    @AfterAll
    static void stopKubelet() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** What the scripted kubelet answers, by path. */
    private static void kubelet(HttpServerRequest req) {
        String uri = req.uri();
        asked.add(req.method() + " " + uri);
        headers.put(uri, req.headers().getAll("X-Stream-Protocol-Version"));
        if (uri.startsWith("/containerLogs/conn/web/waiting")) {
            req.response().setStatusCode(400).end("container \"waiting\" in pod \"web\" is waiting to start: ContainerCreating");
        } else if (uri.startsWith("/containerLogs/conn/web/app?follow=true")) {
            req.response().setChunked(true).write("first line\n");
            req.response().closeHandler(v -> followerGone.countDown());
        } else if (uri.startsWith("/containerLogs/")) {
            req.response().putHeader("Content-Type", "text/plain").end("one\ntwo\n");
        } else if (uri.startsWith("/exec/conn/web/refuse")) {
            req.response().setStatusCode(500).putHeader("Content-Type", "text/plain").end("container not found (\"refuse\")");
        } else if (uri.startsWith("/exec/") || uri.startsWith("/portForward/")) {
            HttpHijack.take(req).onSuccess(socket -> {
                socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                        + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nhello from the kubelet|");
                socket.handler(socket::write);
            });
        } else {
            req.body().onSuccess(body -> req.response().putHeader("X-Kubelet", "yes").end("proxied " + req.method() + " " + uri
                    + (body.length() > 0 ? " with " + body : "")));
        }
    }

    @BeforeEach
    void client() {
        rest = new Rest(url.toString());
    }

    private void cluster() {
        rest.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"conn\"}}");
        rest.post("/api/v1/nodes", """
                {"metadata":{"name":"conn-node"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}""".formatted(kubelet.actualPort()));
        rest.put("/api/v1/nodes/conn-node/status", """
                {"metadata":{"name":"conn-node"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}""".formatted(kubelet.actualPort()));
        rest.post("/api/v1/nodes", """
                {"metadata":{"name":"conn-dead"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":1}}}}""");
        rest.put("/api/v1/nodes/conn-dead/status", """
                {"metadata":{"name":"conn-dead"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":1}}}}""");
        pod("web", "conn-node", "app", "waiting", "refuse");
        pod("single", "conn-node", "only");
        pod("pending", null, "app");
        pod("lost", "no-such-node", "app");
        pod("unreachable", "conn-dead", "app");
    }

    private void pod(String name, String node, String... containers) {
        StringBuilder c = new StringBuilder();
        for (String container : containers) {
            c.append(c.isEmpty() ? "" : ",").append("{\"name\":\"").append(container).append("\",\"image\":\"busybox\"}");
        }
        rest.post("/api/v1/namespaces/conn/pods", "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{"
                + (node == null ? "" : "\"nodeName\":\"" + node + "\",") + "\"containers\":[" + c + "]}}");
    }

    @Test
    void requestsTheKubeletCannotAnswerAreRefusedAsKubeApiserverRefusesThem() {
        cluster();
        expect(rest.get("/api/v1/namespaces/conn/pods/nope/log"), 404, "NotFound", "pods \"nope\" not found");
        expect(rest.get("/api/v1/namespaces/conn/pods/web/log?container=other"), 400, "BadRequest", "container other is not valid for pod web");
        expect(rest.get("/api/v1/namespaces/conn/pods/web/log"), 400, "BadRequest",
                "a container name must be specified for pod web, choose one of: [app waiting refuse]");
        expect(rest.get("/api/v1/namespaces/conn/pods/web/log?container=app&tailLines=-2"), 422, "Invalid",
                "PodLogOptions \"web\" is invalid: tailLines: Invalid value: -2: must be greater than or equal to 0");
        expect(rest.post("/api/v1/namespaces/conn/pods/pending/exec?command=ls&stdout=true", "{}"), 400, "BadRequest",
                "pod pending does not have a host assigned");
        expect(rest.post("/api/v1/namespaces/conn/pods/pending/portforward", "{}"), 400, "BadRequest",
                "pod pending does not have a host assigned");
        expect(rest.get("/api/v1/namespaces/conn/pods/lost/log"), 404, "NotFound", "nodes \"no-such-node\" not found");
        expect(rest.post("/api/v1/namespaces/conn/pods/web/log?container=app", "{}"), 405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource");
        Rest.Answer unreachable = rest.get("/api/v1/namespaces/conn/pods/unreachable/log");
        assertThat(unreachable.code()).isEqualTo(500);
        assertThat(unreachable.body().path("message").asText()).startsWith("Get \"http://127.0.0.1:1/containerLogs/conn/unreachable/app\"");
    }

    @Test
    void theLogOfAPodNotYetScheduledIsEmpty() {
        cluster();
        Rest.Answer a = rest.get("/api/v1/namespaces/conn/pods/pending/log");
        assertThat(a.code()).isEqualTo(204);
        assertThat(a.raw().body()).isEmpty();
    }

    @Test
    void logsComeFromTheKubeletAskedWithItsQuery() {
        cluster();
        Rest.Answer a = rest.get("/api/v1/namespaces/conn/pods/single/log?tailLines=2&timestamps=true&previous=false");
        assertThat(a.code()).isEqualTo(200);
        assertThat(a.raw().body()).isEqualTo("one\ntwo\n");
        assertThat(a.raw().headers().firstValue("Content-Type")).hasValue("text/plain");
        assertThat(asked).contains("GET /containerLogs/conn/single/only?timestamps=true&tailLines=2");
    }

    @Test
    void theKubeletsRefusalOfALogIsABadRequestWithItsMessage() {
        cluster();
        expect(rest.get("/api/v1/namespaces/conn/pods/web/log?container=waiting"), 400, "BadRequest",
                "container \"waiting\" in pod \"web\" is waiting to start: ContainerCreating");
    }

    @Test
    void aFollowedLogStreamsAndLetsGoOfTheKubeletWhenTheClientLeaves() throws Exception {
        cluster();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url + "api/v1/namespaces/conn/pods/web/log?container=app&follow=true"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        InputStream body = r.body();
        byte[] first = new byte["first line\n".length()];
        assertThat(body.readNBytes(first, 0, first.length)).isEqualTo(first.length);
        assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("first line\n");
        body.close();
        http.close();
        assertThat(followerGone.await(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSpdyUpgradeIsPassedThroughAndBytesFlowBothWays() throws Exception {
        cluster();
        try (Socket s = new Socket("127.0.0.1", url.getPort())) {
            s.setSoTimeout(20_000);
            String request = "POST /api/v1/namespaces/conn/pods/web/exec?command=echo&command=hi%20there&container=app&stdout=true&stdin=true HTTP/1.1\r\n"
                    + "Host: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n"
                    + "X-Stream-Protocol-Version: v3.channel.k8s.io\r\nContent-Length: 0\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readUntil(in, "hello from the kubelet|");
            assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n").contains("X-Stream-Protocol-Version: v4.channel.k8s.io");
            out.write("ping".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readUntil(in, "ping")).isEqualTo("ping");
        }
        assertThat(asked).contains("POST /exec/conn/web/app?command=echo&command=hi+there&input=1&output=1");
        assertThat(headers.get("/exec/conn/web/app?command=echo&command=hi+there&input=1&output=1"))
                .containsExactly("v4.channel.k8s.io", "v3.channel.k8s.io");
    }

    @Test
    void aWebSocketUpgradeOfPortForwardReachesTheKubelet() throws Exception {
        cluster();
        try (Socket s = new Socket("127.0.0.1", url.getPort())) {
            s.setSoTimeout(20_000);
            String request = "GET /api/v1/namespaces/conn/pods/single/portforward HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readUntil(s.getInputStream(), "hello from the kubelet|")).startsWith("HTTP/1.1 101");
        }
        assertThat(asked).contains("GET /portForward/conn/single");
    }

    @Test
    void aRefusedUpgradeComesBackAsAnOrdinaryAnswerSoKubectlCanFallBack() throws Exception {
        cluster();
        try (Socket s = new Socket("127.0.0.1", url.getPort())) {
            s.setSoTimeout(20_000);
            String request = "GET /api/v1/namespaces/conn/pods/web/exec?command=ls&container=refuse&stdout=true HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String answer = readUntil(s.getInputStream(), "container not found (\"refuse\")");
            assertThat(answer).startsWith("HTTP/1.1 500 ").contains("text/plain");
        }
    }

    @Test
    void nodeProxyForwardsAnyRequestToTheKubelet() {
        cluster();
        Rest.Answer get = rest.get("/api/v1/nodes/conn-node/proxy/healthz?verbose=1");
        assertThat(get.code()).isEqualTo(200);
        assertThat(get.raw().body()).isEqualTo("proxied GET /healthz?verbose=1");
        assertThat(get.raw().headers().firstValue("X-Kubelet")).hasValue("yes");
        Rest.Answer post = rest.post("/api/v1/nodes/conn-node/proxy/run", "{\"a\":1}");
        assertThat(post.raw().body()).isEqualTo("proxied POST /run with {\"a\":1}");
        assertThat(rest.get("/api/v1/nodes/conn-node/proxy").raw().body()).isEqualTo("proxied GET /");
    }

    @Test
    void discoveryListsTheStreamingSubresources() {
        JsonNode resources = rest.get("/api/v1").body().path("resources");
        Map<String, String> verbs = new java.util.HashMap<>();
        resources.forEach(r -> verbs.put(r.path("name").asText(), r.path("verbs").toString()));
        assertThat(verbs).containsEntry("pods/log", "[\"get\"]")
                .containsEntry("pods/exec", "[\"create\",\"get\"]")
                .containsEntry("pods/portforward", "[\"create\",\"get\"]")
                .containsEntry("nodes/proxy", "[\"create\",\"delete\",\"get\",\"patch\",\"update\"]");
    }

    private static void expect(Rest.Answer a, int code, String reason, String message) {
        assertThat(a.code()).as(a.raw().body()).isEqualTo(code);
        assertThat(a.body().path("kind").asText()).isEqualTo("Status");
        assertThat(a.reason()).isEqualTo(reason);
        assertThat(a.body().path("message").asText()).isEqualTo(message);
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.ISO_8859_1).contains(end)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before \"" + end + "\": " + got);
            }
            got.write(b);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

}
