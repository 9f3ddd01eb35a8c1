package io.capstan.controller;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * Kubernetes' {@code ControllerExpectations}: a controller records how many creations and
 * deletions it has just requested for a key (e.g. a ReplicaSet) and does not act on that key
 * again until its informer has observed them, so a cache that lags behind its own writes
 * cannot make it create or delete twice. Expectations expire after {@link #DEFAULT_TTL}
 * (5 minutes) in case an observation never arrives (e.g. a create failed in a way it could
 * not tell, or the event was missed until the next resync).
 *
 * <p>Thread-safe: counters are updated atomically per key; informer handlers call the
 * {@code *Observed} methods while workers call {@code expect*} and {@link #satisfied}.
 */
public final class Expectations {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    private final ConcurrentMap<String, Expectation> byKey = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final LongSupplier nanoClock;

    /** Pending adds and deletes for one key, and when they were set. Immutable. */
    private record Expectation(long adds, long deletes, long setAtNanos) {
        boolean fulfilled() {
            return adds <= 0 && deletes <= 0;
        }
    }

    public Expectations() {
        this(DEFAULT_TTL, System::nanoTime);
    }

    public Expectations(Duration ttl, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = nanoClock;
    }

    /** Replaces the key's expectations with {@code n} creations and no deletions. */
    public void expectCreations(String key, int n) {
        byKey.put(key, new Expectation(n, 0, nanoClock.getAsLong()));
    }

    /** Replaces the key's expectations with {@code n} deletions and no creations. */
    public void expectDeletions(String key, int n) {
        byKey.put(key, new Expectation(0, n, nanoClock.getAsLong()));
    }

    /** Adds to the key's outstanding expectations, e.g. after retrying part of a batch. */
    public void raise(String key, int adds, int deletes) {
        long now = nanoClock.getAsLong();
        byKey.merge(key, new Expectation(adds, deletes, now),
                (old, add) -> new Expectation(old.adds() + adds, old.deletes() + deletes, now));
    }

    /** An object the key expected to be created was seen in the cache (or its create failed). */
    public void creationObserved(String key) {
        lower(key, 1, 0);
    }

    /** An object the key expected to be deleted was seen deleted (or its delete failed). */
    public void deletionObserved(String key) {
        lower(key, 0, 1);
    }

    private void lower(String key, int adds, int deletes) {
        // lowering keeps the timestamp: the TTL counts from when the controller acted
        byKey.computeIfPresent(key, (k, old) -> new Expectation(old.adds() - adds, old.deletes() - deletes, old.setAtNanos()));
    }

    /**
     * True if the controller may act on {@code key}: nothing is expected, everything expected
     * was observed, or the expectations are older than the TTL.
     */
    public boolean satisfied(String key) {
        Expectation e = byKey.get(key);
        if (e == null) {
            return true;
        }
        return e.fulfilled() || nanoClock.getAsLong() - e.setAtNanos() > ttlNanos;
    }

    /** Pending creations for {@code key} (0 if none). */
    public long pendingCreations(String key) {
        Expectation e = byKey.get(key);
        return e == null ? 0 : Math.max(0, e.adds());
    }

    /** Pending deletions for {@code key} (0 if none). */
    public long pendingDeletions(String key) {
        Expectation e = byKey.get(key);
        return e == null ? 0 : Math.max(0, e.deletes());
    }

    /** Forgets the key, e.g. when its owner was deleted. */
    public void delete(String key) {
        byKey.remove(key);
    }
}
