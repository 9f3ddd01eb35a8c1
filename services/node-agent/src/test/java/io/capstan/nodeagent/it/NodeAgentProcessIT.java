package io.capstan.nodeagent.it;

import io.capstan.testkit.Eventually;
import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;
import io.capstan.testkit.Kubectl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged node-agent as a real process, against real etcd, Kafka and api-server processes:
 * killed with SIGKILL and started again it takes over its running containers (never a second
 * copy), kills the containers of pods deleted while it was away and starts pods created
 * meanwhile; in simulated mode it registers 50 nodes, keeps their leases fresh and runs bound
 * pods without running anything.
 */
class NodeAgentProcessIT {
    // generous: other engineers' builds share this machine's two cores
    private static final Duration WAIT = Duration.ofSeconds(240);
    private static EtcdProcess etcd;
    private static KafkaProcess kafka;
    private static ApiServerProcess apiServer;
    private static Kubectl kubectl;

    @BeforeAll
    static void cluster() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        kubectl = new Kubectl("1.33", apiServer.url());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{apiServer, kafka, etcd}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    private static Map<String, String> realNode(String name, int index, Path state) {
        return Map.of("node-name", name, "node-index", String.valueOf(index), "api-server-url", apiServer.url(),
                "kafka-bootstrap-servers", kafka.bootstrapServers(), "state-dir", state.toString(),
                "lease-renew-interval", "2s", "node-status-update-interval", "2s");
    }

    @Test
    void aRestartedAgentTakesOverItsContainersAndCleansUpWhatWentMeanwhile() throws Exception {
        int index = ThreadLocalRandom.current().nextInt(100, 250);
        String node = "restart-node";
        Path state = Files.createTempDirectory("agent-restart");
        String marker = String.valueOf(ThreadLocalRandom.current().nextInt(100000, 999999));
        kubectl.run("create", "namespace", "restart").ok();
        AgentProcess agent = AgentProcess.start("127.0.1." + index, realNode(node, index, state));
        try {
            pod("restart", "keeper", node, "sleep " + marker + "1");
            pod("restart", "doomed", node, "sleep " + marker + "2");
            kubectl.run("-n", "restart", "wait", "--for=condition=Ready", "pod/keeper", "pod/doomed", "--timeout=100s").ok();
            String containerId = jsonpath("restart", "pod/keeper", "{.status.containerStatuses[0].containerID}");
            assertThat(processesWith("sleep " + marker + "1")).isEqualTo(1);

            agent.kill();
            kubectl.run("-n", "restart", "delete", "pod", "doomed", "--grace-period=0", "--force").ok();
            pod("restart", "newcomer", node, "sleep " + marker + "3");
            assertThat(processesWith("sleep " + marker + "1")).as("containers outlive the agent").isEqualTo(1);

            agent = AgentProcess.start("127.0.1." + index, realNode(node, index, state));
            kubectl.run("-n", "restart", "wait", "--for=condition=Ready", "pod/newcomer", "--timeout=100s").ok();
            eventually("the deleted pod's container is stopped", () -> processesWith("sleep " + marker + "2") == 0);
            Thread.sleep(3000);
            assertThat(processesWith("sleep " + marker + "1")).as("no second copy").isEqualTo(1);
            assertThat(jsonpath("restart", "pod/keeper", "{.status.containerStatuses[0].containerID}")).isEqualTo(containerId);
            assertThat(jsonpath("restart", "pod/keeper", "{.status.containerStatuses[0].restartCount}")).isEqualTo("0");
            assertThat(jsonpath("restart", "pod/keeper", "{.status.phase}")).isEqualTo("Running");
            eventually("keeper ready again", () -> jsonpath("restart", "pod/keeper",
                    "{.status.conditions[?(@.type==\"Ready\")].status}").equals("True"));
        } finally {
            kubectl.run("-n", "restart", "delete", "pods", "--all", "--grace-period=1", "--timeout=60s");
            agent.close();
        }
    }

    @Test
    void fiftyPodsCostLittleMemory() throws Exception {
        int index = ThreadLocalRandom.current().nextInt(100, 250);
        String node = "rss-node";
        Path state = Files.createTempDirectory("agent-rss");
        kubectl.run("create", "namespace", "rss").ok();
        try (AgentProcess agent = AgentProcess.start("127.0.1." + index, realNode(node, index, state))) {
            try {
                StringBuilder yaml = new StringBuilder();
                for (int i = 0; i < 50; i++) {
                    yaml.append("""
                            apiVersion: v1
                            kind: Pod
                            metadata: {name: p%d}
                            spec:
                              nodeName: %s
                              containers:
                              - name: main
                                image: busybox
                                command: ["sleep", "3600"]
                                readinessProbe:
                                  exec: {command: ["true"]}
                                  periodSeconds: 5
                            ---
                            """.formatted(i, node));
                }
                Thread.sleep(5_000);
                long idle = agent.rssBytes();
                kubectl.runWithInput(yaml.toString(), "-n", "rss", "apply", "-f", "-").ok();
                try {
                    eventually("50 pods ready", () -> kubectl.run("-n", "rss", "get", "pods", "--no-headers").stdout().lines()
                            .filter(l -> l.contains(" 1/1 ")).count() == 50);
                } catch (AssertionError e) {
                    String log = agent.log();
                    throw new AssertionError(e.getMessage() + "\n" + kubectl.run("-n", "rss", "get", "pods", "-o", "wide").stdout()
                            + kubectl.run("-n", "rss", "get", "events").stdout()
                            + "agent log (tail):\n" + log.substring(Math.max(0, log.length() - 8000)), e);
                }
                Thread.sleep(10_000);
                long rss = agent.rssBytes();
                System.out.printf("node-agent RSS: %d MiB idle, %d MiB with 50 running pods%n", idle / (1024 * 1024), rss / (1024 * 1024));
                // the target is 150 MB (bench/pods measures it); this guards against leaks and thread-per-pod designs
                assertThat(rss - idle).as("RSS growth for 50 pods").isLessThan(40L * 1024 * 1024);
                assertThat(rss).as("RSS with 50 pods").isLessThan(180L * 1024 * 1024);
            } finally {
                kubectl.run("-n", "rss", "delete", "pods", "--all", "--grace-period=1", "--timeout=100s");
            }
        }
    }

    @Test
    void simulatedNodesRegisterKeepTheirLeasesAndRunBoundPods() throws Exception {
        Map<String, String> settings = Map.of("node-name", "sim", "simulated-nodes", "50", "api-server-url", apiServer.url(),
                "kafka-bootstrap-servers", kafka.bootstrapServers(), "simulated.lease-renew-interval", "2s",
                "state-dir", Files.createTempDirectory("agent-sim").toString());
        try (AgentProcess agent = AgentProcess.start("127.0.0.1", settings)) {
            eventually("50 simulated nodes Ready", () -> readyNodes("capstan.io/simulated=true") == 50);
            String renew = jsonpath("kube-node-lease", "lease/sim-50", "{.spec.renewTime}");
            eventually("leases renewed", () -> !jsonpath("kube-node-lease", "lease/sim-50", "{.spec.renewTime}").equals(renew));
            assertThat(jsonpath("", "node/sim-7", "{.status.capacity.cpu}")).isEqualTo("32");
            assertThat(jsonpath("", "node/sim-7", "{.spec.podCIDR}")).isEqualTo("10.0.7.0/24");

            kubectl.run("create", "namespace", "sim").ok();
            StringBuilder yaml = new StringBuilder();
            for (int i = 1; i <= 20; i++) {
                yaml.append("""
                        apiVersion: v1
                        kind: Pod
                        metadata: {name: p%d}
                        spec:
                          nodeName: sim-%d
                          containers:
                          - {name: main, image: nginx}
                        ---
                        """.formatted(i, i));
            }
            kubectl.runWithInput(yaml.toString(), "-n", "sim", "apply", "-f", "-").ok();
            kubectl.run("-n", "sim", "wait", "--for=condition=Ready", "pods", "--all", "--timeout=100s").ok();
            assertThat(jsonpath("sim", "pod/p7", "{.status.podIP}")).startsWith("10.0.7.");
            assertThat(jsonpath("sim", "pod/p7", "{.status.hostIP}")).isEqualTo("127.1.0.7");
            kubectl.run("-n", "sim", "delete", "pod", "p3", "--timeout=30s").ok();
            assertThat(kubectl.run("-n", "sim", "get", "pod", "p3").exitCode()).isNotZero();
            System.out.printf("node-agent RSS simulating 50 nodes and 19 pods: %d MiB%n", agent.rssBytes() / (1024 * 1024));
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void pod(String ns, String name, String node, String command) {
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "exec %s"]
                    readinessProbe:
                      exec: {command: ["true"]}
                      periodSeconds: 1
                """.formatted(name, node, command), "-n", ns, "apply", "-f", "-").ok();
    }

    private static int readyNodes(String selector) {
        String out = kubectl.run("get", "nodes", "-l", selector, "-o",
                "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}").stdout();
        return (int) Arrays.stream(out.split("\n")).filter("True"::equals).count();
    }

    private static String jsonpath(String ns, String resource, String path) {
        List<String> args = ns.isEmpty() ? List.of("get", resource, "-o", "jsonpath=" + path)
                : List.of("-n", ns, "get", resource, "-o", "jsonpath=" + path);
        Kubectl.Result r = kubectl.run(args.toArray(String[]::new));
        return r.exitCode() == 0 ? r.stdout().trim() : "";
    }

    /** Processes on this host whose command line contains {@code text} (the containers are host processes). */
    private static long processesWith(String text) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ').trim().equals(text);
                        } catch (IOException e) {
                            return false;
                        }
                    }).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void eventually(String what, BooleanSupplier condition) {
        Eventually.eventually(what, WAIT, condition);
    }
}
