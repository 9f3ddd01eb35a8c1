package io.capstan.nodeagent.server;

import io.vertx.core.streams.WriteStream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Back-pressure for one Vert.x write stream shared by several writers: threads that produce
 * output (a command's stdout) wait while its write queue is full, event-loop producers (a
 * forwarded socket) pause and are resumed when it drains. Waits re-check every 100 ms, so a
 * drain that happened between the check and the wait is never missed for long.
 */
final class WriteGate {
    private final WriteStream<?> stream;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final List<Runnable> resumers = new ArrayList<>();
    private volatile boolean closed;

    WriteGate(WriteStream<?> stream) {
        this.stream = stream;
        stream.drainHandler(v -> drained());
    }

    /** Blocks while the stream's queue is full; false once the gate is closed. Never on an event loop. */
    boolean awaitWritable() {
        while (!closed && stream.writeQueueFull()) {
            lock.lock();
            try {
                drained.await(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                lock.unlock();
            }
        }
        return !closed;
    }

    /** True when the stream takes more; otherwise {@code resume} runs once it has drained. */
    boolean writableOrLater(Runnable resume) {
        if (!stream.writeQueueFull()) {
            return true;
        }
        lock.lock();
        try {
            resumers.add(resume);
        } finally {
            lock.unlock();
        }
        return false;
    }

    /** Wakes every waiter for good: the stream is gone. */
    void close() {
        closed = true;
        drained();
    }

    private void drained() {
        List<Runnable> resume;
        lock.lock();
        try {
            drained.signalAll();
            resume = List.copyOf(resumers);
            resumers.clear();
        } finally {
            lock.unlock();
        }
        resume.forEach(Runnable::run);
    }
}
