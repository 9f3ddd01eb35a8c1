package io.capstan.controller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * client-go's rate-limited work queue.
 * <ul>
 *   <li><b>Dedupe:</b> an item added while it is already waiting is processed once.</li>
 *   <li><b>One worker per item:</b> between {@link #get()} and {@link #done} an item is
 *       <em>processing</em>; adding it again marks it dirty and it is queued again only when
 *       {@code done} is called, so two workers never hold the same item.</li>
 *   <li><b>Delayed adds:</b> {@link #addAfter} holds the item on a timer; of several pending
 *       delayed adds of one item the earliest wins.</li>
 *   <li><b>Retries:</b> {@link #addRateLimited} delays by the {@link RateLimiter}
 *       ({@link ControllerRateLimiter} by default); {@link #forget} resets the item's backoff.</li>
 *   <li><b>Metrics</b> with client-go's names, tagged {@code name}: {@code workqueue_depth},
 *       {@code workqueue_adds_total}, {@code workqueue_queue_duration_seconds},
 *       {@code workqueue_work_duration_seconds}, {@code workqueue_retries_total}.</li>
 * </ul>
 *
 * <p>Thread-safe: every method may be called from any thread. Queue state is guarded by
 * {@link #lock}; the one timer thread only calls {@link #add}.
 *
 * @param <K> the item type; needs {@code equals}/{@code hashCode}
 */
public final class WorkQueue<K> implements AutoCloseable {
    private final String name;
    private final RateLimiter<K> rateLimiter;
    private final LongSupplier nanoClock;
    private final ScheduledThreadPoolExecutor timer;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    // @GuardedBy("lock") items ready to hand out, in FIFO order, each also in dirty
    private final ArrayDeque<K> queue = new ArrayDeque<>();
    // @GuardedBy("lock") items that need processing (waiting in queue or re-added while processing)
    private final Set<K> dirty = new HashSet<>();
    // @GuardedBy("lock") items handed out by get() and not yet done()
    private final Map<K, Long> processing = new HashMap<>();
    // @GuardedBy("lock") first time each dirty item was added, for the queue latency histogram
    private final Map<K, Long> addedAt = new HashMap<>();
    // @GuardedBy("lock") pending delayed adds and when each fires
    private final Map<K, Delayed> delayed = new HashMap<>();
    // @GuardedBy("lock")
    private boolean shuttingDown;

    private final Counter adds;
    private final Counter retries;
    private final Timer queueDuration;
    private final Timer workDuration;

    private record Delayed(long dueNanos, ScheduledFuture<?> future) {
    }

    public WorkQueue(String name, MeterRegistry registry) {
        this(name, registry, new ControllerRateLimiter<>(), System::nanoTime);
    }

    public WorkQueue(String name, MeterRegistry registry, RateLimiter<K> rateLimiter, LongSupplier nanoClock) {
        this.name = name;
        this.rateLimiter = rateLimiter;
        this.nanoClock = nanoClock;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "workqueue-" + name + "-delay");
            t.setDaemon(true);
            return t;
        });
        // cancelled delayed adds would otherwise stay in the timer until they were due
        timer.setRemoveOnCancelPolicy(true);
        Gauge.builder("workqueue_depth", this, WorkQueue::len).tag("name", name)
                .description("Current depth of workqueue").register(registry);
        adds = Counter.builder("workqueue_adds_total").tag("name", name)
                .description("Total number of adds handled by workqueue").register(registry);
        retries = Counter.builder("workqueue_retries_total").tag("name", name)
                .description("Total number of retries handled by workqueue").register(registry);
        queueDuration = Timer.builder("workqueue_queue_duration_seconds").tag("name", name)
                .description("How long an item stays in workqueue before being requested")
                .publishPercentileHistogram().register(registry);
        workDuration = Timer.builder("workqueue_work_duration_seconds").tag("name", name)
                .description("How long processing an item from workqueue takes")
                .publishPercentileHistogram().register(registry);
    }

    public String name() {
        return name;
    }

    /** Marks {@code item} as needing processing. Ignored after {@link #shutdown()}. */
    public void add(K item) {
        lock.lock();
        try {
            if (shuttingDown) {
                return;
            }
            if (!dirty.add(item)) {
                return;
            }
            adds.increment();
            addedAt.put(item, nanoClock.getAsLong());
            if (processing.containsKey(item)) {
                // done() re-queues it, so no second worker picks it up meanwhile
                return;
            }
            queue.addLast(item);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Adds {@code item} after {@code delay}; a zero or negative delay adds it now. */
    public void addAfter(K item, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(item);
            return;
        }
        lock.lock();
        try {
            if (shuttingDown) {
                return;
            }
            long due = nanoClock.getAsLong() + delay.toNanos();
            Delayed pending = delayed.get(item);
            if (pending != null) {
                if (pending.dueNanos() <= due) {
                    return;
                }
                pending.future().cancel(false);
            }
            ScheduledFuture<?> future = timer.schedule(() -> fire(item, due), delay.toNanos(), TimeUnit.NANOSECONDS);
            delayed.put(item, new Delayed(due, future));
        } finally {
            lock.unlock();
        }
    }

    private void fire(K item, long due) {
        lock.lock();
        try {
            Delayed pending = delayed.get(item);
            if (pending != null && pending.dueNanos() == due) {
                delayed.remove(item);
            }
        } finally {
            lock.unlock();
        }
        add(item);
    }

    /** Adds {@code item} after the rate limiter's delay for it and counts a retry. */
    public void addRateLimited(K item) {
        retries.increment();
        addAfter(item, rateLimiter.when(item));
    }

    /** Resets the backoff of {@code item}; call it when the item was processed successfully. */
    public void forget(K item) {
        rateLimiter.forget(item);
    }

    public int numRequeues(K item) {
        return rateLimiter.numRequeues(item);
    }

    /**
     * Blocks until an item is available and hands it to the caller, who must call
     * {@link #done} with it. Returns empty once the queue is shut down.
     */
    public Optional<K> get() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !shuttingDown) {
                notEmpty.await();
            }
            if (shuttingDown) {
                return Optional.empty();
            }
            K item = queue.pollFirst();
            dirty.remove(item);
            long now = nanoClock.getAsLong();
            Long added = addedAt.remove(item);
            if (added != null) {
                queueDuration.record(now - added, TimeUnit.NANOSECONDS);
            }
            processing.put(item, now);
            return Optional.of(item);
        } finally {
            lock.unlock();
        }
    }

    /** Ends processing of {@code item}; if it was added meanwhile it is queued again. */
    public void done(K item) {
        lock.lock();
        try {
            Long started = processing.remove(item);
            if (started != null) {
                workDuration.record(nanoClock.getAsLong() - started, TimeUnit.NANOSECONDS);
            }
            if (dirty.contains(item) && !shuttingDown) {
                queue.addLast(item);
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Items waiting to be handed out (not counting delayed or processing ones). */
    public int len() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every blocked {@link #get()}, which then returns empty; later adds are ignored. */
    public void shutdown() {
        lock.lock();
        try {
            shuttingDown = true;
            delayed.values().forEach(d -> d.future().cancel(false));
            delayed.clear();
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        timer.shutdownNow();
    }

    public boolean isShuttingDown() {
        lock.lock();
        try {
            return shuttingDown;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
