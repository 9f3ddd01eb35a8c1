package io.capstan.controller;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * client-go's {@code DefaultControllerRateLimiter}: the longer of
 * <ul>
 *   <li>a per-item exponential backoff, {@code base * 2^failures} capped at {@code max}
 *       (5 ms doubling up to 1000 s by default), so one broken object backs off on its own, and</li>
 *   <li>an overall token bucket (10 retries/s, burst 100 by default), so many failing objects
 *       together cannot hammer the api-server.</li>
 * </ul>
 * The bucket works like Go's {@code rate.Limiter.Reserve}: every call takes a token, possibly
 * going into debt, and waits until its token would have been refilled.
 *
 * <p>Thread-safe: all state is guarded by {@code this}.
 */
public final class ControllerRateLimiter<K> implements RateLimiter<K> {
    public static final Duration DEFAULT_BASE_DELAY = Duration.ofMillis(5);
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(1000);
    public static final double DEFAULT_QPS = 10;
    public static final int DEFAULT_BURST = 100;

    private final long baseNanos;
    private final long maxNanos;
    private final double qps;
    private final int burst;
    private final LongSupplier nanoClock;

    // @GuardedBy("this")
    private final Map<K, Integer> failures = new HashMap<>();
    // @GuardedBy("this") tokens available now; negative when reservations are in debt
    private double tokens;
    // @GuardedBy("this")
    private long lastRefillNanos;

    public ControllerRateLimiter() {
        this(DEFAULT_BASE_DELAY, DEFAULT_MAX_DELAY, DEFAULT_QPS, DEFAULT_BURST, System::nanoTime);
    }

    /**
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
     */
    public ControllerRateLimiter(Duration baseDelay, Duration maxDelay, double qps, int burst, LongSupplier nanoClock) {
        if (baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0 || qps <= 0 || burst < 1) {
            throw new IllegalArgumentException("invalid rate limiter settings");
        }
        this.baseNanos = baseDelay.toNanos();
        this.maxNanos = maxDelay.toNanos();
        this.qps = qps;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.lastRefillNanos = nanoClock.getAsLong();
    }

    @Override
    public synchronized Duration when(K item) {
        int n = failures.merge(item, 1, Integer::sum) - 1;
        long backoff = exponential(n);
        long bucket = reserveToken();
        return Duration.ofNanos(Math.max(backoff, bucket));
    }

    private long exponential(int previousFailures) {
        // 2^n overflows long nanos long before n = 63; past the cap the answer is always max
        if (previousFailures >= 62 || baseNanos == 0) {
            return baseNanos == 0 ? 0 : maxNanos;
        }
        double delay = baseNanos * Math.pow(2, previousFailures);
        return delay >= maxNanos ? maxNanos : (long) delay;
    }

    private long reserveToken() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(burst, tokens + (now - lastRefillNanos) / 1e9 * qps);
        lastRefillNanos = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens / qps * 1e9);
    }

    @Override
    public synchronized void forget(K item) {
        failures.remove(item);
    }

    @Override
    public synchronized int numRequeues(K item) {
        return failures.getOrDefault(item, 0);
    }
}
