package io.capstan.nodeagent.runtime;

import java.time.Instant;

/**
 * The runtime's view of one container. {@code reason} for an exited container is Kubernetes'
 * terminated reason: Completed (exit 0), Error, OOMKilled. {@code limitsEnforced} says whether
 * resource limits are applied (cgroups) or only recorded.
 */
public record ContainerInfo(ContainerId id, String image, State state, long pid, Instant startedAt,
                            Instant finishedAt, Integer exitCode, Integer signal, String reason,
                            String message, boolean limitsEnforced) {

    public enum State { CREATED, RUNNING, EXITED }

    public boolean running() {
        return state == State.RUNNING;
    }
}
