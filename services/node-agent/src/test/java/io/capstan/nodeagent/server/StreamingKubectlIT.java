package io.capstan.nodeagent.server;

import io.capstan.api.json.KubeJson;
import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.Kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real kubectl (1.33, and 1.30 whose port-forward still speaks plain SPDY) through a real
 * api-server process to the streaming server on the real process runtime: logs with their
 * options, exec with exit codes, stdin and a terminal (over WebSocket and over SPDY), attach,
 * and port-forward with curl. The test plays the agent's pod lifecycle: it starts the pods'
 * containers itself and reports them Running.
 */
class StreamingKubectlIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    static Path state;
    static EtcdProcess etcd;
    static ApiServerProcess api;
    static TestNode node;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void cluster() throws Exception {
        etcd = EtcdProcess.start();
        api = ApiServerProcess.start(etcd.endpoint(), null);
        node = new TestNode(state, "127.0.0.1");
        String status = """
                {"metadata":{"name":"stream-node"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"},
                 {"type":"Hostname","address":"stream-node"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":%d}},
                 "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"ready"}]}}"""
                .formatted(node.port());
        send("POST", "/api/v1/nodes", status);
        send("PUT", "/api/v1/nodes/stream-node/status", status);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (api != null) {
            api.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static JsonNode send(String method, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(WAIT)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return KubeJson.MAPPER.readTree(r.body());
    }

    /** A pod bound to the node and reported Running, its containers not started yet. */
    static PodDirectory.PodView pod(String name, String... containers) throws Exception {
        List<String> specs = new ArrayList<>();
        for (String c : containers) {
            specs.add("{\"name\":\"" + c + "\",\"image\":\"busybox\"}");
        }
        JsonNode created = send("POST", "/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"" + name
                + "\"},\"spec\":{\"nodeName\":\"stream-node\",\"containers\":[" + String.join(",", specs) + "]}}");
        String uid = created.path("metadata").path("uid").asText();
        PodDirectory.PodView view = node.addPod("default", name, uid, List.of(containers));
        ((com.fasterxml.jackson.databind.node.ObjectNode) created).putObject("status").put("phase", "Running").put("podIP", view.podIp());
        send("PUT", "/api/v1/namespaces/default/pods/" + name + "/status", KubeJson.string(created));
        return view;
    }

    private static String name(String base, String version) {
        return base + "-" + version.replace(".", "");
    }

    private static Kubectl kubectl(String version) {
        return new Kubectl(version, api.url());
    }

    // ------------------------------------------------------------------ logs

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void logsWithTheirOptions(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = name("logger", version);
        node.awaitExit(node.sh(pod(p, "main"), "main", 0, "echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three"));
        assertThat(k.run("logs", p).ok().stdout()).isEqualTo("one\ntwo\nthree\n");
        assertThat(k.run("logs", p, "-c", "main", "--tail=1").ok().stdout()).isEqualTo("three\n");
        assertThat(k.run("logs", p, "--limit-bytes=6").ok().stdout()).isEqualTo("one\ntw");
        assertThat(k.run("logs", p, "--since=1h").ok().stdout()).isEqualTo("one\ntwo\nthree\n");
        assertThat(k.run("logs", p, "--timestamps").ok().stdout())
                .matches("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (one|two|three)\\n){3}");
        // The same log straight from the kubelet, through nodes/proxy.
        assertThat(k.run("get", "--raw", "/api/v1/nodes/stream-node/proxy/containerLogs/default/" + p + "/main?tailLines=2").ok().stdout())
                .isEqualTo("two\nthree\n");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void previousShowsTheAttemptBefore(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = name("restarter", version);
        PodDirectory.PodView pod = pod(p, "main");
        node.awaitExit(node.sh(pod, "main", 0, "echo the old one"));
        Kubectl.Result none = k.run("logs", p, "--previous");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.stderr()).contains("Error from server (BadRequest): previous terminated container \"main\" in pod \"" + p + "\" not found");
        node.awaitExit(node.sh(pod, "main", 1, "echo the new one"));
        assertThat(k.run("logs", p, "--previous").ok().stdout()).isEqualTo("the old one\n");
        assertThat(k.run("logs", p).ok().stdout()).isEqualTo("the new one\n");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void followEndsWhenTheContainerExits(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = name("follower", version);
        node.sh(pod(p, "main"), "main", 0, "echo first; sleep 2; echo second");
        assertThat(k.run("logs", "-f", p).ok().stdout()).isEqualTo("first\nsecond\n");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void logsOfAContainerNotStartedSayItIsWaiting(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = name("waiting", version);
        pod(p, "main");
        Kubectl.Result r = k.run("logs", p);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("Error from server (BadRequest): container \"main\" in pod \"" + p + "\" is waiting to start: ContainerCreating");
    }

    /** Whether kubectl's -v=6 log shows a 101 answer to {@code method} on the pod subresource. */
    private static boolean upgraded(String log, String method, String subresource) {
        String request = "/pods/[^/\\s\"]+/" + subresource + "[^\\s\"]*";
        return Pattern.compile("verb=\"" + method + "\" url=\"[^\"]*" + request + "\" status=\"101 |" + method + " \\S*" + request + " 101 ")
                .matcher(log).find();
    }

    // ------------------------------------------------------------------ exec

    private static String shell(String version) throws Exception {
        String p = name("shell", version);
        if (node.pod("default", p).isEmpty()) {
            node.sh(pod(p, "main"), "main", 0, "sleep 3600");
        }
        return p;
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void execGivesTheCommandsExitCodeOverWebSocketAndOverSpdy(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = shell(version);
        Kubectl.Result ws = k.run("exec", "-v=6", p, "--", "sh", "-c", "echo hi; echo err >&2; exit 3");
        assertThat(ws.exitCode()).isEqualTo(3);
        assertThat(ws.stdout()).isEqualTo("hi\n");
        assertThat(ws.stderr()).contains("err");
        assertThat(upgraded(ws.stderr(), "GET", "exec")).as("a WebSocket upgrade").isTrue();
        Kubectl.Result spdy = k.run(Map.of("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false"), null,
                "exec", "-v=6", p, "--", "sh", "-c", "echo over spdy; exit 4");
        assertThat(spdy.exitCode()).isEqualTo(4);
        assertThat(spdy.stdout()).isEqualTo("over spdy\n");
        assertThat(upgraded(spdy.stderr(), "POST", "exec")).as("a SPDY upgrade").isTrue();
        String big = k.run("exec", p, "--", "sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' b").ok().stdout();
        assertThat(big).hasSize(2_000_000).matches("b+");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void execIntoWhatDoesNotRunFailsWithTheReasonAfterBothProtocolsWereTried(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = name("unscheduled", version);
        send("POST", "/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"" + p
                + "\"},\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox\"}]}}");
        Kubectl.Result r = k.run("exec", p, "--", "true");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("Error from server (BadRequest): pod " + p + " does not have a host assigned");
        // Refused by the kubelet rather than the api-server: its answer passes through the tunnel.
        String exited = name("exited", version);
        node.awaitExit(node.sh(pod(exited, "main"), "main", 0, "true"));
        Kubectl.Result gone = k.run("exec", exited, "--", "true");
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.stderr()).contains("unable to upgrade connection: container not found (\"main\")");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void execPassesStdin(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = shell(version);
        assertThat(k.runWithInput("some data\nmore\n", "exec", "-i", p, "--", "cat").ok().stdout()).isEqualTo("some data\nmore\n");
        assertThat(k.run(Map.of("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false"), "by spdy\n", "exec", "-i", p, "--", "cat").ok().stdout())
                .isEqualTo("by spdy\n");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void execWithATerminalRunsAnInteractiveShell(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = shell(version);
        // script(1) gives kubectl a terminal, as a user's shell would.
        String command = "KUBECONFIG=" + k.home().resolve("kubeconfig") + " HOME=" + k.home() + " " + Kubectl.find(version)
                + " --cache-dir=" + k.home().resolve("cache") + " exec -it " + p + " -- sh";
        Process script = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        Thread.sleep(2000);
        script.getOutputStream().write("tty; echo typed-$((6*7)); exit 7\n".getBytes(StandardCharsets.UTF_8));
        script.getOutputStream().flush();
        assertThat(script.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = output.get(10, TimeUnit.SECONDS);
        assertThat(out).contains("typed-42").contains("/dev/");
        assertThat(script.exitValue()).isEqualTo(7);
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33"})
    void attachShowsTheContainersOutput(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = name("ticker", version);
        node.sh(pod(p, "main"), "main", 0, "sleep 2; for i in 1 2 3; do echo tick $i; sleep 0.3; done");
        Kubectl.Result r = k.run("attach", p);
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(0);
        assertThat(r.stdout()).contains("tick 1\ntick 2\ntick 3\n");
    }

    // ------------------------------------------------------------------ port-forward

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.33", "1.30"})
    void portForwardCarriesACurl(String version) throws Exception {
        Kubectl k = kubectl(version);
        String p = name("web", version);
        PodDirectory.PodView pod = pod(p, "web");
        int webPort = FreePorts.next();
        node.sh(pod, "web", 0, "mkdir -p /tmp/www && echo hello through kubectl > /tmp/www/index.html && exec httpd -f -p $POD_IP:"
                + webPort + " -h /tmp/www");
        try (PortForwardProcess forward = PortForwardProcess.start(k, p, webPort)) {
            // 1.31 and later tunnel SPDY through a WebSocket (GET); 1.30 upgrades to SPDY itself (POST).
            assertThat(upgraded(forward.log(), version.equals("1.30") ? "POST" : "GET", "portforward")).as(forward.log()).isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(forward.curl("/index.html")).isEqualTo("hello through kubectl\n");
            }
            assertThat(forward.alive()).isTrue();
        }
    }

}
