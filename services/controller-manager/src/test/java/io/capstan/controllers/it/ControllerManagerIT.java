package io.capstan.controllers.it;

import io.capstan.testkit.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller-manager against a real etcd, Kafka and api-server, driven with the real
 * kubectl 1.33. No node-agent exists yet, so {@link FakeNode} marks pods Running and Ready.
 */
@QuarkusTest
@QuarkusTestResource(value = Cluster.class, restrictToAnnotatedClass = true)
class ControllerManagerIT {
    private static final String FIXTURES = "/work/shared/fixtures/k8s/";
    private static Kubectl kubectl;
    private static FakeNode node;

    @BeforeAll
    static void start() {
        kubectl = new Kubectl("1.33", Cluster.apiServer.url());
        node = new FakeNode(Cluster.apiServer.url());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void deploymentRollsOutUpdatesRollsBackPausesAndScales() {
        String ns = "deploy-test";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "05-deployment.yaml").ok();
        rolloutStatus(ns);
        assertThat(lines(kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout())).hasSize(1);
        assertThat(podImages(ns)).containsExactly("capstan/echo:1.0", "capstan/echo:1.0", "capstan/echo:1.0");

        kubectl.run("-n", ns, "set", "image", "deploy/deploy-example", "web=capstan/echo:2.0").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:2.0", "capstan/echo:2.0", "capstan/echo:2.0")));
        assertThat(lines(kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout())).hasSize(2);
        String history = kubectl.run("-n", ns, "rollout", "history", "deploy/deploy-example").ok().stdout();
        assertThat(history).containsPattern("(?m)^1 ").containsPattern("(?m)^2 ");

        kubectl.run("-n", ns, "rollout", "undo", "deploy/deploy-example").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:1.0", "capstan/echo:1.0", "capstan/echo:1.0")));
        assertThat(lines(kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout())).hasSize(2);
        assertThat(kubectl.run("-n", ns, "rollout", "history", "deploy/deploy-example").ok().stdout())
                .containsPattern("(?m)^2 ").containsPattern("(?m)^3 ");

        kubectl.run("-n", ns, "rollout", "undo", "deploy/deploy-example", "--to-revision=2").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:2.0", "capstan/echo:2.0", "capstan/echo:2.0")));

        kubectl.run("-n", ns, "rollout", "pause", "deploy/deploy-example").ok();
        kubectl.run("-n", ns, "set", "image", "deploy/deploy-example", "web=capstan/echo:3.0").ok();
        eventually(() -> jsonpath(ns, "deploy/deploy-example", "{.status.conditions[?(@.type==\"Progressing\")].reason}")
                .equals("DeploymentPaused"));
        assertThat(podImages(ns)).containsOnly("capstan/echo:2.0");
        kubectl.run("-n", ns, "rollout", "resume", "deploy/deploy-example").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:3.0", "capstan/echo:3.0", "capstan/echo:3.0")));

        kubectl.run("-n", ns, "scale", "deploy/deploy-example", "--replicas=5").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).size() == 5);
        assertThat(jsonpath(ns, "deploy/deploy-example", "{.status.readyReplicas}")).isEqualTo("5");
        assertThat(kubectl.run("-n", ns, "get", "events", "-o", "jsonpath={.items[*].reason}").ok().stdout())
                .contains("ScalingReplicaSet").contains("SuccessfulCreate").contains("SuccessfulDelete");
    }

    @Test
    void replicaSetReplacesDeletedPodsAndAdoptsOrphans() {
        String ns = "rs-test";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "04-replicaset.yaml").ok();
        eventually(() -> podNames(ns).size() == 3);
        eventually(() -> "3".equals(jsonpath(ns, "rs/rs-example", "{.status.readyReplicas}")));
        List<String> before = podNames(ns);

        kubectl.run("-n", ns, "delete", "pod", before.get(0)).ok();
        eventually(() -> podNames(ns).size() == 3 && !podNames(ns).contains(before.get(0)));
        List<String> replaced = podNames(ns);

        kubectl.run("-n", ns, "delete", "rs", "rs-example", "--cascade=orphan").ok();
        eventually(() -> kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout().isBlank());
        assertThat(podNames(ns)).isEqualTo(replaced);
        assertThat(kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={.items[*].metadata.ownerReferences[*].uid}").ok().stdout()).isBlank();

        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "04-replicaset.yaml").ok();
        String uid = jsonpath(ns, "rs/rs-example", "{.metadata.uid}");
        eventually(() -> kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={.items[*].metadata.ownerReferences[0].uid}").ok()
                .stdout().equals(String.join(" ", uid, uid, uid)));
        eventually(() -> "3".equals(jsonpath(ns, "rs/rs-example", "{.status.readyReplicas}")));
        assertThat(podNames(ns)).isEqualTo(replaced);
    }

    private static void rolloutStatus(String ns) {
        kubectl.run("-n", ns, "rollout", "status", "deploy/deploy-example", "--timeout=60s").ok();
    }

    private static String jsonpath(String ns, String object, String path) {
        return kubectl.run("-n", ns, "get", object, "-o", "jsonpath=" + path).ok().stdout().trim();
    }

    private static List<String> podNames(String ns) {
        return lines(kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")
                .ok().stdout()).stream().sorted().toList();
    }

    private static List<String> podImages(String ns) {
        return lines(kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}")
                .ok().stdout());
    }

    private static List<String> lines(String s) {
        return Arrays.stream(s.split("\n")).map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    private static void eventually(Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met within 60 s");
    }
}
