package io.capstan.nodeagent.pods;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * client-go's flowcontrol.Backoff as the kubelet uses it for CrashLoopBackOff and image pulls
 * (10 s doubling to 5 min): {@link #next} moves a key to its next step and remembers when;
 * {@link #inBackoffSince} says whether an event (a container's exit) is still inside the
 * current step. A key untouched for twice the maximum (10 minutes, so a container that ran that
 * long) starts over at the initial step.
 *
 * <p>Thread-safe: all methods synchronize on this object.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final Clock clock;
    // @GuardedBy("this")
    private final Map<String, Entry> entries = new HashMap<>();

    private record Entry(Duration backoff, Instant lastUpdate) {
    }

    public Backoff(Duration initial, Duration max, Clock clock) {
        this.initial = initial;
        this.max = max;
        this.clock = clock;
    }

    /** The kubelet's container restart backoff: 10 s doubling to 5 min. */
    public static Backoff crashLoop(Clock clock) {
        return new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), clock);
    }

    /** Moves {@code key} to its next step: the initial one if it is new or expired at {@code eventTime}. */
    public synchronized void next(String key, Instant eventTime) {
        Entry entry = entries.get(key);
        Duration backoff;
        if (entry == null || expired(eventTime, entry.lastUpdate())) {
            backoff = initial;
        } else {
            Duration doubled = entry.backoff().multipliedBy(2);
            backoff = doubled.compareTo(max) > 0 ? max : doubled;
        }
        entries.put(key, new Entry(backoff, clock.instant()));
    }

    /** True while less than the current step has passed since {@code eventTime}. */
    public synchronized boolean inBackoffSince(String key, Instant eventTime) {
        Entry entry = entries.get(key);
        if (entry == null || expired(eventTime, entry.lastUpdate())) {
            return false;
        }
        return Duration.between(eventTime, clock.instant()).compareTo(entry.backoff()) < 0;
    }

    /** The current step of {@code key}, zero if it has none. */
    public synchronized Duration get(String key) {
        Entry entry = entries.get(key);
        return entry == null ? Duration.ZERO : entry.backoff();
    }

    /** When the step that started at {@code eventTime} ends, or null if the key has none. */
    public synchronized Instant until(String key, Instant eventTime) {
        Entry entry = entries.get(key);
        return entry == null ? null : eventTime.plus(entry.backoff());
    }

    public synchronized void reset(String key) {
        entries.remove(key);
    }

    /** Forgets every key of a pod ({@code <uid>/...}). */
    public synchronized void forgetPrefix(String prefix) {
        entries.keySet().removeIf(k -> k.startsWith(prefix));
    }

    private boolean expired(Instant eventTime, Instant lastUpdate) {
        return Duration.between(lastUpdate, eventTime).compareTo(max.multipliedBy(2)) > 0;
    }
}
