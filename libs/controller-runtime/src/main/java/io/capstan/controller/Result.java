package io.capstan.controller;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one reconcile. {@link #done()} forgets the key's retry history;
 * {@link #requeue()} retries with the rate limiter's backoff; {@link #requeueAfter(Duration)}
 * reconciles again after a fixed delay (and forgets the retry history, since it is not a failure).
 * A reconciler signals failure by throwing, which also retries with backoff.
 *
 * @param requeueRequested retry with backoff ({@link #requeue()})
 * @param delay            reconcile again after this delay if positive ({@link #requeueAfter})
 */
public record Result(boolean requeueRequested, Duration delay) {
    private static final Result DONE = new Result(false, Duration.ZERO);
    private static final Result REQUEUE = new Result(true, Duration.ZERO);

    public Result {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
    }

    public static Result done() {
        return DONE;
    }

    public static Result requeue() {
        return REQUEUE;
    }

    public static Result requeueAfter(Duration delay) {
        return new Result(false, delay);
    }
}
