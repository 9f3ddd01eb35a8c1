package io.capstan.nodeagent.runtime.docker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ContainerCommandsTest {

    static Stream<Arguments> kubernetesRules() {
        return Stream.of(
                Arguments.of("neither: the image's entrypoint and cmd", List.of(), List.of(), null, null),
                Arguments.of("args only: the image's entrypoint with the args", List.of(), List.of("nginx", "-T"),
                        null, List.of("nginx", "-T")),
                Arguments.of("command only: the command alone, no cmd of the image", List.of("/bin/sh"), List.of(),
                        List.of("/bin/sh"), List.of()),
                Arguments.of("both: the command and the args", List.of("/bin/sh", "-c"), List.of("echo hi"),
                        List.of("/bin/sh", "-c"), List.of("echo hi")),
                Arguments.of("null lists are empty ones", null, null, null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubernetesRules")
    void aPodsCommandAndArgsBecomeDockersEntrypointAndCmd(String name, List<String> command, List<String> args,
                                                          List<String> entrypoint, List<String> cmd) {
        ContainerCommands docker = ContainerCommands.of(command, args);
        assertThat(docker.entrypoint()).isEqualTo(entrypoint);
        assertThat(docker.cmd()).isEqualTo(cmd);
    }
}
