package io.capstan.nodeagent.server;

import java.util.List;
import java.util.Optional;

/**
 * The pods this node-agent runs, as the streaming server (logs, exec, port-forward) needs them:
 * which uid a namespace/name has now, its IP and its containers' names. Implemented by the pod
 * lifecycle; read from request threads, so implementations must be thread-safe.
 */
public interface PodDirectory {

    /** The pod as this agent runs it, empty if the agent does not run it. */
    Optional<PodView> pod(String namespace, String name);

    record PodView(String uid, String namespace, String name, String podIp,
                   List<String> initContainers, List<String> containers) {
    }
}
