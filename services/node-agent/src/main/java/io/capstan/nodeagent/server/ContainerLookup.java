package io.capstan.nodeagent.server;

import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerRuntime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Finds the pod and the attempt of a container a request means, with the kubelet's words when
 * there is none: the current attempt is the newest one the runtime knows (running, or the last
 * one that exited), the previous one the attempt before it.
 */
final class ContainerLookup {
    private final Supplier<ContainerRuntime> runtime;
    private final PodDirectory pods;

    /** {@code runtime} is asked for only once a request names a pod this node runs. */
    ContainerLookup(Supplier<ContainerRuntime> runtime, PodDirectory pods) {
        this.runtime = runtime;
        this.pods = pods;
    }

    ContainerRuntime runtime() {
        return runtime.get();
    }

    PodDirectory.PodView pod(String namespace, String name) throws KubeletError {
        return pods.pod(namespace, name)
                .orElseThrow(() -> KubeletError.notFound("pod \"" + name + "\" does not exist"));
    }

    /** The attempt whose log {@code kubectl logs} shows, or the one before it with {@code previous}. */
    ContainerId logged(PodDirectory.PodView pod, String container, boolean previous) throws KubeletError {
        requireDeclared(pod, container);
        ContainerId current = newest(pod, container).orElseThrow(() -> KubeletError.badRequest(
                "container \"" + container + "\" in pod \"" + pod.name() + "\" is waiting to start: ContainerCreating"));
        if (!previous) {
            return current;
        }
        int before = current.attempt() - 1;
        if (before < 0) {
            throw previousNotFound(pod, container);
        }
        ContainerId id = new ContainerId(pod.uid(), container, before);
        if (!Files.exists(runtime().logPath(id))) {
            throw previousNotFound(pod, container);
        }
        return id;
    }

    /** The running attempt {@code kubectl exec} and {@code attach} reach. */
    ContainerId running(PodDirectory.PodView pod, String container) throws KubeletError {
        return newest(pod, container)
                .filter(this::isRunning)
                .orElseThrow(() -> new KubeletError(500, "container not found (\"" + container + "\")"));
    }

    boolean isRunning(ContainerId id) {
        return runtime().containerStatus(id).map(ContainerInfo::running).orElse(false);
    }

    Path logPath(ContainerId id) {
        return runtime().logPath(id);
    }

    private Optional<ContainerId> newest(PodDirectory.PodView pod, String container) {
        return runtime().listContainers().stream()
                .map(ContainerInfo::id)
                .filter(id -> id.podUid().equals(pod.uid()) && id.container().equals(container))
                .max(Comparator.comparingInt(ContainerId::attempt));
    }

    private static void requireDeclared(PodDirectory.PodView pod, String container) throws KubeletError {
        if (container == null || container.isEmpty()) {
            throw KubeletError.badRequest("missing container name");
        }
        if (!declared(pod, container)) {
            throw KubeletError.notFound("container \"" + container + "\" not found in pod \"" + pod.name() + "\"");
        }
    }

    private static boolean declared(PodDirectory.PodView pod, String container) {
        return contains(pod.containers(), container) || contains(pod.initContainers(), container);
    }

    private static boolean contains(List<String> names, String name) {
        return names != null && names.contains(name);
    }

    private static KubeletError previousNotFound(PodDirectory.PodView pod, String container) {
        return KubeletError.badRequest("previous terminated container \"" + container + "\" in pod \"" + pod.name() + "\" not found");
    }
}
