package io.capstan.nodeagent;

import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.docker.DockerRuntime;
import io.capstan.nodeagent.runtime.process.ImageCatalog;
import io.capstan.nodeagent.runtime.process.ProcessRuntime;
import io.capstan.nodeagent.server.PodDirectory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The beans the agent and the streaming server (logs, exec, attach, port-forward) share: the
 * configured {@link ContainerRuntime} and the {@link PodDirectory} of the pods this agent runs.
 */
@ApplicationScoped
public class AgentBeans {

    /**
     * The runtime {@code capstan.node-agent.runtime} names, keeping its state under
     * {@code <state-dir>/runtime}. Closing it at shutdown leaves containers running, so a
     * restarted agent takes them over.
     */
    @Produces
    @Singleton
    ContainerRuntime runtime(NodeAgentConfig config, NodeAgent agent) {
        Path stateDir = agent.stateDir(agent.nodeName()).resolve("runtime");
        return switch (config.runtime()) {
            case "process" -> processRuntime(config, agent, stateDir);
            case "docker" -> {
                if ("netns".equals(config.podNetwork())) {
                    throw new IllegalArgumentException("capstan.node-agent.pod-network=netns is the process runtime's; "
                            + "the docker runtime networks pods on its own bridge network (capstan.node-agent.docker.network)");
                }
                yield new DockerRuntime(stateDir, dockerOptions(config));
            }
            default -> throw new IllegalArgumentException("capstan.node-agent.runtime=" + config.runtime()
                    + " is not supported (process and docker are)");
        };
    }

    private static ContainerRuntime processRuntime(NodeAgentConfig config, NodeAgent agent, Path stateDir) {
        try {
            ImageCatalog catalog = config.imageCatalog().isPresent()
                    ? ImageCatalog.load(Path.of(config.imageCatalog().get())) : ImageCatalog.builtin();
            ProcessRuntime.Options options = agent.netns()
                    ? ProcessRuntime.Options.DEFAULTS.withNetns(config.nodeIndex()) : ProcessRuntime.Options.DEFAULTS;
            return new ProcessRuntime(stateDir, catalog, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image catalog " + config.imageCatalog().orElse("") + ": " + e.getMessage(), e);
        }
    }

    /** The docker runtime's settings: node N's defaults with what {@code capstan.node-agent.docker.*} sets. */
    private static DockerRuntime.Options dockerOptions(NodeAgentConfig config) {
        NodeAgentConfig.Docker docker = config.docker();
        DockerRuntime.Options defaults = DockerRuntime.Options.forNode(config.nodeIndex());
        return defaults.withDockerHost(docker.host().orElse(null))
                .withNetwork(docker.network().orElse(defaults.network()), docker.podSubnet().orElse(defaults.subnet()))
                .withPullImages(docker.pullImages()).withPauseImage(docker.pauseImage());
    }

    void close(@Disposes ContainerRuntime runtime) {
        runtime.close();
    }

    @Produces
    @Singleton
    PodDirectory podDirectory(NodeAgent agent) {
        return agent.podDirectory();
    }
}
