package io.capstan.mesh.xds;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class DebouncerTest {
    final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    final List<long[]> rebuilds = new CopyOnWriteArrayList<>();
    final Debouncer debouncer = new Debouncer(Duration.ofMillis(50), Duration.ofMillis(300), executor,
            since -> rebuilds.add(new long[]{since, System.nanoTime()}));

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void aBurstIsMergedIntoOneRebuildAfterTheQuietPeriod() throws Exception {
        long first = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            debouncer.changed();
            Thread.sleep(5);
        }
        Thread.sleep(400);
        assertThat(rebuilds).hasSize(1);
        assertThat(rebuilds.getFirst()[0]).as("measured from the first change").isBetween(first, first + TimeUnit.MILLISECONDS.toNanos(5));
        assertThat(rebuilds.getFirst()[1] - rebuilds.getFirst()[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void aSteadyStreamOfChangesIsRebuiltAtLeastEveryCap() throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
        while (System.nanoTime() < end) {
            debouncer.changed();
            Thread.sleep(10);
        }
        Thread.sleep(400);
        // 1 s of changes 10 ms apart never leaves 50 ms quiet: rebuilds come from the 300 ms cap, then one after the end
        assertThat(rebuilds).hasSizeBetween(3, 5);
        for (long[] r : rebuilds) {
            assertThat(r[1] - r[0]).isLessThan(TimeUnit.MILLISECONDS.toNanos(300 + 150));
        }
    }
}
