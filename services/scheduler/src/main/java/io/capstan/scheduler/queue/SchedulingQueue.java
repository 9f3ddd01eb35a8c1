package io.capstan.scheduler.queue;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.PodInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;

/**
 * kube-scheduler's PriorityQueue: three places a pending pod can wait.
 * <ul>
 *   <li><b>activeQ</b>: ready to be tried, highest {@code spec.priority} first, then the one
 *       queued earliest;</li>
 *   <li><b>backoffQ</b>: failed recently; waits {@code initialBackoff x 2^(attempts-1)} (1 s
 *       doubling to 10 s by default) after its last attempt, then moves to activeQ;</li>
 *   <li><b>unschedulable</b>: rejected by some plugins; stays until a cluster event one of
 *       those plugins registered for happens (node added, pod deleted ...), then goes to
 *       backoffQ or activeQ, or until it has waited {@code maxUnschedulableDuration} (5 min).</li>
 * </ul>
 * A pod rejected in a cycle that overlapped a move request goes to backoffQ instead of
 * unschedulable, so an event that arrived mid-cycle is not lost; so does a pod that failed with an
 * error rather than a rejection.
 *
 * <p>Thread-safe: informer threads add, update, delete and move; the scheduling thread pops and
 * requeues. Every field is guarded by {@link #lock}; {@link #pop} waits on {@link #changed}.
 */
public final class SchedulingQueue {
    /** How often pods left in unschedulable are checked against the maximum stay (Kubernetes: 30 s). */
    static final long UNSCHEDULABLE_FLUSH_INTERVAL = TimeUnit.SECONDS.toNanos(30);

    /** The queue each pod is in (the scheduler_pending_pods{queue} label). */
    public enum Where { ACTIVE, BACKOFF, UNSCHEDULABLE }

    /** Decides whether an event may make a pod schedulable, given the plugins that rejected it. */
    public interface EventFilter extends BiPredicate<QueuedPodInfo, ClusterEvent> {
    }

    /** Receives counts of pods entering queues (scheduler_queue_incoming_pods_total). */
    public interface Listener {
        Listener NONE = (where, event) -> {
        };

        void incoming(Where where, String event);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long initialBackoff;
    private final long maxBackoff;
    private final long maxUnschedulable;
    private final LongSupplier nanoTime;
    private final EventFilter eventFilter;
    private final Listener listener;
    private final Nominator nominator = new Nominator();

    // @GuardedBy("lock")
    private final PriorityQueue<QueuedPodInfo> activeQ = new PriorityQueue<>(
            Comparator.comparingInt((QueuedPodInfo p) -> p.pod().priority()).reversed()
                    .thenComparingLong(p -> p.timestamp).thenComparingLong(p -> p.seq));
    // @GuardedBy("lock")
    private final PriorityQueue<QueuedPodInfo> backoffQ = new PriorityQueue<>(
            Comparator.comparingLong(this::backoffExpiry).thenComparingLong(p -> p.seq));
    // @GuardedBy("lock")
    private final Map<String, QueuedPodInfo> unschedulable = new HashMap<>();
    // @GuardedBy("lock") every queued pod by key, with where it is
    private final Map<String, Where> where = new HashMap<>();
    // @GuardedBy("lock")
    private final Map<String, QueuedPodInfo> queued = new HashMap<>();
    // @GuardedBy("lock")
    private long schedulingCycle;
    // @GuardedBy("lock")
    private long moveRequestCycle = -1;
    // @GuardedBy("lock")
    private long nextUnschedulableFlush;
    // @GuardedBy("lock")
    private long seq;
    // @GuardedBy("lock") entries marked dropped but still in activeQ or backoffQ
    private int droppedEntries;
    // @GuardedBy("lock")
    private boolean closed;

    public SchedulingQueue(Duration initialBackoff, Duration maxBackoff, Duration maxUnschedulable, EventFilter eventFilter,
                           Listener listener, LongSupplier nanoTime) {
        this.initialBackoff = initialBackoff.toNanos();
        this.maxBackoff = maxBackoff.toNanos();
        this.maxUnschedulable = maxUnschedulable.toNanos();
        this.eventFilter = Objects.requireNonNull(eventFilter);
        this.listener = listener;
        this.nanoTime = nanoTime;
        this.nextUnschedulableFlush = nanoTime.getAsLong() + UNSCHEDULABLE_FLUSH_INTERVAL;
    }

    public Nominator nominator() {
        return nominator;
    }

    /** A new pending pod goes to activeQ (unless it is queued already). */
    public void add(PodInfo pod) {
        lock.lock();
        try {
            if (queued.containsKey(pod.key())) {
                update(pod);
                return;
            }
            QueuedPodInfo q = new QueuedPodInfo(pod, nanoTime.getAsLong());
            toActive(q, "PodAdd");
            nominator.nominate(pod, pod.nominatedNodeName());
        } finally {
            lock.unlock();
        }
    }

    /**
     * A newer version of a pending pod: replaced where it waits; an unschedulable pod whose spec
     * or labels changed is tried again (after its backoff); a pod not queued (it is being
     * scheduled right now, or new) goes to activeQ, and the scheduler skips it if the other copy
     * got bound meanwhile.
     */
    public void update(PodInfo pod) {
        lock.lock();
        try {
            QueuedPodInfo q = queued.get(pod.key());
            if (q == null) {
                toActive(new QueuedPodInfo(pod, nanoTime.getAsLong()), "UnscheduledPodUpdate");
            } else {
                PodInfo old = q.pod();
                Where w = where.get(pod.key());
                switch (w) {
                    case ACTIVE -> {
                        if (old.priority() == pod.priority()) {
                            // the order (priority, queue time) is unchanged: replace in place
                            q.pod(pod);
                        } else {
                            drop(q);
                            toActive(requeued(q, pod), "UnscheduledPodUpdate");
                        }
                    }
                    case BACKOFF -> q.pod(pod);
                    case UNSCHEDULABLE -> {
                        q.pod(pod);
                        if (meaningfullyUpdated(old, pod)) {
                            unschedulable.remove(pod.key());
                            if (backingOff(q, nanoTime.getAsLong())) {
                                toBackoff(q, "UnscheduledPodUpdate");
                            } else {
                                toActive(q, "UnscheduledPodUpdate");
                            }
                        }
                    }
                }
            }
            nominator.nominate(pod, pod.nominatedNodeName());
        } finally {
            lock.unlock();
        }
    }

    /** isPodUpdated: changes beyond resourceVersion, managed fields and status can change the outcome. */
    private static boolean meaningfullyUpdated(PodInfo old, PodInfo pod) {
        return !Objects.equals(old.pod().getSpec(), pod.pod().getSpec())
                || !Objects.equals(old.labels(), pod.labels())
                || !Objects.equals(old.pod().getMetadata().getAnnotations(), pod.pod().getMetadata().getAnnotations());
    }

    /** The pod was deleted or bound elsewhere. */
    public void delete(String key) {
        lock.lock();
        try {
            QueuedPodInfo q = queued.remove(key);
            Where w = where.remove(key);
            if (q != null && w != null) {
                if (w == Where.UNSCHEDULABLE) {
                    unschedulable.remove(key);
                } else {
                    drop(q);
                }
            }
            nominator.remove(key);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next pod to schedule, waiting up to {@code maxWait}; null on timeout or after
     * {@link #close()}. Moves pods whose backoff ended to activeQ first, and every 30 s the pods
     * that waited in unschedulable longer than the maximum.
     */
    public QueuedPodInfo pop(Duration maxWait) throws InterruptedException {
        long deadline = nanoTime.getAsLong() + maxWait.toNanos();
        lock.lock();
        try {
            while (!closed) {
                long now = nanoTime.getAsLong();
                flushBackoffCompleted(now);
                if (now - nextUnschedulableFlush >= 0) {
                    flushUnschedulableLeftover(now);
                    nextUnschedulableFlush = now + UNSCHEDULABLE_FLUSH_INTERVAL;
                }
                QueuedPodInfo q = pollActive();
                if (q != null) {
                    queued.remove(q.key());
                    where.remove(q.key());
                    schedulingCycle++;
                    q.cycle = schedulingCycle;
                    q.attempts++;
                    if (q.attempts == 1) {
                        q.initialAttemptTimestamp = now;
                    }
                    return q;
                }
                long wait = Math.min(deadline - now, nextUnschedulableFlush - now);
                QueuedPodInfo next = backoffQ.peek();
                if (next != null && !next.dropped) {
                    wait = Math.min(wait, backoffExpiry(next) - now);
                }
                if (deadline - now <= 0) {
                    return null;
                }
                changed.awaitNanos(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Requeues a pod whose attempt failed (AddUnschedulableIfNotPresent): to backoffQ when a move
     * request came during its cycle or when no plugin rejected it (an error), else to unschedulable.
     * Ignored when a newer copy of the pod is queued already.
     */
    public void addUnschedulable(QueuedPodInfo q) {
        lock.lock();
        try {
            if (queued.containsKey(q.key())) {
                return;
            }
            q.timestamp = nanoTime.getAsLong();
            if (moveRequestCycle >= q.cycle || q.unschedulablePlugins().isEmpty()) {
                toBackoff(q, "ScheduleAttemptFailure");
            } else {
                q.seq = ++seq;
                unschedulable.put(q.key(), q);
                queued.put(q.key(), q);
                where.put(q.key(), Where.UNSCHEDULABLE);
                listener.incoming(Where.UNSCHEDULABLE, "ScheduleAttemptFailure");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * A cluster event: every unschedulable pod it may help goes to backoffQ (still backing off) or
     * activeQ (MoveAllToActiveOrBackoffQueue); pods being scheduled right now will go to backoffQ
     * if they fail.
     */
    public void moveAllToActiveOrBackoff(ClusterEvent event) {
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            List<QueuedPodInfo> move = new ArrayList<>();
            for (QueuedPodInfo q : unschedulable.values()) {
                if (event == ClusterEvent.UNSCHEDULABLE_TIMEOUT || eventFilter.test(q, event)) {
                    move.add(q);
                }
            }
            for (QueuedPodInfo q : move) {
                unschedulable.remove(q.key());
                if (backingOff(q, now)) {
                    toBackoff(q, event.label());
                } else {
                    toActive(q, event.label());
                }
            }
            moveRequestCycle = schedulingCycle;
        } finally {
            lock.unlock();
        }
    }

    private void flushBackoffCompleted(long now) {
        QueuedPodInfo q;
        while ((q = backoffQ.peek()) != null && backoffExpiry(q) - now <= 0) {
            backoffQ.poll();
            if (!q.dropped) {
                toActive(q, "BackoffComplete");
            }
        }
    }

    /** The next live entry of activeQ; entries of deleted pods are skipped here rather than searched for. */
    private QueuedPodInfo pollActive() {
        QueuedPodInfo q;
        while ((q = activeQ.poll()) != null) {
            if (!q.dropped) {
                return q;
            }
        }
        return null;
    }

    /**
     * Takes a queued entry out of activeQ or backoffQ lazily: a PriorityQueue finds an arbitrary
     * element only by a linear scan, which with 10,000 pending pods made every deletion cost
     * milliseconds; the entry is marked and skipped when it reaches the head.
     */
    private void drop(QueuedPodInfo q) {
        q.dropped = true;
        droppedEntries++;
        if (droppedEntries > 1024 && droppedEntries > (activeQ.size() + backoffQ.size()) / 2) {
            activeQ.removeIf(e -> e.dropped);
            backoffQ.removeIf(e -> e.dropped);
            droppedEntries = 0;
        }
    }

    /** A fresh entry for a pod whose queue position must change, keeping its history. */
    private static QueuedPodInfo requeued(QueuedPodInfo q, PodInfo pod) {
        QueuedPodInfo n = new QueuedPodInfo(pod, q.timestamp);
        n.attempts = q.attempts;
        n.initialAttemptTimestamp = q.initialAttemptTimestamp;
        n.unschedulablePlugins(q.unschedulablePlugins());
        return n;
    }

    private void flushUnschedulableLeftover(long now) {
        List<QueuedPodInfo> move = new ArrayList<>();
        for (Iterator<QueuedPodInfo> it = unschedulable.values().iterator(); it.hasNext(); ) {
            QueuedPodInfo q = it.next();
            if (now - q.timestamp > maxUnschedulable) {
                it.remove();
                move.add(q);
            }
        }
        for (QueuedPodInfo q : move) {
            if (backingOff(q, now)) {
                toBackoff(q, ClusterEvent.UNSCHEDULABLE_TIMEOUT.label());
            } else {
                toActive(q, ClusterEvent.UNSCHEDULABLE_TIMEOUT.label());
            }
        }
    }

    private void toActive(QueuedPodInfo q, String event) {
        q.seq = ++seq;
        activeQ.add(q);
        queued.put(q.key(), q);
        where.put(q.key(), Where.ACTIVE);
        listener.incoming(Where.ACTIVE, event);
        changed.signalAll();
    }

    private void toBackoff(QueuedPodInfo q, String event) {
        q.seq = ++seq;
        backoffQ.add(q);
        queued.put(q.key(), q);
        where.put(q.key(), Where.BACKOFF);
        listener.incoming(Where.BACKOFF, event);
        changed.signalAll();
    }

    /** calculateBackoffDuration: initial x 2^(attempts-1), at most the maximum. */
    long backoffDuration(QueuedPodInfo q) {
        long d = initialBackoff;
        for (int i = 1; i < q.attempts; i++) {
            if (d > maxBackoff - d) {
                return maxBackoff;
            }
            d += d;
        }
        return Math.min(d, maxBackoff);
    }

    private long backoffExpiry(QueuedPodInfo q) {
        return q.timestamp + backoffDuration(q);
    }

    private boolean backingOff(QueuedPodInfo q, long now) {
        return q.attempts > 0 && backoffExpiry(q) - now > 0;
    }

    /** Pods per queue, for scheduler_pending_pods. */
    public Map<Where, Integer> pending() {
        lock.lock();
        try {
            int active = 0;
            int backoff = 0;
            for (Where w : where.values()) {
                if (w == Where.ACTIVE) {
                    active++;
                } else if (w == Where.BACKOFF) {
                    backoff++;
                }
            }
            return Map.of(Where.ACTIVE, active, Where.BACKOFF, backoff, Where.UNSCHEDULABLE, unschedulable.size());
        } finally {
            lock.unlock();
        }
    }

    /** Where the pod waits, or null when it is not queued. */
    public Where whereIs(String key) {
        lock.lock();
        try {
            return where.get(key);
        } finally {
            lock.unlock();
        }
    }

    /** Pods of every queue (tests, debugging). */
    public Set<String> queuedKeys() {
        lock.lock();
        try {
            return Set.copyOf(queued.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** Wakes {@link #pop} and makes it return null from now on. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
