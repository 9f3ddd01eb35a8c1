package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.PodFiles;
import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerRuntime.RuntimeFailure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A container's command line and environment from its image and its spec, with Docker's rules. */
final class Commands {
    /** Docker's PATH for images that set none. */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Commands() {
    }

    /**
     * The pod's {@code command} replaces the image's entrypoint and drops its cmd; the pod's
     * {@code args} replace the cmd (Kubernetes' "Define a command and arguments" rules).
     */
    static List<String> argv(PreparedImage image, List<String> command, List<String> args) throws RuntimeFailure {
        List<String> argv = new ArrayList<>();
        boolean hasCommand = command != null && !command.isEmpty();
        boolean hasArgs = args != null && !args.isEmpty();
        argv.addAll(hasCommand ? command : image.entrypoint());
        argv.addAll(hasArgs ? args : hasCommand ? List.of() : image.cmd());
        if (argv.isEmpty()) {
            throw new RuntimeFailure("CreateContainerError", "no command specified: image " + image.name()
                    + " has no entrypoint or cmd, and the container sets neither command nor args");
        }
        return argv;
    }

    /**
     * The pod's environment as given, over the image's defaults. As Docker does, PATH falls back to
     * the default, HOSTNAME to the pod's hostname and HOME to /root when neither sets them.
     */
    static Map<String, String> env(PreparedImage image, ContainerConfig config) {
        Map<String, String> env = new LinkedHashMap<>(image.env());
        if (config.env() != null) {
            env.putAll(config.env());
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.putIfAbsent("HOSTNAME", PodFiles.hostname(config.pod()));
        env.putIfAbsent("HOME", "/root");
        return env;
    }

    /** Without a root of its own the image's applets are found through PATH instead. */
    static Map<String, String> hostEnv(Map<String, String> env, PreparedImage image) {
        if (image.appletDirs().isEmpty()) {
            return env;
        }
        Map<String, String> host = new LinkedHashMap<>(env);
        String applets = image.appletDirs().stream().map(Path::toString).collect(Collectors.joining(":"));
        host.put("PATH", applets + ":" + env.getOrDefault("PATH", DEFAULT_PATH));
        return host;
    }
}
