package io.capstan.nodeagent.kube;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Bounds how many asynchronous requests are in flight at once; the rest wait in a queue, in
 * order, without holding a thread. Thousands of simulated nodes renew their leases through one
 * of these, so a slow api-server sees a steady {@code limit} requests instead of a burst.
 *
 * <p>Heartbeats go ahead: a request submitted with {@link #submitUrgent} waits only for other
 * urgent ones, so a node's lease renewal is not stuck behind thousands of pod status writes (a
 * real node's kubelet renews its lease on its own, whatever its neighbours are doing).
 *
 * <p>Thread-safe: the queues and the in-flight count are guarded by this object.
 */
public final class AsyncLimiter {
    private final int limit;
    // @GuardedBy("this")
    private final Deque<Runnable> waiting = new ArrayDeque<>();
    // @GuardedBy("this"): taken before any of waiting
    private final Deque<Runnable> urgent = new ArrayDeque<>();
    // @GuardedBy("this")
    private int inFlight;

    public AsyncLimiter(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
    }

    /** Runs {@code request} when a slot is free; the result completes with the request's. */
    public <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> request) {
        return submit(request, false);
    }

    /** As {@link #submit}, ahead of every request {@link #submit} queued (a heartbeat). */
    public <T> CompletableFuture<T> submitUrgent(Supplier<CompletableFuture<T>> request) {
        return submit(request, true);
    }

    private <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> request, boolean urgentRequest) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable run = () -> {
            CompletableFuture<T> started;
            try {
                started = request.get();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((value, error) -> {
                release();
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
            });
        };
        boolean now;
        synchronized (this) {
            now = inFlight < limit;
            if (now) {
                inFlight++;
            } else {
                (urgentRequest ? urgent : waiting).addLast(run);
            }
        }
        if (now) {
            run.run();
        }
        return result;
    }

    private void release() {
        Runnable next;
        synchronized (this) {
            next = urgent.isEmpty() ? waiting.pollFirst() : urgent.pollFirst();
            if (next == null) {
                inFlight--;
            }
        }
        if (next != null) {
            next.run();
        }
    }

    public synchronized int queued() {
        return waiting.size() + urgent.size();
    }

    public synchronized int inFlight() {
        return inFlight;
    }
}
