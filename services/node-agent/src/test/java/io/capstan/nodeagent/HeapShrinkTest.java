package io.capstan.nodeagent;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class HeapShrinkTest {
    private static final long MB = 1L << 20;
    private static final long QUIET = Duration.ofSeconds(15).toNanos();

    @Test
    void dueOnlyAfterTheOldGenerationGrewAndThePodsWereQuiet() {
        assertThat(HeapShrink.due(30 * MB, 24 * MB, QUIET, QUIET)).isTrue();
        assertThat(HeapShrink.due(30 * MB, 24 * MB, QUIET - 1, QUIET)).as("pods changed lately").isFalse();
        assertThat(HeapShrink.due(27 * MB, 24 * MB, QUIET, QUIET)).as("grew less than 4 MB").isFalse();
        assertThat(HeapShrink.due(20 * MB, 24 * MB, QUIET, QUIET)).as("smaller than after the last shrink").isFalse();
        assertThat(HeapShrink.due(-1, 24 * MB, QUIET, QUIET)).as("no old generation pool").isFalse();
    }

    @Test
    void collectsOncePerGrowthOfTheOldGenerationAndOnlyWhenThePodsAreQuiet() {
        AtomicLong now = new AtomicLong();
        AtomicLong committed = new AtomicLong(4 * MB);
        AtomicInteger collections = new AtomicInteger();
        HeapShrink shrink = new HeapShrink(Duration.ofSeconds(15), now::get, committed::get, () -> {
            collections.incrementAndGet();
            committed.set(24 * MB); // what the collection leaves committed
        }, new SimpleMeterRegistry());

        committed.set(36 * MB); // a burst of pods grew the old generation
        now.addAndGet(QUIET - 1);
        assertThat(shrink.tick()).as("not quiet long enough").isFalse();
        now.addAndGet(1);
        shrink.podsChanged();
        assertThat(shrink.tick()).as("a pod changed just now").isFalse();
        now.addAndGet(QUIET);
        assertThat(shrink.tick()).isTrue();
        assertThat(collections).hasValue(1);

        now.addAndGet(QUIET);
        assertThat(shrink.tick()).as("nothing grew since").isFalse();
        committed.set(27 * MB);
        now.addAndGet(QUIET);
        assertThat(shrink.tick()).as("grew by less than 4 MB since the last shrink").isFalse();
        committed.set(29 * MB);
        assertThat(shrink.tick()).isTrue();
        assertThat(collections).hasValue(2);
    }
}
