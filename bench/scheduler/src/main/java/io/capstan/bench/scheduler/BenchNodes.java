package io.capstan.bench.scheduler;

import io.capstan.scheduler.api.ApiClient;
import io.capstan.testkit.ServiceProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarFile;

/**
 * Where the bench's nodes come from. Preferably the node-agent's simulated mode
 * ({@code --simulated-nodes=N}, like KWOK); when the packaged node-agent predates it, the bench
 * registers the Nodes itself through the API (capacity, allocatable, Ready), and the report says
 * so: nobody renews their Leases then, so the controller-manager is started with grace periods
 * longer than the run, and nobody marks pods Running.
 */
final class BenchNodes {
    private BenchNodes() {
    }

    /** Whether the packaged node-agent has the simulated mode. */
    static boolean simulatedModeAvailable() {
        Path app = ServiceProcess.jar("node-agent", "services/node-agent").toAbsolutePath().resolveSibling("app");
        try (var files = Files.list(app)) {
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile j = new JarFile(jar.toFile())) {
                    if (j.getEntry("io/capstan/nodeagent/sim/SimulatedNodes.class") != null) {
                        return true;
                    }
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Registers nodes {@code sim-1..sim-N} as a node-agent would (Node, then its status), {@code concurrency} at a time. */
    static void register(ApiClient api, int count, int concurrency) throws InterruptedException {
        AtomicInteger next = new AtomicInteger(1);
        AtomicInteger errors = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                int i;
                while ((i = next.getAndIncrement()) <= count) {
                    String name = "sim-" + i;
                    try {
                        ApiClient.Response r = api.post("/api/v1/nodes", """
                                {"apiVersion":"v1","kind":"Node","metadata":{"name":"%s","labels":{"kubernetes.io/hostname":"%s",
                                "kubernetes.io/os":"linux","capstan.io/simulated":"true"}}}""".formatted(name, name).replace("\n", ""));
                        ApiClient.Response s = api.patch("/api/v1/nodes/" + name + "/status", "application/merge-patch+json", """
                                {"status":{"capacity":{"cpu":"4","memory":"32Gi","pods":"110"},"allocatable":{"cpu":"4","memory":"32Gi","pods":"110"},
                                "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"registered by bench/scheduler",
                                "lastHeartbeatTime":"%s"}]}}
                                """.formatted(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).replace("\n", ""));
                        if (!r.ok() || !s.ok()) {
                            errors.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " nodes could not be registered");
        }
    }
}
