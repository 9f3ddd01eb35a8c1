package io.capstan.nodeagent.runtime.docker;

import com.sun.net.httpserver.HttpServer;
import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerConfig.Resources;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;

import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import io.capstan.testkit.Dockerd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import java.nio.file.Path;
import java.time.Duration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import java.util.stream.Stream;

import static io.capstan.nodeagent.runtime.ContainerRuntimeContract.awaitExit;
import static io.capstan.nodeagent.runtime.ContainerRuntimeContract.logText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A bridged pod of the docker runtime reaches the node's services on the host's loopback (a
 * Service cluster IP in 127.96.0.0/16, a node IP in 127.0.1.0/24), as the process runtime's netns
 * pod network does, while 127.0.0.1 stays the pod's own. The "services" are HTTP servers of this
 * test's JVM on the host's loopback; the pod is on a bridge network of a dockerd of the test's own
 * (root, docker.io, nsenter, ip), whose bridge (and its route_localnet) goes with the daemon.
 */
class DockerBridgedServicesIT {
    private static final int NODE = ThreadLocalRandom.current().nextInt(100, 250);
    private static final String NETWORK = "capstan-svc-" + NODE;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration CLI = Duration.ofSeconds(60);

    private static Dockerd dockerd;
    private final List<HttpServer> servers = new ArrayList<>();

    @BeforeAll
    static void startDockerd() {
        String unavailable = Dockerd.unavailableReason();
        assumeTrue(unavailable == null, unavailable);
        for (String tool : List.of("nsenter", "ip")) {
            assumeTrue(Stream.of("/usr/bin", "/usr/sbin", "/bin", "/sbin").anyMatch(d -> Files.isExecutable(Path.of(d, tool))),
                    tool + " is not installed");
        }
        dockerd = Dockerd.start();
        RuntimeImages.importInto(dockerd);
    }

    @AfterAll
    static void stopDockerd() {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    @AfterEach
    void stopServers() {
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void aBridgedPodReachesTheServicesOnTheHostsLoopbackAndKeepsItsOwnLocalhost(@TempDir Path stateDir) throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String serviceIp = "127.96." + random.nextInt(0, 256) + "." + random.nextInt(1, 255);
        String nodeIp = "127.0.1." + random.nextInt(2, 255);
        int servicePort = serve(serviceIp, 0, "service\n");
        int nodePort = serve(nodeIp, 0, "node\n");
        // the host's own 127.0.0.1 on a port the pod's server takes too: the pod must get its own
        int localPort = serve("127.0.0.1", 0, "the host's localhost\n");

        String uid = UUID.randomUUID().toString();
        String podIp = "198.19." + NODE + "." + random.nextInt(2, 255);
        PodSandboxConfig pod = new PodSandboxConfig(uid, "default", "client", "client", null, podIp, null);
        try (DockerRuntime runtime = runtime(stateDir)) {
            PodSandbox sandbox = runtime.runPodSandbox(pod);
            start(runtime, sandbox, pod, "web", 0, "mkdir -p /tmp/www; echo the pod\\'s localhost > /tmp/www/index.html;"
                    + " exec httpd -f -p 127.0.0.1:" + localPort + " -h /tmp/www");
            ContainerId client = start(runtime, sandbox, pod, "client", 0,
                    retry("wget -q -O- http://" + serviceIp + ":" + servicePort + "/")
                            + retry("wget -q -O- http://" + nodeIp + ":" + nodePort + "/")
                            + retry("wget -q -O- http://127.0.0.1:" + localPort + "/"));
            ContainerInfo done = awaitExit(runtime, client, WAIT);
            assertThat(done.exitCode()).as(logText(runtime, client)).isZero();
            assertThat(logText(runtime, client)).isEqualTo("service\nnode\nthe pod's localhost\n");
            assertThat(done.message()).as("the routes were made: nothing to say").isNull();

            String bridge = "br-" + dockerd.docker(CLI, "network", "inspect", "--format", "{{.Id}}", NETWORK)
                    .orFail().output().trim().substring(0, 12);
            assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet")).trim())
                    .as("the host's end of the bridge carries 127.x").isEqualTo("1");

            // asked again: nothing fails, the pod keeps its routes
            runtime.runPodSandbox(pod);
            ContainerId again = start(runtime, sandbox, pod, "client", 1, retry("wget -q -O- http://" + serviceIp + ":"
                    + servicePort + "/") + "wget -q -O- http://127.0.0.1:" + localPort + "/");
            assertThat(awaitExit(runtime, again, WAIT).exitCode()).as(logText(runtime, again)).isZero();
            assertThat(logText(runtime, again)).isEqualTo("service\nthe pod's localhost\n");
        }
        // a new runtime takes the running sandbox over and applies the routes again, harmlessly
        try (DockerRuntime runtime = runtime(stateDir)) {
            PodSandbox sandbox = runtime.runPodSandbox(pod);
            ContainerId after = start(runtime, sandbox, pod, "client", 2, retry("wget -q -O- http://" + nodeIp + ":"
                    + nodePort + "/") + "wget -q -O- http://127.0.0.1:" + localPort + "/");
            ContainerInfo done = awaitExit(runtime, after, WAIT);
            assertThat(done.exitCode()).as(logText(runtime, after)).isZero();
            assertThat(logText(runtime, after)).isEqualTo("node\nthe pod's localhost\n");
            assertThat(done.message()).isNull();
            runtime.removePodSandbox(uid);
        }
    }

    private int serve(String address, int port, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    private static DockerRuntime runtime(Path stateDir) {
        return new DockerRuntime(stateDir, DockerRuntime.Options.forNode(NODE).withDockerHost(dockerd.host())
                .withNetwork(NETWORK, DockerRuntime.defaultSubnet(NODE)).withPullImages(false));
    }

    private static ContainerId start(DockerRuntime runtime, PodSandbox sandbox, PodSandboxConfig pod, String name,
                                     int attempt, String script) throws Exception {
        ContainerId id = new ContainerId(pod.podUid(), name, attempt);
        runtime.startContainer(new ContainerConfig(id, sandbox, pod, "busybox", List.of("/bin/sh", "-c", script),
                List.of(), Map.of(), null, List.of(), Resources.NONE, false, false));
        return id;
    }

    /** The command, tried for up to 10 s until it succeeds (a server of another container may not listen yet). */
    private static String retry(String command) {
        return "for i in $(seq 100); do " + command + " && break; sleep 0.1; done; ";
    }
}
