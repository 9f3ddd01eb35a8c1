package io.capstan.controllers.it;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;
import io.capstan.testkit.Kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills the packaged controller-manager with SIGKILL in the middle of a Deployment rollout (twice:
 * once while new pods wait to become Ready, once right after its successor took over and is busy
 * catching up), starts it again, and compares the end state with the same rollout run without
 * interruption: the same ReplicaSets with the same replica counts, revision and replica
 * annotations and images, the Deployment's revision and status, exactly {@link #REPLICAS} pods,
 * all of the new ReplicaSet, none terminating or orphaned. Throughout the interrupted run a sampler
 * checks what Kubernetes guarantees: the ReplicaSets' {@code spec.replicas} never add up to more
 * than replicas + maxSurge, and no ReplicaSet ever has more live pods than the most replicas it was
 * asked for, so no restart double-created pods. (The number of live pods itself may pass replicas +
 * maxSurge for a moment, on Kubernetes too: when a restarted controller-manager finds the old
 * ReplicaSet scaled down and the new one scaled up, the two ReplicaSets' deletes and creates race.)
 */
class RolloutKillProcessIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REPLICAS = 6;
    private static final int MAX_SURGE = 2;
    private static final Duration LEASE_TTL = Duration.ofSeconds(5);
    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: %d
              selector:
                matchLabels: {app: web}
              strategy:
                type: RollingUpdate
                rollingUpdate: {maxSurge: %d, maxUnavailable: 1}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: capstan/echo:1.0
            """.formatted(REPLICAS, MAX_SURGE);

    private static EtcdProcess etcd;
    private static KafkaProcess kafka;
    private static ApiServerProcess apiServer;
    private static FakeNode node;
    private static Kubectl kubectl;
    private static Path dataDir;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<ControllerManagerProcess> started = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws IOException {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        dataDir = Files.createTempDirectory("capstan-cm-kill");
        node = new FakeNode(apiServer.url());
        kubectl = new Kubectl("1.33", apiServer.url());
    }

    @AfterAll
    static void stopCluster() {
        started.forEach(ControllerManagerProcess::close);
        for (AutoCloseable c : new AutoCloseable[]{node, apiServer, kafka, etcd}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort teardown
                }
            }
        }
    }

    @Test
    void aControllerManagerKilledMidRolloutEndsWhereAnUninterruptedRolloutEnds() throws Exception {
        ControllerManagerProcess cm = controllerManager("first");
        cm.awaitLeading(Duration.ofSeconds(60));

        String control = "uninterrupted";
        startRollout(control);
        node.outcome(control, null);
        finishRollout(control);

        String killed = "killed";
        try (LivePodSampler sampler = new LivePodSampler(killed)) {
            startRollout(killed);
            // mid-rollout: the new ReplicaSet has surged and its first pods wait (Pending) to become Ready
            cm.kill();
            // the pods become Ready while no controller-manager runs: its successor must catch up from the feed
            node.outcome(killed, null);
            cm = controllerManager("second");
            cm.awaitLeading(Duration.ofSeconds(60));
            // busy: informers relisted and the successor is scaling the ReplicaSets up and down
            Thread.sleep(300);
            cm.kill();
            cm = controllerManager("third");
            cm.awaitLeading(Duration.ofSeconds(60));
            finishRollout(killed);
            assertThat(sampler.samples()).isPositive();
            assertThat(sampler.maxSpecSum()).as("the ReplicaSets' spec.replicas added up (replicas + maxSurge)")
                    .isLessThanOrEqualTo(REPLICAS + MAX_SURGE);
            assertThat(sampler.overCreated()).as("ReplicaSets with more live pods than they were ever asked for").isEmpty();
            System.out.printf("live pods at most %d at once (replicas + maxSurge = %d), %d samples%n",
                    sampler.maxLive(), REPLICAS + MAX_SURGE, sampler.samples());
        }

        EndState expected = endState(control);
        EndState actual = endState(killed);
        assertThat(actual).isEqualTo(expected);
        assertThat(expected.replicaSets()).hasSize(2);
        assertThat(expected.deployment()).containsEntry("revision", "2").containsEntry("updatedReplicas", "6")
                .containsEntry("availableReplicas", "6");
        assertThat(expected.podsByOwner().values()).containsExactly(REPLICAS);
        assertThat(expected.podsByOwner()).containsOnlyKeys(newReplicaSet(control));
        assertThat(kubectl.run("-n", killed, "rollout", "history", "deploy/web").ok().stdout())
                .containsPattern("(?m)^1 ").containsPattern("(?m)^2 ");
    }

    private static ControllerManagerProcess controllerManager(String identity) {
        ControllerManagerProcess cm = ControllerManagerProcess.start(identity, apiServer.url(), etcd.endpoint(), kafka.bootstrapServers(),
                dataDir, LEASE_TTL);
        started.add(cm);
        return cm;
    }

    /** Rolls out revision 1, then sets a new image while the node holds new pods Pending, and waits until the new ReplicaSet has pods. */
    private static void startRollout(String ns) throws Exception {
        kubectl.run("create", "namespace", ns).ok();
        kubectl.runWithInput(DEPLOYMENT, "-n", ns, "apply", "-f", "-").ok();
        kubectl.run("-n", ns, "rollout", "status", "deploy/web", "--timeout=120s").ok();
        node.outcome(ns, FakeNode.Outcome.HOLD);
        kubectl.run("-n", ns, "set", "image", "deploy/web", "web=capstan/echo:2.0").ok();
        // stuck half-way, as on Kubernetes: the old ReplicaSet down by maxUnavailable to 5, the new one up to 3
        // (replicas + maxSurge live pods), and no new pod Ready
        eventually(() -> images(ns).equals(Map.of("capstan/echo:1.0", REPLICAS - 1, "capstan/echo:2.0", MAX_SURGE + 1)));
    }

    /** How many live pods run each image. */
    private static Map<String, Integer> images(String ns) throws Exception {
        Map<String, Integer> out = new TreeMap<>();
        for (JsonNode p : pods(ns)) {
            if (!p.path("metadata").has("deletionTimestamp")) {
                out.merge(p.path("spec").path("containers").path(0).path("image").asText(), 1, Integer::sum);
            }
        }
        return out;
    }

    private static void finishRollout(String ns) throws Exception {
        kubectl.run("-n", ns, "rollout", "status", "deploy/web", "--timeout=120s").ok();
        // settled: only the new ReplicaSet's pods are left
        eventually(() -> pods(ns).size() == REPLICAS && images(ns).equals(Map.of("capstan/echo:2.0", REPLICAS)));
    }

    private static String newReplicaSet(String ns) throws Exception {
        return replicaSets(ns).stream().filter(rs -> "2".equals(rs.path("metadata").path("annotations")
                .path("deployment.kubernetes.io/revision").asText())).map(rs -> rs.path("metadata").path("name").asText()).findFirst().orElseThrow();
    }

    /** What a rollout leaves behind, without names or uids of pods (random) but with the ReplicaSets' (template hashes). */
    record EndState(Map<String, String> deployment, Map<String, Map<String, String>> replicaSets, Map<String, Integer> podsByOwner,
                    int terminatingPods, int orphanPods, List<String> podImages) {
    }

    private static EndState endState(String ns) throws Exception {
        JsonNode d = get("/apis/apps/v1/namespaces/" + ns + "/deployments/web");
        Map<String, String> deployment = new TreeMap<>();
        deployment.put("revision", d.path("metadata").path("annotations").path("deployment.kubernetes.io/revision").asText());
        deployment.put("observedCurrentGeneration", String.valueOf(d.path("status").path("observedGeneration").asLong()
                == d.path("metadata").path("generation").asLong()));
        for (String field : List.of("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas")) {
            deployment.put(field, d.path("status").path(field).asText());
        }
        for (JsonNode c : d.path("status").path("conditions")) {
            deployment.put("condition " + c.path("type").asText(), c.path("status").asText() + " " + c.path("reason").asText());
        }
        Map<String, Map<String, String>> sets = new TreeMap<>();
        for (JsonNode rs : replicaSets(ns)) {
            Map<String, String> facts = new TreeMap<>();
            rs.path("metadata").path("annotations").fields().forEachRemaining(e -> facts.put(e.getKey(), e.getValue().asText()));
            facts.put("spec.replicas", rs.path("spec").path("replicas").asText());
            facts.put("status.replicas", rs.path("status").path("replicas").asText());
            facts.put("image", rs.path("spec").path("template").path("spec").path("containers").path(0).path("image").asText());
            facts.put("controller", rs.path("metadata").path("ownerReferences").path(0).path("name").asText());
            sets.put(rs.path("metadata").path("name").asText(), facts);
        }
        Map<String, Integer> byOwner = new TreeMap<>();
        int terminating = 0;
        int orphans = 0;
        List<String> images = new ArrayList<>();
        for (JsonNode p : pods(ns)) {
            JsonNode owner = p.path("metadata").path("ownerReferences").path(0);
            if (owner.isMissingNode()) {
                orphans++;
            } else {
                byOwner.merge(owner.path("name").asText(), 1, Integer::sum);
            }
            if (p.path("metadata").has("deletionTimestamp")) {
                terminating++;
            }
            images.add(p.path("spec").path("containers").path(0).path("image").asText());
        }
        images.sort(null);
        return new EndState(deployment, sets, byOwner, terminating, orphans, images);
    }

    private static List<JsonNode> pods(String ns) throws IOException, InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        get("/api/v1/namespaces/" + ns + "/pods").path("items").forEach(out::add);
        return out;
    }

    private static List<JsonNode> replicaSets(String ns) throws IOException, InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        get("/apis/apps/v1/namespaces/" + ns + "/replicasets").path("items").forEach(out::add);
        return out;
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(apiServer.url() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void eventually(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("condition not met within 60 s");
    }

    /**
     * Every 50 ms: lists the namespace's pods, then its ReplicaSets, and remembers the largest sum of
     * {@code spec.replicas}, the most live (not terminating) pods at once, and every ReplicaSet
     * seen with more live pods than the largest {@code spec.replicas} it had so far (the ReplicaSets
     * are listed after the pods, so a rising spec is never seen too late).
     */
    private static final class LivePodSampler implements AutoCloseable {
        private final AtomicInteger maxSpecSum = new AtomicInteger();
        private final AtomicInteger maxLive = new AtomicInteger();
        private final AtomicInteger samples = new AtomicInteger();
        private final Map<String, Integer> maxSpec = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<String> overCreated = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        LivePodSampler(String ns) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        sample(ns);
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        // the namespace may not exist yet
                    }
                }
            }, "live-pod-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample(String ns) throws IOException, InterruptedException {
            Map<String, Integer> liveByOwner = new TreeMap<>();
            int live = 0;
            for (JsonNode p : pods(ns)) {
                if (!p.path("metadata").has("deletionTimestamp")) {
                    live++;
                    liveByOwner.merge(p.path("metadata").path("ownerReferences").path(0).path("name").asText("(none)"), 1, Integer::sum);
                }
            }
            int specSum = 0;
            for (JsonNode rs : replicaSets(ns)) {
                int spec = rs.path("spec").path("replicas").asInt();
                specSum += spec;
                maxSpec.merge(rs.path("metadata").path("name").asText(), spec, Math::max);
            }
            for (Map.Entry<String, Integer> e : liveByOwner.entrySet()) {
                int asked = maxSpec.getOrDefault(e.getKey(), 0);
                if (e.getValue() > asked) {
                    overCreated.add(e.getKey() + ": " + e.getValue() + " live pods, at most " + asked + " replicas");
                }
            }
            maxSpecSum.accumulateAndGet(specSum, Math::max);
            maxLive.accumulateAndGet(live, Math::max);
            samples.incrementAndGet();
        }

        int maxSpecSum() {
            return maxSpecSum.get();
        }

        int maxLive() {
            return maxLive.get();
        }

        List<String> overCreated() {
            return List.copyOf(overCreated);
        }

        int samples() {
            return samples.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join(5_000);
        }
    }
}
