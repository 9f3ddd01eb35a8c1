package io.capstan.bench.controllers;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Phase (b): {@code count} Deployments of {@code replicas} replicas created at once (64 creates in
 * flight, as fast as the api-server takes them), then the time until every pod object exists.
 * No scheduler or node runs, so pods stay Pending and the rollouts stop at pod creation: what is
 * measured is the Deployment and ReplicaSet controllers (and the events, status writes and feed
 * they drive). Pod arrival is taken from the change feed ({@link PodFeedCounter}); at the end the
 * pods are listed from the api-server and counted per Deployment, so over- or under-creation shows.
 */
final class DeploymentBurstPhase {
    static final String NAMESPACE = "bench-deploy";
    private static final int IN_FLIGHT = 64;

    private final LoopbackHttp http;
    private final PodFeedCounter pods;
    private final int count;
    private final int replicas;
    private final Duration timeout;

    DeploymentBurstPhase(LoopbackHttp http, PodFeedCounter pods, int count, int replicas, Duration timeout) {
        this.http = http;
        this.pods = pods;
        this.count = count;
        this.replicas = replicas;
        this.timeout = timeout;
    }

    ObjectNode run(Cpu cpu) throws Exception {
        ControllerBench.createNamespace(http, NAMESPACE);
        int expected = count * replicas;
        ControllerBench.log("deployments: creating %d Deployments of %d replicas", count, replicas);
        Cpu.Window window = cpu.start();
        long t0 = System.nanoTime();
        AtomicLong errors = new AtomicLong();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        try (ExecutorService creators = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                String name = "d-" + i;
                inFlight.acquireUninterruptibly();
                creators.submit(() -> {
                    try {
                        if (!http.post("/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments", Manifests.deployment(name, replicas)).ok()) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        double createSeconds = (System.nanoTime() - t0) / 1e9;
        ControllerBench.log("deployments: %d created in %.1f s (%d errors); waiting for %d pods", count, createSeconds, errors.get(), expected);
        long deadline = t0 + timeout.toNanos();
        long lastLog = System.nanoTime();
        while (pods.count(NAMESPACE) < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(10)) {
                ControllerBench.log("deployments: %d of %d pods after %.0f s", pods.count(NAMESPACE), expected, (System.nanoTime() - t0) / 1e9);
                lastLog = System.nanoTime();
            }
        }
        long seen = pods.count(NAMESPACE);
        ObjectNode out = KubeJson.object();
        out.set("cpu", window.stop(seen));
        List<Long> times = pods.times(NAMESPACE);
        out.put("deployments", count);
        out.put("replicas", replicas);
        out.put("expectedPods", expected);
        out.put("createErrors", errors.get());
        out.put("deploymentCreateSeconds", ControllerBench.round(createSeconds, 2));
        out.put("podsSeen", seen);
        out.put("timedOut", seen < expected);
        if (!times.isEmpty()) {
            double all = (times.get(times.size() - 1) - t0) / 1e9;
            out.put("secondsToAllPods", ControllerBench.round(all, 2));
            out.put("podsPerSecond", ControllerBench.round(times.size() / all, 1));
            out.put("secondsToFirstPod", ControllerBench.round((times.get(0) - t0) / 1e9, 2));
            for (double q : new double[]{0.5, 0.9, 0.99}) {
                int i = Math.min(times.size() - 1, (int) Math.ceil(q * expected) - 1);
                out.put("secondsTo" + (int) (q * 100) + "PercentOfPods", ControllerBench.round((times.get(i) - t0) / 1e9, 2));
            }
            out.set("podsPerSecondTimeline", timeline(times, t0));
        }
        settle(out);
        return out;
    }

    /** Pods first seen in each second after the first create. */
    private static ArrayNode timeline(List<Long> times, long t0) {
        Map<Integer, Integer> buckets = new HashMap<>();
        int last = 0;
        for (long t : times) {
            int s = (int) ((t - t0) / TimeUnit.SECONDS.toNanos(1));
            buckets.merge(s, 1, Integer::sum);
            last = Math.max(last, s);
        }
        ArrayNode a = KubeJson.MAPPER.createArrayNode();
        for (int s = 0; s <= last; s++) {
            a.add(buckets.getOrDefault(s, 0));
        }
        return a;
    }

    /** After 5 quiet seconds: the pods per Deployment from the api-server, which must all be exactly {@code replicas}. */
    private void settle(ObjectNode out) throws Exception {
        Thread.sleep(5_000);
        JsonNode list = KubeJson.read(ControllerBench.expectOk(http.get("/api/v1/namespaces/" + NAMESPACE + "/pods"), "list pods").body());
        Map<String, Integer> perDeployment = new HashMap<>();
        for (JsonNode pod : list.path("items")) {
            perDeployment.merge(pod.path("metadata").path("labels").path(Manifests.DEPLOYMENT_LABEL).asText(), 1, Integer::sum);
        }
        long wrong = perDeployment.values().stream().filter(n -> n != replicas).count() + (count - perDeployment.size());
        out.put("podsListedAfterSettling", list.path("items").size());
        out.put("deploymentsWithWrongPodCount", wrong);
        JsonNode rs = KubeJson.read(ControllerBench.expectOk(http.get("/apis/apps/v1/namespaces/" + NAMESPACE + "/replicasets"), "list rs").body());
        out.put("replicaSets", rs.path("items").size());
    }
}
