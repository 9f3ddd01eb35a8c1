package io.capstan.scheduler.queue;

import io.capstan.scheduler.framework.PodInfo;

import java.util.Set;

/**
 * A pod waiting in (or popped from) the scheduling queue, with its queueing history: when it was
 * last queued (orders equal priorities and starts the backoff), how many attempts it had, when it
 * was first tried, and which plugins rejected it last (only their events bring it back).
 *
 * <p>Mutable; owned by the queue while queued and by the scheduling thread while in flight.
 */
public final class QueuedPodInfo {
    private PodInfo pod;
    long timestamp;
    long initialAttemptTimestamp;
    int attempts;
    long cycle;
    long seq;
    /** Deleted or requeued elsewhere while still in a priority queue; skipped when reached. */
    boolean dropped;
    private Set<String> unschedulablePlugins = Set.of();

    public QueuedPodInfo(PodInfo pod, long timestamp) {
        this.pod = pod;
        this.timestamp = timestamp;
    }

    public PodInfo pod() {
        return pod;
    }

    void pod(PodInfo newer) {
        this.pod = newer;
    }

    public String key() {
        return pod.key();
    }

    public int attempts() {
        return attempts;
    }

    /** nanoTime of the first scheduling attempt (0 before it). */
    public long initialAttemptTimestamp() {
        return initialAttemptTimestamp;
    }

    /** The scheduling cycle in which the pod was last popped. */
    public long cycle() {
        return cycle;
    }

    public Set<String> unschedulablePlugins() {
        return unschedulablePlugins;
    }

    /** Records which plugins rejected the pod in its last attempt (empty: an error, not a rejection). */
    public void unschedulablePlugins(Set<String> plugins) {
        this.unschedulablePlugins = Set.copyOf(plugins);
    }
}
