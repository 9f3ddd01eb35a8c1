package io.capstan.nodeagent.env;

/**
 * A container cannot be configured from its spec and the objects it names (a missing configMap
 * or key, an unsupported field path): the kubelet's CreateContainerConfigError, retried until
 * the object appears. The message is the one the container's waiting state shows.
 */
public final class ConfigError extends RuntimeException {
    public ConfigError(String message) {
        super(message);
    }
}
