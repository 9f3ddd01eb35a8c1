package io.capstan.proxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class HeapCompactorTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<Long> runs = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private static void waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 5 s").isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private HeapCompactor compactor(int threshold, Duration settle, Duration minInterval) {
        return new HeapCompactor(threshold, settle, minInterval, scheduler, () -> runs.add(System.nanoTime()), System::nanoTime);
    }

    @Test
    void endpointChurnBelowTheThresholdNeverCollects() throws InterruptedException {
        HeapCompactor c = compactor(256, Duration.ofMillis(20), Duration.ofMillis(20));
        for (int i = 0; i < 50; i++) {
            c.applied(5);
        }
        Thread.sleep(300);
        assertThat(runs).isEmpty();
    }

    @Test
    void aLargeChangeCollectsOnceTheConfigHasBeenQuietForTheSettleTime() throws InterruptedException {
        HeapCompactor c = compactor(256, Duration.ofMillis(200), Duration.ofSeconds(10));
        long start = System.nanoTime();
        c.applied(1000);
        Thread.sleep(100);
        c.applied(1000); // a second big response inside the quiet period postpones the collection
        long second = System.nanoTime();
        waitFor(() -> runs.size() == 1);
        assertThat(runs.get(0) - second).isGreaterThanOrEqualTo(Duration.ofMillis(190).toNanos());
        assertThat(runs.get(0) - start).isGreaterThanOrEqualTo(Duration.ofMillis(290).toNanos());
        Thread.sleep(400);
        assertThat(runs).hasSize(1);
    }

    @Test
    void smallChangesAddUpToTheThreshold() {
        HeapCompactor c = compactor(100, Duration.ofMillis(10), Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            c.applied(10);
        }
        waitFor(() -> runs.size() == 1);
    }

    @Test
    void collectionsAreAtLeastTheMinimumIntervalApart() {
        HeapCompactor c = compactor(10, Duration.ofMillis(10), Duration.ofMillis(600));
        c.applied(50);
        waitFor(() -> runs.size() == 1);
        c.applied(50);
        waitFor(() -> runs.size() == 2);
        assertThat(runs.get(1) - runs.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(590).toNanos());
    }

    @Test
    void aThresholdOfZeroTurnsItOff() throws InterruptedException {
        HeapCompactor c = compactor(0, Duration.ofMillis(10), Duration.ofMillis(10));
        c.applied(100_000);
        Thread.sleep(200);
        assertThat(runs).isEmpty();
    }
}
