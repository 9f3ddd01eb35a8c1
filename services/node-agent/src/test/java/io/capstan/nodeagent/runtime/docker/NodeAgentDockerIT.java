package io.capstan.nodeagent.runtime.docker;

import io.capstan.testkit.Eventually;
import io.capstan.testkit.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node-agent with {@code runtime=docker}, against a real etcd, Kafka, api-server and a
 * dockerd of the test's own, driven by the real kubectl: the two-container fixture's pod as Docker
 * containers around a pause container, its address from the docker network's subnet, its logs and
 * exec through Docker. Needs root and docker.io.
 */
@QuarkusTest
@QuarkusTestResource(value = DockerCluster.class, restrictToAnnotatedClass = true)
class NodeAgentDockerIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static Kubectl kubectl;

    @BeforeAll
    static void start() {
        assumeTrue(DockerCluster.unavailable == null, DockerCluster.unavailable);
        kubectl = new Kubectl("1.33", DockerCluster.apiServer.url());
    }

    @AfterAll
    static void cleanUp() {
        if (kubectl != null) {
            kubectl.run("delete", "pods", "--all-namespaces", "--all", "--grace-period=1", "--timeout=60s");
        }
    }

    @Test
    void theTwoContainerPodRunsAsDockerContainersOnTheNodesDockerSubnet() {
        String ns = "docker-" + Long.toHexString(System.nanoTime() & 0xffffff);
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
                """.formatted(DockerCluster.NODE), "-n", ns, "apply", "-f", "-").ok();
        kubectl.run("-n", ns, "wait", "--for=condition=Ready", "pod/web-with-sidecar", "--timeout=100s").ok();

        String podIp = kubectl.run("-n", ns, "get", "pod", "web-with-sidecar", "-o", "jsonpath={.status.podIP}").ok().stdout();
        assertThat(podIp).startsWith("198.19." + DockerCluster.index + ".");
        assertThat(kubectl.run("get", "node", DockerCluster.NODE, "-o", "jsonpath={.spec.podCIDR}").ok().stdout())
                .isEqualTo("198.19." + DockerCluster.index + ".0/24");
        assertThat(kubectl.run("get", "node", DockerCluster.NODE, "-o",
                "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}").ok().stdout())
                .as("capstan.node-agent.node-ip").isEqualTo(DockerCluster.nodeIp());
        assertThat(kubectl.run("get", "node", DockerCluster.NODE, "-o",
                "jsonpath={.status.nodeInfo.containerRuntimeVersion}").ok().stdout())
                .as("the daemon's version, as the kubelet reports it").matches("docker://\\d+\\.\\d+.*");
        assertThat(kubectl.run("-n", ns, "get", "pod", "web-with-sidecar", "-o",
                "jsonpath={.status.containerStatuses[*].containerID}").ok().stdout()).startsWith("docker://");
        eventually("the poller reaches nginx on localhost",
                () -> kubectl.run("-n", ns, "logs", "web-with-sidecar", "-c", "poller").stdout().contains("ok"));
        assertThat(kubectl.run("-n", ns, "exec", "web-with-sidecar", "-c", "poller", "--", "cat", "/etc/hosts").ok().stdout())
                .contains("127.0.0.1\tlocalhost").contains(podIp + "\tweb-with-sidecar");
        assertThat(kubectl.runWithInput("shout\n", "-n", ns, "exec", "-i", "web-with-sidecar", "-c", "poller", "--",
                "tr", "a-z", "A-Z").ok().stdout()).isEqualTo("SHOUT\n");
        String uid = kubectl.run("-n", ns, "get", "pod", "web-with-sidecar", "-o", "jsonpath={.metadata.uid}").ok().stdout();
        assertThat(containersOf(uid)).isEqualTo(3);

        kubectl.run("-n", ns, "delete", "pod", "web-with-sidecar", "--grace-period=1", "--timeout=60s").ok();
        eventually("the pod's containers and its pause container are removed", () -> containersOf(uid) == 0);
    }

    private static long containersOf(String uid) {
        return DockerCluster.dockerd.docker(Duration.ofSeconds(30), "ps", "-aq", "--filter", "label=io.kubernetes.pod.uid=" + uid)
                .output().lines().filter(l -> !l.isBlank()).count();
    }

    private static void eventually(String what, BooleanSupplier condition) {
        Eventually.eventually(what, WAIT, condition);
    }
}
