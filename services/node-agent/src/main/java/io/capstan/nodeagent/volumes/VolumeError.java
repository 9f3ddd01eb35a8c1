package io.capstan.nodeagent.volumes;

/**
 * A volume cannot be set up (its configMap is missing, a hostPath has the wrong type, a claim is
 * not bound): the pod waits in ContainerCreating with a FailedMount event, and it is retried.
 */
public final class VolumeError extends RuntimeException {
    public VolumeError(String message) {
        super(message);
    }
}
