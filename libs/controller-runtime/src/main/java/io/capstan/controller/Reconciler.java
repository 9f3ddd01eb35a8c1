package io.capstan.controller;

/**
 * Drives one object towards its desired state.
 *
 * <p>Contract: reconcile is <em>level-triggered</em> and must be <em>idempotent</em>: it reads the
 * current state (from informer caches), compares it with the desired state and acts on the
 * difference, never on "what changed". It is called for a key after any number of events for
 * that key, possibly for an object that no longer exists (then it cleans up or does nothing).
 *
 * <p>Thread-safety: the {@link Controller} calls it from several worker threads at once, but
 * never for the same {@link Request} concurrently, so implementations must be safe for
 * concurrent calls on different keys.
 */
@FunctionalInterface
public interface Reconciler {

    /**
     * @return {@link Result#done()}, {@link Result#requeue()} or {@link Result#requeueAfter}
     * @throws Exception on failure; the key is retried with per-key exponential backoff
     */
    Result reconcile(Request request) throws Exception;
}
