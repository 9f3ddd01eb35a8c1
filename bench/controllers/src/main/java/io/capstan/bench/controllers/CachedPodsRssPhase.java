package io.capstan.bench.controllers;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Phase (c): bare pods are added until the cluster holds {@code target} pods (the Deployments'
 * pods count), the controller-manager is given time to cache them and fall quiet, and then its
 * resident memory is sampled every second for {@code sampleSeconds}. Nothing forces a GC: the
 * RSS is what the process holds in steady state.
 */
final class CachedPodsRssPhase {
    static final String NAMESPACE = "bench-rss";
    private static final int IN_FLIGHT = 64;

    private final LoopbackHttp http;
    private final PodFeedCounter pods;
    private final long cmPid;
    private final int target;
    private final int sampleSeconds;

    CachedPodsRssPhase(LoopbackHttp http, PodFeedCounter pods, long cmPid, int target, int sampleSeconds) {
        this.http = http;
        this.pods = pods;
        this.cmPid = cmPid;
        this.target = target;
        this.sampleSeconds = sampleSeconds;
    }

    ObjectNode run() throws Exception {
        ControllerBench.createNamespace(http, NAMESPACE);
        long existing = pods.count(null);
        int toCreate = (int) Math.max(0, target - existing);
        ControllerBench.log("rss: %d pods exist, creating %d more", existing, toCreate);
        AtomicLong errors = new AtomicLong();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        long t0 = System.nanoTime();
        try (ExecutorService creators = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < toCreate; i++) {
                String name = "p-" + i;
                inFlight.acquireUninterruptibly();
                creators.submit(() -> {
                    try {
                        if (!http.post("/api/v1/namespaces/" + NAMESPACE + "/pods", Manifests.pod(name)).ok()) {
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
        ObjectNode out = KubeJson.object();
        out.put("podsCreated", toCreate);
        out.put("createErrors", errors.get());
        out.put("createSeconds", ControllerBench.round((System.nanoTime() - t0) / 1e9, 1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (pods.count(null) < target && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        out.put("podsInCluster", pods.count(null));
        out.put("quietAfterSeconds", ControllerBench.round(awaitQuiet(Duration.ofSeconds(90)), 1));
        double max = 0;
        double last = 0;
        for (int i = 0; i < sampleSeconds; i++) {
            last = Proc.statusMb(cmPid, "VmRSS");
            max = Math.max(max, last);
            Thread.sleep(1_000);
        }
        out.put("rssMB", ControllerBench.round(last, 1));
        out.put("rssMaxOverSamplesMB", ControllerBench.round(max, 1));
        out.put("peakRssMB", ControllerBench.round(Proc.statusMb(cmPid, "VmHWM"), 1));
        out.put("threads", Proc.status(cmPid, "Threads"));
        out.put("heapInfo", ControllerBench.jcmd(cmPid, "GC.heap_info"));
        if (Boolean.getBoolean("bench.histogram")) {
            String histogram = ControllerBench.jcmd(cmPid, "GC.class_histogram");
            out.put("classHistogram", String.join("\n", histogram.lines().limit(40).toList()));
        }
        if (System.getProperty("bench.cmJvm", "").contains("NativeMemoryTracking")) {
            out.put("nativeMemory", ControllerBench.jcmd(cmPid, "VM.native_memory summary"));
        }
        return out;
    }

    /** Waits until the controller-manager used under 5% of a core for 3 seconds in a row; returns the seconds waited. */
    private double awaitQuiet(Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int quiet = 0;
        double before = Proc.cpuMs(cmPid);
        while (quiet < 3 && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
            double now = Proc.cpuMs(cmPid);
            quiet = now - before < 50 ? quiet + 1 : 0;
            before = now;
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
