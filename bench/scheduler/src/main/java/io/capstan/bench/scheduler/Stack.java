package io.capstan.bench.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * The child processes of the current run, closed when the run ends and by a shutdown hook, so a
 * bench stopped with SIGTERM (or a timeout) leaves no etcd, Kafka or Capstan process behind.
 * Thread-safe.
 */
final class Stack {
    private final List<AutoCloseable> running = new ArrayList<>();

    /** Registers a process that just started and returns it. */
    synchronized <T extends AutoCloseable> T started(T process) {
        running.add(process);
        return process;
    }

    /** Closes every process still registered, newest first. */
    synchronized void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception ignored) {
                // best effort: the others must still be stopped
            }
        }
        running.clear();
    }
}
