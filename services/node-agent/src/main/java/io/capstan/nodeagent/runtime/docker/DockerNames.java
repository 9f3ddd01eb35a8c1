package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.PodSandboxConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Names and labels of the Docker objects a runtime owns. Every container carries the runtime's
 * instance (a hash of its state directory) in its name and in the label {@link #RUNTIME}, so
 * two runtimes on one daemon never see, or clash with, each other's containers, and a new runtime
 * on the same state directory finds its predecessor's. The Kubernetes labels are dockershim's.
 * Names are deterministic: starting one id twice can never make two containers.
 */
final class DockerNames {
    static final String RUNTIME = "io.capstan.runtime";
    static final String STATE_DIR = "io.capstan.runtime.state-dir";
    static final String IMAGE = "io.capstan.image";
    static final String ATTEMPT = "io.capstan.container.attempt";
    static final String TYPE = "io.kubernetes.docker.type";
    static final String POD_UID = "io.kubernetes.pod.uid";
    static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String POD_NAME = "io.kubernetes.pod.name";
    static final String CONTAINER_NAME = "io.kubernetes.container.name";
    static final String SANDBOX = "podsandbox";
    static final String CONTAINER = "container";

    private DockerNames() {
    }

    /** The runtime instance of a state directory: 12 hex digits of the hash of its absolute path. */
    static String instance(Path stateDir) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(stateDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The pod's pause container; "POD" cannot be a container's name (those are lower case). */
    static String sandboxName(String instance, String podUid) {
        return "capstan-" + instance + "_POD_" + podUid;
    }

    static String containerName(String instance, ContainerId id) {
        return "capstan-" + instance + "_" + id.container() + "_" + id.podUid() + "_" + id.attempt();
    }

    static Map<String, String> sandboxLabels(String instance, Path stateDir, PodSandboxConfig pod) {
        Map<String, String> labels = common(instance, stateDir, pod.podUid(), pod.namespace(), pod.name());
        labels.put(TYPE, SANDBOX);
        return labels;
    }

    static Map<String, String> containerLabels(String instance, Path stateDir, ContainerId id, PodSandboxConfig pod,
                                               String image) {
        Map<String, String> labels = common(instance, stateDir, id.podUid(), pod.namespace(), pod.name());
        labels.put(TYPE, CONTAINER);
        labels.put(CONTAINER_NAME, id.container());
        labels.put(ATTEMPT, Integer.toString(id.attempt()));
        labels.put(IMAGE, image);
        return labels;
    }

    /** The id a container of this runtime carries in its labels; empty for a sandbox or a foreign container. */
    static Optional<ContainerId> containerId(Map<String, String> labels) {
        if (labels == null || !CONTAINER.equals(labels.get(TYPE))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ContainerId(labels.get(POD_UID), labels.get(CONTAINER_NAME),
                    Integer.parseInt(labels.getOrDefault(ATTEMPT, ""))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> common(String instance, Path stateDir, String podUid, String namespace,
                                              String name) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(RUNTIME, instance);
        labels.put(STATE_DIR, stateDir.toAbsolutePath().toString());
        labels.put(POD_UID, podUid);
        if (namespace != null) {
            labels.put(POD_NAMESPACE, namespace);
        }
        if (name != null) {
            labels.put(POD_NAME, name);
        }
        return labels;
    }
}
