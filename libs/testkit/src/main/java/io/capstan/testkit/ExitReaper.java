package io.capstan.testkit;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes a test or bench JVM started (etcd, Kafka, the roles), SIGKILLed when that JVM exits
 * without closing them: a bench stopped with Ctrl-C, a test JVM ended with SIGTERM. One shutdown
 * hook for all of them; {@code close()} releases a process again.
 */
final class ExitReaper {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "testkit-exit-reaper"));
    }

    private ExitReaper() {
    }

    /** {@code process}, killed at the JVM's exit unless {@link #release released} first. */
    static Process adopt(Process process) {
        LIVE.add(process);
        return process;
    }

    static void release(Process process) {
        LIVE.remove(process);
    }
}
