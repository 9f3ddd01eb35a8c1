package io.capstan.controller;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ControllerRateLimiterTest {
    private final AtomicLong now = new AtomicLong();

    @Test
    void backoffDoublesPerItemFrom5msAndCapsAt1000s() {
        ControllerRateLimiter<String> limiter = new ControllerRateLimiter<>(
                Duration.ofMillis(5), Duration.ofSeconds(1000), 1e9, 1_000_000, now::get);

        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(limiter.when("b")).as("other items have their own backoff").isEqualTo(Duration.ofMillis(5));
        for (int i = 0; i < 40; i++) {
            limiter.when("a");
        }
        assertThat(limiter.when("a")).isEqualTo(Duration.ofSeconds(1000));
        assertThat(limiter.numRequeues("a")).isEqualTo(44);

        limiter.forget("a");
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void theTokenBucketSlowsRetriesOfManyItemsOnceTheBurstIsSpent() {
        ControllerRateLimiter<String> limiter = new ControllerRateLimiter<>(
                Duration.ofMillis(5), Duration.ofSeconds(1000), 10, 100, now::get);

        for (int i = 0; i < 100; i++) {
            assertThat(limiter.when("item-" + i)).isEqualTo(Duration.ofMillis(5));
        }
        assertThat(limiter.when("item-100")).isEqualTo(Duration.ofMillis(100));
        assertThat(limiter.when("item-101")).isEqualTo(Duration.ofMillis(200));

        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(limiter.when("item-102")).as("the bucket refilled").isEqualTo(Duration.ofMillis(5));
    }
}
