package io.capstan.nodeagent.runtime.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;

import java.util.List;

/**
 * A pod's {@code command} and {@code args} as Docker's entrypoint and cmd (Kubernetes' "Define a
 * command and arguments" rules): a command replaces the image's entrypoint and drops its cmd;
 * args replace the cmd; with neither the image's both apply. Null means "the image's".
 */
record ContainerCommands(List<String> entrypoint, List<String> cmd) {

    static ContainerCommands of(List<String> command, List<String> args) {
        boolean hasCommand = command != null && !command.isEmpty();
        boolean hasArgs = args != null && !args.isEmpty();
        if (hasCommand) {
            return new ContainerCommands(List.copyOf(command), hasArgs ? List.copyOf(args) : List.of());
        }
        return new ContainerCommands(null, hasArgs ? List.copyOf(args) : null);
    }

    /** Sets what the pod overrides on a container to create. */
    static void apply(CreateContainerCmd create, List<String> command, List<String> args) {
        ContainerCommands c = of(command, args);
        if (c.entrypoint() != null) {
            create.withEntrypoint(c.entrypoint());
        }
        if (c.cmd() != null) {
            create.withCmd(c.cmd());
        }
    }
}
