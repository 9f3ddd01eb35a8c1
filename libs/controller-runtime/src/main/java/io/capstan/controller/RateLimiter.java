package io.capstan.controller;

import java.time.Duration;

/**
 * Decides how long a failed item waits before it is retried. Implementations must be
 * thread-safe: workers call {@link #when} and {@link #forget} concurrently.
 *
 * @param <K> the item type
 */
public interface RateLimiter<K> {

    /** Records one more failure of {@code item} and returns how long to wait before retrying it. */
    Duration when(K item);

    /** Clears the failure history of {@code item}, after it succeeded or was given up on. */
    void forget(K item);

    /** How many failures of {@code item} have been recorded since it was last forgotten. */
    int numRequeues(K item);
}
