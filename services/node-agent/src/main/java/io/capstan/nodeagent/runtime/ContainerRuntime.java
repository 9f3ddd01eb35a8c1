package io.capstan.nodeagent.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the node-agent needs from a container runtime (the CRI's shape, cut to what Capstan uses).
 * Implementations: {@code process} (each container a host process, see the architecture) and
 * {@code docker} (the Docker Engine API, a pause container per pod). Picked per node by configuration.
 *
 * <p>Containers are identified by {@link ContainerId} (pod uid, container name, attempt), so a
 * restarted agent can find what it started before: {@link #listContainers()} reports every
 * container the runtime still knows about, running or exited, from the runtime's own state
 * directory. The runtime never starts two live copies of one (pod uid, container name).
 */
public interface ContainerRuntime extends AutoCloseable {

    /** Short name, as in the node's {@code status.nodeInfo.containerRuntimeVersion} ("process://1"). */
    String name();

    /**
     * The runtime's version for {@code containerRuntimeVersion} ({@code <name>://<version>}), or
     * null for Capstan's own version (a runtime that is part of the node-agent).
     */
    default String version() {
        return null;
    }

    /**
     * The first three octets of the /24 this runtime puts pods on, behind a bridge whose address is
     * .1 (the node-agent allocates pod IPs from .2 and reports the node's podCIDR), or null when
     * pods share the node's loopback network and the node-agent allocates from 127.244.N.0/24.
     */
    default String podSubnetPrefix() {
        return null;
    }

    /**
     * Prepares the pod's sandbox: its directories (volumes live under {@link PodSandbox#podDir()})
     * and what the containers share (hostname, IP). Idempotent: a second call for the same uid
     * returns the existing sandbox.
     */
    PodSandbox runPodSandbox(PodSandboxConfig config) throws RuntimeFailure;

    /** Stops what is left of the pod and deletes its sandbox directory. Idempotent. */
    void removePodSandbox(String podUid) throws RuntimeFailure;

    /**
     * Starts a container. Resolves the image (through the image catalog for the process runtime);
     * an image it cannot resolve throws {@link ImagePullFailure} (reported as ErrImagePull), a
     * command it cannot run throws {@link RuntimeFailure} with a message for the container's
     * {@code waiting.message} (reported as CreateContainerError / RunContainerError).
     * Starting the id of a running container returns it; starting another attempt of a container
     * while one runs fails; an id that has run once is not started again (a restart is the next
     * attempt).
     */
    ContainerInfo startContainer(ContainerConfig config) throws ImagePullFailure, RuntimeFailure;

    /**
     * Stops a container: SIGTERM, wait up to {@code gracePeriod}, then SIGKILL of everything the
     * container started. Returns once it has exited. Idempotent.
     */
    ContainerInfo stopContainer(ContainerId id, Duration gracePeriod) throws RuntimeFailure;

    /** Forgets an exited container (its log stays until the sandbox is removed). */
    void removeContainer(ContainerId id) throws RuntimeFailure;

    /** Current state of one container, empty if the runtime does not know it. */
    Optional<ContainerInfo> containerStatus(ContainerId id);

    /** Every container the runtime knows, across all pods, including ones started before a restart. */
    List<ContainerInfo> listContainers();

    /**
     * Runs a command inside a running container (its root, mounts, env, working dir), as
     * {@code kubectl exec} does. With {@code tty} the process gets a terminal.
     */
    ExecSession exec(ContainerId id, List<String> command, boolean tty) throws RuntimeFailure;

    /**
     * The container's log in the CRI format, one line per output line:
     * {@code <RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>}. One file per attempt, so
     * {@code kubectl logs --previous} reads the one before the current attempt.
     */
    Path logPath(ContainerId id);

    /** Images this runtime can run (for the node's {@code status.images}). */
    List<String> images();

    @Override
    void close();

    /** A runtime error whose message is meant for the user (pod status, events). */
    class RuntimeFailure extends Exception {
        private final String reason;

        public RuntimeFailure(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        public RuntimeFailure(String reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        /** Kubernetes' waiting reason: CreateContainerError, RunContainerError, ... */
        public String reason() {
            return reason;
        }
    }

    /** The image is not known to this runtime (reported as ErrImagePull, then ImagePullBackOff). */
    class ImagePullFailure extends RuntimeFailure {
        public ImagePullFailure(String message) {
            super("ErrImagePull", message);
        }
    }
}
