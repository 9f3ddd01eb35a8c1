package io.capstan.nodeagent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One container to start. {@code command} and {@code args} are the pod spec's, already expanded
 * ({@code $(VAR)}); when empty the image's entrypoint and default arguments apply, as in Docker.
 * {@code env} is the complete environment (the node-agent resolved valueFrom, envFrom, service
 * variables, POD_IP, HOSTNAME). {@code mounts} place host directories (volumes, prepared by the
 * node-agent under the sandbox) at paths inside the container.
 */
public record ContainerConfig(ContainerId id, PodSandbox sandbox, PodSandboxConfig pod, String image,
                              List<String> command, List<String> args, Map<String, String> env,
                              String workingDir, List<Mount> mounts, Resources resources, boolean tty,
                              boolean stdin) {

    public record Mount(String containerPath, Path hostPath, boolean readOnly) {
    }

    /** Limits in bytes and millicores; null when the spec sets none. */
    public record Resources(Long memoryLimitBytes, Long cpuLimitMillis, Long memoryRequestBytes,
                            Long cpuRequestMillis) {
        public static final Resources NONE = new Resources(null, null, null, null);
    }
}
