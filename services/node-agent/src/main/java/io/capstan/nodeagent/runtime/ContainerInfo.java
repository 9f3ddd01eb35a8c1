package io.capstan.nodeagent.runtime;

import java.time.Instant;

/**
 * The runtime's view of one container. {@code reason} for an exited container is Kubernetes'
 * terminated reason: Completed (exit 0), Error, OOMKilled, or ContainerStatusUnknown (exit code
 * 137) when the container is gone without its exit having been recorded (the node restarted).
 * A signal ends a container with exit code 128 + {@code signal}. {@code limitsEnforced} says
 * whether resource limits are applied (cgroups) or only recorded; {@code message} says what the
 * runtime could not do for this container (not isolated, limits not enforced), else null.
 * CREATED is a container whose start has not (yet) reached its command.
 */
public record ContainerInfo(ContainerId id, String image, State state, long pid, Instant startedAt,
                            Instant finishedAt, Integer exitCode, Integer signal, String reason,
                            String message, boolean limitsEnforced) {

    public enum State { CREATED, RUNNING, EXITED }

    public boolean running() {
        return state == State.RUNNING;
    }
}
