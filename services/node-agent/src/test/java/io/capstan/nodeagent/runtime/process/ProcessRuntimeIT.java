package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.FileTrees;
import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerConfig.Mount;
import io.capstan.nodeagent.runtime.ContainerConfig.Resources;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerInfo.State;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.ContainerRuntime.RuntimeFailure;
import io.capstan.nodeagent.runtime.ContainerRuntimeContract;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The runtime contract on the process runtime, plus what only the process runtime does. */
class ProcessRuntimeIT extends ContainerRuntimeContract {

    @Override
    protected ContainerRuntime newRuntime(Path stateDir) {
        return new ProcessRuntime(stateDir);
    }

    @Override
    protected boolean isolates(ContainerRuntime runtime) {
        return ((ProcessRuntime) runtime).capabilities().isolation();
    }

    @Override
    protected boolean enforcesLimits(ContainerRuntime runtime) {
        return ((ProcessRuntime) runtime).capabilities().limits();
    }

    @Test
    void withoutIsolationContainersRunOnTheHostWithTheirEnvAndSaySo() throws Exception {
        Path dir = Files.createTempDirectory("capstan-runtime-host");
        try (ProcessRuntime host = new ProcessRuntime(dir, ImageCatalog.builtin(),
                new ProcessRuntime.Options(false, null, Duration.ofSeconds(30)))) {
            assertThat(host.capabilities().isolation()).isFalse();
            var sandbox = host.runPodSandbox(new PodSandboxConfig(
                    "host-pod", "default", "host-pod", "host-pod", null, "127.244.250.1", null));
            var config = new ContainerConfig(
                    new ContainerId("host-pod", "main", 0), sandbox,
                    new PodSandboxConfig("host-pod", "default", "host-pod", "host-pod",
                            null, "127.244.250.1", null),
                    "busybox", List.of("sh", "-c", "echo $GREETING; pwd; which wget"), List.of(),
                    Map.of("GREETING", "on the host"), "/tmp", List.of(),
                    Resources.NONE, false, false);
            ContainerInfo started = host.startContainer(config);
            assertThat(started.message()).contains("not isolated");
            ContainerInfo done = awaitExitOn(host, started);
            assertThat(done.exitCode()).isZero();
            List<String> lines = Files.readAllLines(host.logPath(done.id())).stream()
                    .map(l -> l.split(" ", 4)[3]).toList();
            assertThat(lines.get(0)).isEqualTo("on the host");
            assertThat(lines.get(1)).isEqualTo("/tmp");
            assertThat(lines.get(2)).startsWith(dir.resolve("images").toString()).endsWith("/wget");
            host.removePodSandbox("host-pod");
        } finally {
            FileTrees.delete(dir);
        }
    }

    @Test
    void aContainerWhoseShimAndProcessVanishedIsReportedUnknownNotRunningEvenIfItsPidWasReused() throws Exception {
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000")).build());
        Path dir = stateDir.resolve("pods").resolve(pod.uid).resolve("containers/main/0");
        String pidFile = Files.readString(dir.resolve("pid"));
        long shim = Long.parseLong(pidFile.replaceAll("(?s).*\\bshim=(\\d+).*", "$1"));
        ProcessHandle.of(shim).ifPresent(ProcessHandle::destroyForcibly);
        ProcessHandle.of(started.pid()).ifPresent(ProcessHandle::destroyForcibly);
        // both pids now belong to this JVM, which started at another time
        long reused = ProcessHandle.current().pid();
        Files.writeString(dir.resolve("pid"), pidFile.replaceAll("(?m)^pid=\\d+", "pid=" + reused)
                .replaceAll("(?m)^shim=\\d+", "shim=" + reused));

        try (ProcessRuntime second = new ProcessRuntime(stateDir)) {
            ContainerInfo info = second.containerStatus(started.id()).orElseThrow();
            assertThat(info.state()).isEqualTo(State.EXITED);
            assertThat(info.reason()).isEqualTo("ContainerStatusUnknown");
            assertThat(info.exitCode()).isEqualTo(137);
        }
        assertThat(runtime.containerStatus(started.id()).orElseThrow().reason()).isEqualTo("ContainerStatusUnknown");
    }

    @Test
    void aMountInsideAReadOnlyHostDirectoryThatLacksThePathIsACreateContainerError() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        Path data = Files.createDirectories(pod.sandbox.volumeDir("data"));
        String path = "/usr/capstan-test-" + pod.uid;
        assertThatThrownBy(() -> runtime.startContainer(pod.container("main", "python", List.of("true"))
                .mounts(List.of(new Mount(path, data, false))).build()))
                .isInstanceOf(RuntimeFailure.class)
                .hasMessageContaining("comes read-only from the host")
                .satisfies(e -> assertThat(((RuntimeFailure) e).reason()).isEqualTo("CreateContainerError"));
        assertThat(Path.of(path)).doesNotExist();
    }

    @Test
    void aSymbolicLinkInAVolumeCannotCarryAMountOutOfTheContainer() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        Path outside = Files.createTempDirectory("capstan-outside");
        Path data = Files.createDirectories(pod.sandbox.volumeDir("data"));
        Files.createSymbolicLink(data.resolve("escape"), outside);
        Path other = Files.createDirectories(pod.sandbox.volumeDir("other"));
        assertThatThrownBy(() -> runtime.startContainer(pod.container("main", "busybox", List.of("true"))
                .mounts(List.of(new Mount("/data", data, false), new Mount("/data/escape/x", other, false))).build()))
                .isInstanceOf(RuntimeFailure.class).hasMessageContaining("symbolic link");
        assertThat(outside.resolve("x")).doesNotExist();
        Files.delete(outside);
    }

    private static ContainerInfo awaitExitOn(ContainerRuntime rt, ContainerInfo started) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            ContainerInfo info = rt.containerStatus(started.id()).orElseThrow();
            if (info.state() == State.EXITED) {
                return info;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(started.id() + " did not exit");
    }
}
