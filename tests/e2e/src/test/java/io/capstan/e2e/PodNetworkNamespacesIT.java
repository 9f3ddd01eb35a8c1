package io.capstan.e2e;

import io.capstan.testkit.Kubectl;
import io.capstan.testkit.LocalCluster;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole stack with {@code pod-network=netns}: each pod in its own network namespace on its
 * node's bridge. A pod's containers share localhost, pods on two nodes reach each other by pod IP,
 * and Services, their DNS names and the API's {@code kubernetes} Service work from inside pods as
 * from the host. Needs root (namespaces, veths, bridges); elsewhere it says so and is skipped.
 */
class PodNetworkNamespacesIT {
    static LocalCluster stack;
    static Kubectl kubectl;

    @BeforeAll
    static void up() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
        Path fixtures = FixturesIT.fixturesDir();
        stack = LocalCluster.start(2, true, "netns");
        kubectl = new Kubectl("1.33", stack.apiServer.url());
        eventually(Duration.ofSeconds(60), () -> kubectl.run("get", "nodes", "-o",
                "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}")
                .stdout().lines().filter("True"::equals).count() == 2);
        for (String f : List.of("03-pod-two-containers.yaml", "05-deployment.yaml", "06-service-clusterip.yaml")) {
            kubectl.run("apply", "-f", fixtures.resolve(f).toString()).ok();
        }
    }

    @AfterAll
    static void down() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void podsGetTheirOwnNamespaceAndServicesWorkFromInsideThem() {
        kubectl.run("rollout", "status", "deployment/deploy-example", "--timeout=120s").ok();
        kubectl.run("wait", "--for=condition=Ready", "pod/web-with-sidecar", "--timeout=90s").ok();

        // the sidecar reaches nginx on localhost: the pod's own loopback, not the host's
        assertThat(jsonpath("pod/web-with-sidecar", "{.status.podIP}")).startsWith("198.18.");
        eventually(Duration.ofSeconds(30), () -> kubectl.run("logs", "web-with-sidecar", "-c", "poller").stdout().contains("ok"));

        // every replica listens on :8080 in its own namespace; the Service reaches all three from the host
        List<String> replicas = FixturesIT.words(kubectl.run("get", "pods", "-l", "app=web,env=prod", "-o",
                "jsonpath={.items[*].metadata.name}").ok().stdout());
        String vip = jsonpath("svc/web", "{.spec.clusterIP}");
        assertThat(FixturesIT.answeredBy("http://" + vip + "/hostname")).containsExactlyInAnyOrderElementsOf(replicas);

        // from inside a pod: the Service by its DNS name (UDP to the node proxy at the node's IP), the API's Service
        eventually(Duration.ofSeconds(30), () -> kubectl.run("exec", "web-with-sidecar", "-c", "poller", "--",
                "wget", "-q", "-O", "-", "http://web.default.svc.cluster.local/hostname").stdout().startsWith("deploy-example-"));
        assertThat(kubectl.run("exec", "web-with-sidecar", "-c", "poller", "--", "wget", "-q", "-O", "-",
                "http://kubernetes.default.svc:443/version").ok().stdout()).contains("\"gitVersion\"");

        // pod to pod across nodes, by pod IP
        String otherNode = stack.nodeNames().stream()
                .filter(n -> !n.equals(jsonpath("pod/web-with-sidecar", "{.spec.nodeName}"))).findFirst().orElseThrow();
        String remote = kubectl.run("get", "pods", "-l", "app=web,env=prod", "-o",
                "jsonpath={range .items[?(@.spec.nodeName==\"" + otherNode + "\")]}{.status.podIP}{\"\\n\"}{end}").ok().stdout()
                .lines().findFirst().orElse("");
        if (!remote.isEmpty()) {
            assertThat(kubectl.run("exec", "web-with-sidecar", "-c", "poller", "--", "wget", "-q", "-O", "-",
                    "http://" + remote + ":8080/").ok().stdout()).isEqualTo("version 1\n");
        }

        // deleting a pod removes its namespace
        String node = jsonpath("pod/web-with-sidecar", "{.spec.nodeName}");
        Path records = stack.stateDir.resolve(node).resolve("runtime").resolve("netns");
        long before = count(records);
        kubectl.run("delete", "pod", "web-with-sidecar", "--timeout=60s").ok();
        eventually(Duration.ofSeconds(30), () -> count(records) == before - 1);
    }

    static long count(Path dir) {
        try (var files = Files.list(dir)) {
            return files.count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    static String jsonpath(String object, String path) {
        Kubectl.Result r = kubectl.run("get", object, "-o", "jsonpath=" + path);
        return r.exitCode() == 0 ? r.stdout().trim() : "";
    }

    static void eventually(Duration timeout, BooleanSupplier condition) {
        FixturesIT.eventually(timeout, condition);
    }
}
