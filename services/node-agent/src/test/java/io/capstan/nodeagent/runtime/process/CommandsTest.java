package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerRuntime.RuntimeFailure;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandsTest {
    private static final PreparedImage NGINX = image(List.of("/docker-entrypoint.sh"), List.of("nginx", "-g", "daemon off;"));

    static Stream<Arguments> dockerRules() {
        return Stream.of(
                Arguments.of("neither: entrypoint and cmd", List.of(), List.of(),
                        List.of("/docker-entrypoint.sh", "nginx", "-g", "daemon off;")),
                Arguments.of("args only: entrypoint with the args", List.of(), List.of("nginx", "-T"),
                        List.of("/docker-entrypoint.sh", "nginx", "-T")),
                Arguments.of("command only: the command alone", List.of("/bin/sh"), List.of(), List.of("/bin/sh")),
                Arguments.of("both: command and args", List.of("/bin/sh", "-c"), List.of("echo hi"),
                        List.of("/bin/sh", "-c", "echo hi")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dockerRules")
    void commandAndArgsFollowDockersRules(String name, List<String> command, List<String> args, List<String> argv)
            throws RuntimeFailure {
        assertThat(Commands.argv(NGINX, command, args)).isEqualTo(argv);
    }

    @Test
    void nothingToRunIsACreateContainerError() {
        assertThatThrownBy(() -> Commands.argv(image(List.of(), List.of()), List.of(), List.of()))
                .isInstanceOf(RuntimeFailure.class).hasMessageContaining("no command specified");
    }

    @Test
    void thePodsEnvWinsOverTheImagesAndDefaultsFillTheRest() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("LANG", "de_DE.UTF-8");
        given.put("POD_IP", "127.244.1.5");
        PreparedImage python = new PreparedImage("python", Path.of("/images/python"), List.of(), List.of("python3"),
                Map.of("LANG", "C.UTF-8", "PATH", "/usr/bin:/bin"), "/", List.of(), List.of());
        Map<String, String> env = Commands.env(python, config(given));
        assertThat(env).containsEntry("LANG", "de_DE.UTF-8").containsEntry("POD_IP", "127.244.1.5")
                .containsEntry("PATH", "/usr/bin:/bin").containsEntry("HOSTNAME", "web-0").containsEntry("HOME", "/root")
                .hasSize(5);
    }

    @Test
    void withoutIsolationTheImagesAppletsLeadThePath() {
        PreparedImage busybox = new PreparedImage("busybox", Path.of("/images/busybox"), List.of(), List.of("sh"),
                Map.of(), "/", List.of(), List.of(Path.of("/images/busybox/bin"), Path.of("/images/busybox/sbin")));
        assertThat(Commands.hostEnv(Map.of("PATH", "/usr/bin"), busybox))
                .containsEntry("PATH", "/images/busybox/bin:/images/busybox/sbin:/usr/bin");
    }

    private static PreparedImage image(List<String> entrypoint, List<String> cmd) {
        return new PreparedImage("nginx", Path.of("/images/nginx"), entrypoint, cmd, Map.of(), "/", List.of(), List.of());
    }

    private static ContainerConfig config(Map<String, String> env) {
        PodSandboxConfig pod = new PodSandboxConfig("uid", "default", "web-0", "web-0", null, "127.244.1.5", null);
        return new ContainerConfig(new ContainerId("uid", "main", 0), new PodSandbox("uid", Path.of("/pods/uid")), pod,
                "python", List.of(), List.of(), env, null, List.of(), ContainerConfig.Resources.NONE, false, false);
    }
}
