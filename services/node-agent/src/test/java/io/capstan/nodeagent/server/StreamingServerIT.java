package io.capstan.nodeagent.server;

import io.capstan.api.json.KubeJson;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.testkit.FreePorts;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The kubelet's streaming endpoints against the real process runtime, spoken to the way
 * kubectl speaks: plain HTTP for logs, WebSocket v5 channels and SPDY/3.1 for exec and attach,
 * SPDY in WebSocket messages and plain SPDY for port-forward.
 */
class StreamingServerIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    static Path state;
    static TestNode node;
    /** The pods' web port: free on every address now, so no wildcard listener of another test shadows it. */
    static final int webPort = FreePorts.next();
    static java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(state, "127.0.0.1");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ------------------------------------------------------------------ logs

    @Test
    void logsShowBothStreamsInOrderWithTailAndTimestamps() throws Exception {
        PodDirectory.PodView pod = node.addPod("logs", "p1", null, List.of("c"));
        node.awaitExit(node.sh(pod, "c", 0, "echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three"));
        assertThat(get("/containerLogs/logs/p1/c").body()).isEqualTo("one\ntwo\nthree\n");
        assertThat(get("/containerLogs/logs/p1/c?tailLines=1").body()).isEqualTo("three\n");
        assertThat(get("/containerLogs/logs/p1/c?limitBytes=5").body()).isEqualTo("one\nt");
        assertThat(get("/containerLogs/logs/p1/c?timestamps=true").body())
                .matches("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (one|two|three)\\n){3}");
    }

    @Test
    void followingStreamsUntilTheContainerExits() throws Exception {
        PodDirectory.PodView pod = node.addPod("logs", "p2", null, List.of("c"));
        node.sh(pod, "c", 0, "echo first; sleep 2; echo second");
        long start = System.nanoTime();
        HttpResponse<String> r = get("/containerLogs/logs/p2/c?follow=true");
        assertThat(r.body()).isEqualTo("first\nsecond\n");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1000));
    }

    @Test
    void previousIsTheAttemptBeforeTheCurrentOne() throws Exception {
        PodDirectory.PodView pod = node.addPod("logs", "p3", null, List.of("c"));
        node.awaitExit(node.sh(pod, "c", 0, "echo attempt zero"));
        HttpResponse<String> none = get("/containerLogs/logs/p3/c?previous=true");
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(none.body()).isEqualTo("previous terminated container \"c\" in pod \"p3\" not found");
        node.awaitExit(node.sh(pod, "c", 1, "echo attempt one"));
        assertThat(get("/containerLogs/logs/p3/c").body()).isEqualTo("attempt one\n");
        assertThat(get("/containerLogs/logs/p3/c?previous=true").body()).isEqualTo("attempt zero\n");
    }

    @Test
    void logsOfWhatDoesNotRunAreRefusedWithTheKubeletsWords() throws Exception {
        node.addPod("logs", "p4", null, List.of("c"));
        HttpResponse<String> noPod = get("/containerLogs/logs/nope/c");
        assertThat(noPod.statusCode()).isEqualTo(404);
        assertThat(noPod.body()).isEqualTo("pod \"nope\" does not exist");
        HttpResponse<String> noContainer = get("/containerLogs/logs/p4/x");
        assertThat(noContainer.statusCode()).isEqualTo(404);
        assertThat(noContainer.body()).isEqualTo("container \"x\" not found in pod \"p4\"");
        HttpResponse<String> waiting = get("/containerLogs/logs/p4/c");
        assertThat(waiting.statusCode()).isEqualTo(400);
        assertThat(waiting.body()).isEqualTo("container \"c\" in pod \"p4\" is waiting to start: ContainerCreating");
        assertThat(get("/containerLogs/logs/p4/c?tailLines=-1").statusCode()).isEqualTo(400);
    }

    // ------------------------------------------------------------------ exec over WebSocket

    /** What a WebSocket exec client saw. */
    record Session(Map<Integer, String> channels, int closeCode) {
        String out(int channel) {
            return channels.getOrDefault(channel, "");
        }

        JsonNode status() throws Exception {
            return KubeJson.MAPPER.readTree(out(3));
        }
    }

    private static Session websocket(String uri, String protocol, List<Buffer> send) throws Exception {
        HttpClient client = node.vertx.createHttpClient();
        Map<Integer, StringBuilder> channels = new ConcurrentHashMap<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        // Handlers go on before the event loop delivers the first message.
        WebSocket ws = client.webSocket(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port()).setURI(uri)
                .addSubProtocol(protocol)).map(socket -> {
                    socket.binaryMessageHandler(m -> channels.computeIfAbsent((int) m.getByte(0), k -> new StringBuilder())
                            .append(m.getString(1, m.length(), "UTF-8")));
                    socket.closeHandler(v -> closed.complete((int) socket.closeStatusCode()));
                    return socket;
                }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(ws.subProtocol()).isEqualTo(protocol);
        for (Buffer b : send) {
            ws.writeBinaryMessage(b);
        }
        int code = closed.get(20, TimeUnit.SECONDS);
        client.close();
        Map<Integer, String> out = new java.util.HashMap<>();
        channels.forEach((k, v) -> out.put(k, v.toString()));
        return new Session(out, code);
    }

    private static PodDirectory.PodView running(String name) throws Exception {
        PodDirectory.PodView pod = node.addPod("exec", name, null, List.of("c"));
        node.sh(pod, "c", 0, "sleep 3600");
        return pod;
    }

    @Test
    void execOverV5SendsOutputOnItsChannelsAndTheExitCodeInTheStatus() throws Exception {
        running("e1");
        Session s = websocket("/exec/exec/e1/c?command=sh&command=-c&command=echo%20hi%3B%20echo%20err%20%3E%262%3B%20exit%203&output=1&error=1",
                "v5.channel.k8s.io", List.of());
        assertThat(s.out(1)).isEqualTo("hi\n");
        assertThat(s.out(2)).isEqualTo("err\n");
        assertThat(s.status().path("reason").asText()).isEqualTo("NonZeroExitCode");
        assertThat(s.status().path("details").path("causes").get(0).path("reason").asText()).isEqualTo("ExitCode");
        assertThat(s.status().path("details").path("causes").get(0).path("message").asText()).isEqualTo("3");
        assertThat(s.closeCode()).isEqualTo(1000);
    }

    @Test
    void largeOutputArrivesWhole() throws Exception {
        running("big");
        Session s = websocket("/exec/exec/big/c?command=sh&command=-c&command=head%20-c%203000000%20/dev/zero%20%7C%20tr%20%27%5C0%27%20a&output=1",
                "v5.channel.k8s.io", List.of());
        assertThat(s.out(1)).hasSize(3_000_000).matches("a+");
        assertThat(s.status().path("status").asText()).isEqualTo("Success");
    }

    @Test
    void stdinEndsWithTheV5CloseSignal() throws Exception {
        running("e2");
        Session s = websocket("/exec/exec/e2/c?command=cat&input=1&output=1&error=1", "v5.channel.k8s.io",
                List.of(Buffer.buffer().appendByte((byte) 0).appendString("some data\n"),
                        Buffer.buffer().appendByte((byte) 255).appendByte((byte) 0)));
        assertThat(s.out(1)).isEqualTo("some data\n");
        assertThat(s.status().path("status").asText()).isEqualTo("Success");
    }

    @Test
    void aTerminalCarriesBothStreams() throws Exception {
        running("e3");
        Session s = websocket("/exec/exec/e3/c?command=sh&command=-c&command=test%20-t%200%20%26%26%20echo%20terminal&input=1&output=1&tty=1",
                "v5.channel.k8s.io", List.of(Buffer.buffer().appendByte((byte) 4).appendString("{\"Width\":100,\"Height\":30}")));
        assertThat(s.out(1)).contains("terminal");
        assertThat(s.out(2)).isEmpty();
    }

    @Test
    void v4ChannelsWorkWithoutTheCloseSignal() throws Exception {
        running("e4");
        Session s = websocket("/exec/exec/e4/c?command=echo&command=v4&output=1", "v4.channel.k8s.io", List.of());
        assertThat(s.out(1)).isEqualTo("v4\n");
        assertThat(s.status().path("status").asText()).isEqualTo("Success");
    }

    @Test
    void execIntoWhatDoesNotRunIsRefusedBeforeTheUpgrade() throws Exception {
        PodDirectory.PodView pod = node.addPod("exec", "e5", null, List.of("c"));
        node.awaitExit(node.sh(pod, "c", 0, "true"));
        HttpResponse<String> r = get("/exec/exec/e5/c?command=ls&output=1");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("container not found (\"c\")");
        assertThatThrownBy(() -> websocket("/exec/exec/e5/c?command=ls&output=1", "v5.channel.k8s.io", List.of()))
                .hasMessageContaining("500");
        HttpResponse<String> nothing = get("/exec/exec/e5/c?command=ls");
        assertThat(nothing.statusCode()).isEqualTo(400);
        assertThat(nothing.body()).isEqualTo("you must specify at least 1 of stdin, stdout, stderr");
    }

    @Test
    void aWebSocketWithoutAChannelProtocolIsRefusedSoTheClientFallsBack() throws Exception {
        running("e6");
        assertThatThrownBy(() -> websocket("/exec/exec/e6/c?command=ls&output=1", "base64.channel.k8s.io", List.of()))
                .hasMessageContaining("400");
    }

    // ------------------------------------------------------------------ exec over SPDY

    private static SpdyTestClient spdy(String method, String path, String... protocols) throws Exception {
        return SpdyTestClient.upgrade(node.port(), method, path, protocols.length == 0 ? Map.of()
                : Map.of("X-Stream-Protocol-Version", String.join(", ", protocols)));
    }

    @Test
    void execOverSpdyV4() throws Exception {
        running("s1");
        try (SpdyTestClient c = spdy("POST", "/exec/exec/s1/c?command=sh&command=-c&command=cat%3B%20echo%20done%20%3E%262%3B%20exit%205&input=1&output=1&error=1",
                "v4.channel.k8s.io", "v3.channel.k8s.io")) {
            assertThat(c.responseHeaders()).containsEntry("x-stream-protocol-version", "v4.channel.k8s.io");
            int error = c.open(Map.of("streamtype", "error"));
            int stdin = c.open(Map.of("streamtype", "stdin"));
            int stdout = c.open(Map.of("streamtype", "stdout"));
            int stderr = c.open(Map.of("streamtype", "stderr"));
            c.send(stdin, "through spdy\n".getBytes(StandardCharsets.UTF_8), true);
            assertThat(c.awaitFin(stdout, WAIT)).isEqualTo("through spdy\n");
            assertThat(c.awaitFin(stderr, WAIT)).isEqualTo("done\n");
            JsonNode status = KubeJson.MAPPER.readTree(c.awaitFin(error, WAIT));
            assertThat(status.path("details").path("causes").get(0).path("message").asText()).isEqualTo("5");
            c.awaitClosed(WAIT);
        }
    }

    @Test
    void olderSpdyProtocolsGetThePlainMessage() throws Exception {
        running("s2");
        try (SpdyTestClient c = spdy("POST", "/exec/exec/s2/c?command=sh&command=-c&command=exit%202&output=1", "v2.channel.k8s.io")) {
            int error = c.open(Map.of("streamtype", "error"));
            int stdout = c.open(Map.of("streamtype", "stdout"));
            assertThat(c.awaitFin(stdout, WAIT)).isEmpty();
            assertThat(c.awaitFin(error, WAIT)).isEqualTo("command terminated with non-zero exit code: exit status 2");
        }
    }

    @Test
    void spdyUpgradesThatCannotBeNegotiatedAreRefused() throws Exception {
        running("s3");
        assertThatThrownBy(() -> spdy("POST", "/exec/exec/s3/c?command=ls&output=1"))
                .isInstanceOfSatisfying(SpdyTestClient.RefusedException.class, e -> {
                    assertThat(e.refusal.status()).isEqualTo(400);
                    assertThat(e.refusal.body()).isEqualTo("unable to upgrade: X-Stream-Protocol-Version is required");
                });
        assertThatThrownBy(() -> spdy("POST", "/exec/exec/s3/c?command=ls&output=1", "v9.channel.k8s.io"))
                .isInstanceOfSatisfying(SpdyTestClient.RefusedException.class, e -> {
                    assertThat(e.refusal.status()).isEqualTo(403);
                    assertThat(e.refusal.headers()).containsKey("x-accepted-stream-protocol-versions");
                });
    }

    // ------------------------------------------------------------------ attach

    @Test
    void attachShowsWhatTheContainerWritesFromNowUntilItExits() throws Exception {
        PodDirectory.PodView pod = node.addPod("attach", "a1", null, List.of("c"));
        ContainerId id = node.sh(pod, "c", 0, "echo before; sleep 1; echo after; echo oops >&2; sleep 1");
        Thread.sleep(500);
        Session s = websocket("/attach/attach/a1/c?output=1&error=1", "v5.channel.k8s.io", List.of());
        assertThat(s.out(1)).isEqualTo("after\n");
        assertThat(s.out(2)).isEqualTo("oops\n");
        assertThat(s.status().path("status").asText()).isEqualTo("Success");
        assertThat(node.runtime.containerStatus(id).orElseThrow().running()).isFalse();
        HttpResponse<String> withStdin = get("/attach/attach/a1/c?input=1&output=1");
        assertThat(withStdin.statusCode()).isIn(400, 500);
    }

    // ------------------------------------------------------------------ port-forward

    /** A pod serving "hello from name" over HTTP on its IP at {@link #webPort}. */
    private static PodDirectory.PodView webServer(String name) throws Exception {
        PodDirectory.PodView pod = node.addPod("pf", name, null, List.of("web"));
        node.sh(pod, "web", 0, "mkdir -p /tmp/www && echo hello from " + name + " > /tmp/www/index.html && exec httpd -f -p $POD_IP:"
                + webPort + " -h /tmp/www");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket(pod.podIp(), webPort)) {
                return pod;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the web server of " + name + " did not listen");
    }

    private static void forwardsAnHttpRequest(SpdyTestClient c, String name, int requestId) throws Exception {
        String id = String.valueOf(requestId);
        String port = String.valueOf(webPort);
        int error = c.open(Map.of("streamtype", "error", "port", port, "requestid", id));
        int data = c.open(Map.of("streamtype", "data", "port", port, "requestid", id));
        c.send(data, "GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false);
        assertThat(c.awaitFin(data, WAIT)).startsWith("HTTP/1.").endsWith("hello from " + name + "\n");
        assertThat(c.awaitFin(error, WAIT)).isEmpty();
    }

    @Test
    void portForwardOverPlainSpdy() throws Exception {
        webServer("w1");
        try (SpdyTestClient c = spdy("POST", "/portForward/pf/w1", "portforward.k8s.io")) {
            forwardsAnHttpRequest(c, "w1", 0);
            forwardsAnHttpRequest(c, "w1", 1);
        }
    }

    @Test
    void portForwardOverSpdyTunnelledInWebSocketMessages() throws Exception {
        webServer("w2");
        HttpClient client = node.vertx.createHttpClient();
        WebSocket ws = client.webSocket(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
                .setURI("/portForward/pf/w2").addSubProtocol("SPDY/3.1+portforward.k8s.io"))
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(ws.subProtocol()).isEqualTo("SPDY/3.1+portforward.k8s.io");
        SpdyTestClient c = SpdyTestClient.over(new SpdyTestClient.Pipe() {
            @Override
            public void write(byte[] bytes) {
                ws.writeBinaryMessage(Buffer.buffer(bytes));
            }

            @Override
            public void close() {
                ws.close();
            }
        });
        ws.handler(b -> c.received(b.getBytes()));
        ws.closeHandler(v -> c.transportEnded());
        forwardsAnHttpRequest(c, "w2", 0);
        c.close();
        client.close();
    }

    @Test
    void aPortNothingListensOnIsReportedOnTheErrorStream() throws Exception {
        PodDirectory.PodView pod = webServer("w3");
        try (SpdyTestClient c = spdy("POST", "/portForward/pf/w3", "portforward.k8s.io")) {
            int error = c.open(Map.of("streamtype", "error", "port", "9", "requestid", "0"));
            c.open(Map.of("streamtype", "data", "port", "9", "requestid", "0"));
            assertThat(c.awaitFin(error, WAIT)).isEqualTo("error forwarding port 9 to pod w3, uid " + pod.uid() + ": dial tcp "
                    + pod.podIp() + ":9: connect: connection refused");
        }
    }
}
