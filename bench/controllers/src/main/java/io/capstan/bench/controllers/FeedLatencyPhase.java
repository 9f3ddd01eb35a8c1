package io.capstan.bench.controllers;

import io.capstan.api.json.KubeJson;
import io.capstan.controller.Informer;
import io.capstan.controller.ResourceEventHandler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.HdrHistogram.Histogram;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Phase (a), the change feed: open-loop merge patches of {@code keys} ConfigMaps at {@code rate}
 * writes/s through the api-server, observed by a controller-runtime {@link Informer} in this JVM
 * (LIST, then the Kafka feed). Each write carries its intended send time ({@link System#nanoTime()}
 * of this JVM), so the latency write-to-informer is measured from when the write was due, not when
 * it went out (no coordinated omission). Per key, the resourceVersions the api-server acknowledged
 * are compared with those the informer delivered: every acknowledged write must arrive, in order.
 */
final class FeedLatencyPhase {
    private static final int MAX_IN_FLIGHT = 256;

    private final String namespace;
    private final LoopbackHttp http;
    private final KubernetesClient client;
    private final String kafka;
    private final int rate;
    private final int keys;
    private final Duration warmup;
    private final Duration measured;

    private final Histogram feedLatency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    private final Histogram writeLatency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    /** "key/resourceVersion" -> when the api-server's answer arrived, and when the informer delivered it (measured writes only). */
    private final Map<String, Long> acknowledgedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
    /** key -> resourceVersions the api-server acknowledged. */
    private final Map<String, Set<Long>> acknowledged = new ConcurrentHashMap<>();
    /** key -> resourceVersions the informer delivered, in delivery order; only the dispatch thread appends. */
    private final Map<String, List<Long>> delivered = new ConcurrentHashMap<>();
    private final AtomicLong deliveredCount = new AtomicLong();
    private final AtomicLong acknowledgedCount = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Map<String, Long> errorsByStatus = new ConcurrentHashMap<>();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private volatile long measuredFromSeq;

    /** Writes to ConfigMaps in its own {@code namespace}, so two runs at different rates do not mix. */
    FeedLatencyPhase(String namespace, LoopbackHttp http, KubernetesClient client, String kafka, int rate, int keys, Duration warmup,
                     Duration measured) {
        this.namespace = namespace;
        this.http = http;
        this.client = client;
        this.kafka = kafka;
        this.rate = rate;
        this.keys = keys;
        this.warmup = warmup;
        this.measured = measured;
    }

    ObjectNode run(Cpu cpu) throws Exception {
        ControllerBench.createNamespace(http, namespace);
        for (int k = 0; k < keys; k++) {
            ControllerBench.expectOk(http.post("/api/v1/namespaces/" + namespace + "/configmaps", Manifests.feedConfigMap(key(k))), "create ConfigMap");
        }
        ObjectNode out = KubeJson.object();
        try (Informer<ConfigMap> informer = new Informer<>(ConfigMap.class, client, Map.of("bootstrap.servers", kafka),
                Informer.Options.defaults().withNamespace(namespace))) {
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(ConfigMap cm) {
                    observe(cm);
                }

                @Override
                public void onUpdate(ConfigMap old, ConfigMap cm) {
                    observe(cm);
                }
            });
            informer.start();
            if (!informer.waitForSync(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the ConfigMap informer did not sync within 60 s");
            }
            long warmupWrites = rate * warmup.toSeconds();
            long total = warmupWrites + rate * measured.toSeconds();
            measuredFromSeq = warmupWrites;
            ControllerBench.log("feed: %d writes/s over %d keys, %d s warm-up + %d s measured", rate, keys, warmup.toSeconds(), measured.toSeconds());
            Cpu.Window[] window = new Cpu.Window[1];
            long[] measuredStart = new long[1];
            writeOpenLoop(total, warmupWrites, () -> {
                window[0] = cpu.start();
                measuredStart[0] = System.nanoTime();
            });
            double seconds = (System.nanoTime() - measuredStart[0]) / 1e9;
            out.set("cpu", window[0].stop(total - warmupWrites));
            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (deliveredCount.get() < acknowledgedCount.get() && System.nanoTime() < drainDeadline) {
                Thread.sleep(50);
            }
            out.put("writesPerSecondTarget", rate);
            out.put("keys", keys);
            out.put("warmupSeconds", warmup.toSeconds());
            out.put("measuredSeconds", measured.toSeconds());
            out.put("measuredWallSeconds", ControllerBench.round(seconds, 2));
            out.put("writesSent", total);
            out.put("writesAcknowledged", acknowledgedCount.get());
            out.put("writeErrors", errors.get());
            if (!errorsByStatus.isEmpty()) {
                out.put("writeErrorsByStatus", errorsByStatus.toString());
                out.put("firstWriteError", firstError.get().length() > 300 ? firstError.get().substring(0, 300) : firstError.get());
            }
            out.put("eventsDelivered", deliveredCount.get());
            synchronized (feedLatency) {
                out.set("feedLatencyMs", ControllerBench.histogram(feedLatency));
            }
            synchronized (writeLatency) {
                out.set("writeLatencyMs", ControllerBench.histogram(writeLatency));
            }
            out.set("feedLatencyAfterAcknowledgementMs", afterAcknowledgement());
            check(out);
        }
        return out;
    }

    private static String key(int k) {
        return "feed-" + k;
    }

    /**
     * Writes seq 0 until {@code total}, write i due {@code i / rate} seconds after the start, each on
     * its own virtual thread (at most {@link #MAX_IN_FLIGHT} at once); {@code onMeasured} runs when
     * the schedule reaches {@code measuredFrom}. Returns once every write has been answered.
     */
    private void writeOpenLoop(long total, long measuredFrom, Runnable onMeasured) {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long seq = 0; seq < total; seq++) {
                long due = start + seq * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (seq == measuredFrom) {
                    onMeasured.run();
                }
                long s = seq;
                writers.submit(() -> {
                    inFlight.acquireUninterruptibly();
                    try {
                        write(s, due);
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
    }

    private void write(long seq, long due) {
        String key = key((int) (seq % keys));
        try {
            LoopbackHttp.Response r = http.send("PATCH", "/api/v1/namespaces/" + namespace + "/configmaps/" + key,
                    "application/merge-patch+json", Manifests.feedPatch(seq, due).getBytes(StandardCharsets.UTF_8));
            long micros = (System.nanoTime() - due) / 1000;
            if (!r.ok()) {
                errors.incrementAndGet();
                errorsByStatus.merge(String.valueOf(r.status()), 1L, Long::sum);
                firstError.compareAndSet(null, r.status() + " " + r.text());
                return;
            }
            long rv = resourceVersion(r.text());
            acknowledged.computeIfAbsent(key, x -> ConcurrentHashMap.newKeySet()).add(rv);
            acknowledgedCount.incrementAndGet();
            if (seq >= measuredFromSeq) {
                acknowledgedAt.put(key + "/" + rv, System.nanoTime());
                synchronized (writeLatency) {
                    writeLatency.recordValue(Math.max(0, micros));
                }
            }
        } catch (Exception e) {
            errors.incrementAndGet();
            errorsByStatus.merge(e.getClass().getSimpleName(), 1L, Long::sum);
            firstError.compareAndSet(null, String.valueOf(e));
        }
    }

    private static long resourceVersion(String json) {
        int i = json.indexOf("\"resourceVersion\":\"");
        if (i < 0) {
            return -1;
        }
        int from = i + "\"resourceVersion\":\"".length();
        return Long.parseLong(json.substring(from, json.indexOf('"', from)));
    }

    /** On the informer's dispatch thread. */
    private void observe(ConfigMap cm) {
        long now = System.nanoTime();
        Map<String, String> data = cm.getData();
        if (data == null || "-1".equals(data.get("seq"))) {
            return;
        }
        long seq = Long.parseLong(data.get("seq"));
        long sent = Long.parseLong(data.get("sent"));
        delivered.computeIfAbsent(cm.getMetadata().getName(), x -> new ArrayList<>())
                .add(Long.parseLong(cm.getMetadata().getResourceVersion()));
        deliveredCount.incrementAndGet();
        if (seq >= measuredFromSeq) {
            deliveredAt.putIfAbsent(cm.getMetadata().getName() + "/" + cm.getMetadata().getResourceVersion(), now);
            synchronized (feedLatency) {
                feedLatency.recordValue(Math.max(0, (now - sent) / 1000));
            }
        }
    }

    /**
     * The feed's own share: from the api-server's answer to the informer's delivery, per measured
     * write that has both (0 when the informer was first: the change was committed before the
     * answer left the api-server).
     */
    private ObjectNode afterAcknowledgement() {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        long informerFirst = 0;
        for (Map.Entry<String, Long> e : acknowledgedAt.entrySet()) {
            Long seen = deliveredAt.get(e.getKey());
            if (seen != null) {
                long micros = (seen - e.getValue()) / 1000;
                if (micros < 0) {
                    informerFirst++;
                }
                h.recordValue(Math.max(0, micros));
            }
        }
        ObjectNode out = ControllerBench.histogram(h);
        out.put("informerBeforeAcknowledgement", informerFirst);
        return out;
    }

    /** Lost: acknowledged but never delivered; reordered: delivered after a newer version of its key; duplicates: delivered twice. */
    private void check(ObjectNode out) {
        long lost = 0;
        long reordered = 0;
        long duplicates = 0;
        long unacknowledgedDelivered = 0;
        Map<String, Long> lostByKey = new HashMap<>();
        for (int k = 0; k < keys; k++) {
            String key = key(k);
            Set<Long> acked = acknowledged.getOrDefault(key, Set.of());
            List<Long> seen = List.copyOf(delivered.getOrDefault(key, List.of()));
            Set<Long> seenSet = new HashSet<>();
            long previous = Long.MIN_VALUE;
            for (long rv : seen) {
                if (!seenSet.add(rv)) {
                    duplicates++;
                } else if (rv < previous) {
                    reordered++;
                }
                previous = Math.max(previous, rv);
                if (!acked.contains(rv)) {
                    unacknowledgedDelivered++;
                }
            }
            TreeSet<Long> missing = new TreeSet<>(acked);
            missing.removeAll(seenSet);
            if (!missing.isEmpty()) {
                lost += missing.size();
                lostByKey.put(key, (long) missing.size());
            }
        }
        out.put("lost", lost);
        out.put("reordered", reordered);
        out.put("duplicates", duplicates);
        out.put("deliveredButNotAcknowledged", unacknowledgedDelivered);
        if (!lostByKey.isEmpty()) {
            out.put("lostByKeySample", lostByKey.entrySet().stream().limit(10).toList().toString());
        }
    }
}
