package io.capstan.nodeagent.pods;

import io.capstan.nodeagent.runtime.ContainerInfo;

/**
 * One container of a pod as the sync decision and the status see it.
 *
 * @param latest    the newest run the runtime knows, or null if none was started
 * @param previous  the run before it, or null
 * @param waiting   why it is not running although it should (a failed or deferred start), or null
 * @param ready     its readiness probe passed (or it has none) and it runs
 * @param started   its startup probe passed (or it has none) and it runs
 * @param unhealthy why it must be killed (a failed liveness or startup probe), or null
 */
public record ContainerView(String name, ContainerInfo latest, ContainerInfo previous, Waiting waiting, boolean ready,
                            boolean started, String unhealthy) {

    public static ContainerView none(String name) {
        return new ContainerView(name, null, null, null, false, false, null);
    }

    public boolean running() {
        return latest != null && latest.state() == ContainerInfo.State.RUNNING;
    }

    public boolean exited() {
        return latest != null && latest.state() == ContainerInfo.State.EXITED;
    }

    /** The exit code of the latest run, or null if it has not exited. */
    public Integer exitCode() {
        return exited() ? exitCodeOf(latest) : null;
    }

    /** An exit code even when the runtime only knows the signal (128 + signal, as shells report it). */
    public static int exitCodeOf(ContainerInfo info) {
        if (info.exitCode() != null) {
            return info.exitCode();
        }
        return info.signal() != null ? 128 + info.signal() : 0;
    }
}
