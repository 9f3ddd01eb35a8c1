package io.capstan.controller;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class WorkQueueTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final WorkQueue<String> queue = new WorkQueue<>("test", registry);

    @AfterEach
    void shutdown() {
        queue.shutdown();
    }

    @Test
    void anItemAddedTwiceIsProcessedOnce() throws Exception {
        queue.add("a");
        queue.add("b");
        queue.add("a");

        assertThat(queue.len()).isEqualTo(2);
        assertThat(queue.get()).contains("a");
        assertThat(queue.get()).contains("b");
        assertThat(queue.len()).isZero();
        assertThat(registry.get("workqueue_adds_total").tag("name", "test").counter().count()).isEqualTo(2);
    }

    @Test
    void anItemReAddedWhileProcessingIsQueuedAgainOnlyAfterDone() throws Exception {
        queue.add("a");
        String taken = queue.get().orElseThrow();
        queue.add("a");

        assertThat(queue.len()).as("not handed to a second worker while processing").isZero();
        queue.done(taken);
        assertThat(queue.len()).isEqualTo(1);
        assertThat(queue.get()).contains("a");
    }

    @Test
    void manyWorkersNeverProcessTheSameKeyAtOnce() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            Thread t = new Thread(() -> {
                try {
                    for (Optional<String> k = queue.get(); k.isPresent(); k = queue.get()) {
                        if (inFlight.computeIfAbsent(k.get(), x -> new AtomicInteger()).incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        Thread.sleep(1);
                        inFlight.get(k.get()).decrementAndGet();
                        processed.incrementAndGet();
                        queue.done(k.get());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            workers.add(t);
            t.start();
        }
        for (int i = 0; i < 2000; i++) {
            queue.add("key-" + (i % 5));
            if (i % 50 == 0) {
                Thread.sleep(1);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((queue.len() > 0 || inFlight.values().stream().anyMatch(c -> c.get() > 0)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        queue.shutdown();
        for (Thread t : workers) {
            t.join(5000);
        }

        assertThat(overlaps.get()).isZero();
        assertThat(processed.get()).isPositive().isLessThan(2000);
    }

    @Test
    void addAfterDelaysTheItemAndTheEarliestPendingAddWins() throws Exception {
        long start = System.nanoTime();
        queue.addAfter("late", Duration.ofSeconds(30));
        queue.addAfter("late", Duration.ofMillis(100));
        queue.addAfter("late", Duration.ofSeconds(60));

        assertThat(queue.len()).isZero();
        assertThat(queue.get()).contains("late");
        long waited = System.nanoTime() - start;
        assertThat(waited).isBetween(TimeUnit.MILLISECONDS.toNanos(90), TimeUnit.SECONDS.toNanos(10));
        queue.done("late");
        assertThat(queue.len()).as("the superseded delayed adds were cancelled").isZero();
    }

    @Test
    void rateLimitedAddsBackOffPerItemAndForgetResets() throws Exception {
        List<Duration> delays = Collections.synchronizedList(new ArrayList<>());
        RateLimiter<String> recording = new RateLimiter<>() {
            private final ControllerRateLimiter<String> inner = new ControllerRateLimiter<>();

            @Override
            public Duration when(String item) {
                Duration d = inner.when(item);
                delays.add(d);
                return d;
            }

            @Override
            public void forget(String item) {
                inner.forget(item);
            }

            @Override
            public int numRequeues(String item) {
                return inner.numRequeues(item);
            }
        };
        try (WorkQueue<String> q = new WorkQueue<>("retry", registry, recording, System::nanoTime)) {
            for (int i = 0; i < 4; i++) {
                q.addRateLimited("x");
                String item = q.get().orElseThrow();
                q.done(item);
            }
            assertThat(q.numRequeues("x")).isEqualTo(4);
            assertThat(delays).containsExactly(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40));
            assertThat(registry.get("workqueue_retries_total").tag("name", "retry").counter().count()).isEqualTo(4);

            q.forget("x");
            assertThat(q.numRequeues("x")).isZero();
        }
    }

    @Test
    void shutdownWakesBlockedWorkers() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                if (queue.get().isEmpty()) {
                    returned.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        Thread.sleep(50);
        queue.shutdown();
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
        queue.add("ignored");
        assertThat(queue.len()).isZero();
    }

    @Test
    void metricsUseClientGoNames() throws Exception {
        queue.add("a");
        assertThat(registry.get("workqueue_depth").tag("name", "test").gauge().value()).isEqualTo(1);
        queue.done(queue.get().orElseThrow());
        assertThat(registry.get("workqueue_queue_duration_seconds").tag("name", "test").timer().count()).isEqualTo(1);
        assertThat(registry.get("workqueue_work_duration_seconds").tag("name", "test").timer().count()).isEqualTo(1);
        assertThat(registry.get("workqueue_depth").tag("name", "test").gauge().value()).isZero();
    }
}
