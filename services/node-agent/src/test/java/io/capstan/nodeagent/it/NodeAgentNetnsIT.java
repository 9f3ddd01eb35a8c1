package io.capstan.nodeagent.it;

import io.capstan.testkit.Eventually;
import io.capstan.testkit.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node-agent with {@code pod-network=netns}, against a real etcd, Kafka and api-server and
 * driven by the real kubectl: the two-container fixture's pod in its own network namespace.
 * Needs root and iproute2.
 */
@QuarkusTest
@QuarkusTestResource(value = Cluster.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "pod-network", value = "netns"))
class NodeAgentNetnsIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static Kubectl kubectl;

    @BeforeAll
    static void start() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")), "needs iproute2");
        kubectl = new Kubectl("1.33", Cluster.apiServer.url());
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (kubectl != null) {
            kubectl.run("delete", "pods", "--all-namespaces", "--all", "--grace-period=1", "--timeout=60s");
        }
        // the agent keeps its bridge when it stops (its pods outlive it); the test does not
        new ProcessBuilder("ip", "link", "del", "capbr" + Cluster.index).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void theTwoContainerPodSharesItsOwnLocalhostOnAPodIpOfTheBridgeAndLeavesNoNamespaceBehind() {
        String ns = "netns-" + Long.toHexString(System.nanoTime() & 0xffffff);
        kubectl.run("create", "namespace", ns).ok();
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web-with-sidecar
                  labels: {app: web}
                spec:
                  nodeName: %s
                  containers:
                  - name: web
                    image: nginx
                    ports:
                    - containerPort: 80
                    readinessProbe:
                      httpGet: {path: /, port: 80}
                      periodSeconds: 1
                  - name: poller
                    image: busybox
                    command: ["/bin/sh", "-c"]
                    args: ["while true; do wget -q -O- http://localhost:80/ > /dev/null && echo ok; sleep 1; done"]
                """.formatted(Cluster.NODE), "-n", ns, "apply", "-f", "-").ok();
        kubectl.run("-n", ns, "wait", "--for=condition=Ready", "pod/web-with-sidecar", "--timeout=100s").ok();

        String podIp = kubectl.run("-n", ns, "get", "pod", "web-with-sidecar", "-o", "jsonpath={.status.podIP}").ok().stdout();
        assertThat(podIp).startsWith("198.18." + Cluster.index + ".");
        assertThat(kubectl.run("get", "node", Cluster.NODE, "-o", "jsonpath={.spec.podCIDR}").ok().stdout())
                .isEqualTo("198.18." + Cluster.index + ".0/24");
        eventually("the poller reaches nginx on localhost",
                () -> kubectl.run("-n", ns, "logs", "web-with-sidecar", "-c", "poller").stdout().contains("ok"));
        assertThat(kubectl.run("-n", ns, "exec", "web-with-sidecar", "-c", "poller", "--", "cat", "/etc/hosts").ok().stdout())
                .contains("127.0.0.1\tlocalhost").contains(podIp + "\tweb-with-sidecar");
        assertThat(kubectl.run("-n", ns, "exec", "web-with-sidecar", "-c", "poller", "--",
                "wget", "-q", "-O-", "http://127.0.0.1:80/").ok().stdout()).contains("Welcome to nginx!");
        String uid = kubectl.run("-n", ns, "get", "pod", "web-with-sidecar", "-o", "jsonpath={.metadata.uid}").ok().stdout();
        Path netns = Path.of("/run/netns/capstan-" + uid.replace("-", "").substring(0, 12));
        assertThat(netns).exists();

        kubectl.run("-n", ns, "delete", "pod", "web-with-sidecar", "--grace-period=1", "--timeout=60s").ok();
        eventually("the pod's namespace is removed", () -> !Files.exists(netns));
    }

    private static void eventually(String what, BooleanSupplier condition) {
        Eventually.eventually(what, WAIT, condition);
    }
}
