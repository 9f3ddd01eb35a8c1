package io.capstan.nodeagent.runtime;

import io.capstan.nodeagent.runtime.ContainerConfig.Mount;
import io.capstan.nodeagent.runtime.ContainerConfig.Resources;
import io.capstan.nodeagent.runtime.ContainerInfo.State;
import io.capstan.nodeagent.runtime.ContainerRuntime.ImagePullFailure;
import io.capstan.nodeagent.runtime.ContainerRuntime.RuntimeFailure;
import io.capstan.testkit.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link ContainerRuntime} must do, run against real processes: one subclass per
 * implementation supplies the runtime. The images are the catalog's well-known ones (busybox,
 * alpine, nginx, python, capstan/echo), as the example manifests use them. Pod IPs come from
 * 127.244.0.0/16, which Linux routes to the loopback interface without setup.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ContainerRuntimeContract {
    private static final Pattern CRI_LINE = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z) (stdout|stderr) ([FP]) (.*)$");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger NEXT_IP = new AtomicInteger(ThreadLocalRandom.current().nextInt(256, 60000));

    protected Path stateDir;
    protected ContainerRuntime runtime;
    private final List<String> pods = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A new runtime keeping its state in {@code stateDir} (called again on the same directory to test recovery). */
    protected abstract ContainerRuntime newRuntime(Path stateDir);

    /** Whether containers get their own root, mounts and hostname here (else those tests are skipped). */
    protected abstract boolean isolates(ContainerRuntime runtime);

    /** Whether memory and cpu limits are enforced here (else those tests are skipped). */
    protected abstract boolean enforcesLimits(ContainerRuntime runtime);

    @BeforeAll
    void startRuntime() throws IOException {
        stateDir = Files.createTempDirectory("capstan-runtime-contract");
        runtime = newRuntime(stateDir);
    }

    @AfterEach
    void removePods() throws RuntimeFailure {
        for (String pod : pods) {
            runtime.removePodSandbox(pod);
        }
        pods.clear();
    }

    @AfterAll
    void closeRuntime() throws IOException {
        // null when the subclass found the runtime unavailable here and skipped the class
        if (runtime != null) {
            runtime.close();
        }
        if (stateDir == null) {
            return;
        }
        try (var paths = Files.walk(stateDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ---- start, exit codes, signals ----

    @Test
    void aCommandThatSucceedsIsCompletedWithExitCodeZero() throws Exception {
        Pod pod = pod();
        Instant before = Instant.now();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox", sh("echo hello")).build());
        assertThat(started.state()).isIn(State.RUNNING, State.EXITED);
        // a runtime may know the pid only while the process lives (Docker forgets it at the exit)
        if (started.state() == State.RUNNING) {
            assertThat(started.pid()).isPositive();
        }

        ContainerInfo done = awaitExit(started.id());
        assertThat(done.exitCode()).isZero();
        assertThat(done.reason()).isEqualTo("Completed");
        assertThat(done.signal()).isNull();
        assertThat(done.startedAt()).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(done.finishedAt()).isAfterOrEqualTo(done.startedAt());
        assertThat(logText(done.id())).isEqualTo("hello\n");
    }

    @Test
    void aCommandThatFailsIsErrorWithItsExitCode() throws Exception {
        Pod pod = pod();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "busybox", sh("exit 3")).build()).id());
        assertThat(done.exitCode()).isEqualTo(3);
        assertThat(done.reason()).isEqualTo("Error");
    }

    @Test
    void aContainerKilledByASignalReportsTheSignalAndExitCode128PlusIt() throws Exception {
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox",
                sh("echo ready; while true; do sleep 0.1; done")).build());
        awaitLog(started.id(), l -> l.contains("ready\n"));
        // from the host: in a pid namespace of its own the process is init, which ignores a SIGKILL it sends itself
        ProcessHandle.of(started.pid()).orElseThrow().destroyForcibly();
        ContainerInfo done = awaitExit(started.id());
        assertThat(done.exitCode()).isEqualTo(137);
        assertThat(done.signal()).isEqualTo(9);
        assertThat(done.reason()).isEqualTo("Error");
    }

    @Test
    void stopSendsSigtermToTheUsersProcess() throws Exception {
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox",
                sh("trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done")).build());
        awaitLog(started.id(), log -> log.contains("ready\n"));
        Instant before = Instant.now();

        ContainerInfo stopped = runtime.stopContainer(started.id(), Duration.ofSeconds(20));

        assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(10));
        assertThat(stopped.state()).isEqualTo(State.EXITED);
        assertThat(stopped.exitCode()).isZero();
        assertThat(logText(started.id())).contains("got TERM\n");
    }

    @Test
    void stopKillsEverythingTheContainerStartedOnceTheGracePeriodIsOver() throws Exception {
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox",
                sh("trap '' TERM; sleep 1000 & echo child $!; while true; do sleep 0.1; done")).build());
        awaitLog(started.id(), l -> l.contains("child "));
        // the child as the host sees it: in a pid namespace of the container's own, $! is another number.
        // The shell echoes $! right after its fork, before the child has exec'd sleep (until then the
        // child's arguments are the shell's), so the child is looked for until it is there.
        AtomicReference<ProcessHandle> sleeper = new AtomicReference<>();
        awaitTrue(() -> {
            ProcessHandle.of(started.pid()).orElseThrow().descendants()
                    .filter(h -> h.info().arguments().map(a -> List.of(a).equals(List.of("1000"))).orElse(false))
                    .findFirst().ifPresent(sleeper::set);
            return sleeper.get() != null;
        }, "a child \"sleep 1000\" of " + started.pid());
        ProcessHandle child = sleeper.get();
        Instant before = Instant.now();

        ContainerInfo stopped = runtime.stopContainer(started.id(), Duration.ofSeconds(1));

        Duration took = Duration.between(before, Instant.now());
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950)).isLessThan(Duration.ofSeconds(8));
        assertThat(stopped.exitCode()).isEqualTo(137);
        assertThat(stopped.signal()).isEqualTo(9);
        awaitTrue(() -> !child.isAlive(), "the container's child was killed");
    }

    @Test
    void stoppingAnExitedContainerReturnsItsStatus() throws Exception {
        Pod pod = pod();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "busybox", sh("exit 4")).build()).id());
        assertThat(runtime.stopContainer(done.id(), Duration.ofSeconds(1)).exitCode()).isEqualTo(4);
    }

    // ---- what the process sees ----

    @Test
    void theEnvironmentAndWorkingDirAreExactlyTheGivenOnes() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GREETING", "hello world");
        env.put("EMPTY", "");
        env.put("HOSTNAME", pod.hostname);
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "busybox",
                List.of("/bin/env")).env(env).workingDir("/work/dir").build()).id());
        List<String> lines = logText(done.id()).lines().sorted().toList();
        assertThat(lines).containsExactly("EMPTY=", "GREETING=hello world", "HOME=/root", "HOSTNAME=" + pod.hostname,
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

        ContainerInfo pwd = awaitExit(runtime.startContainer(pod.container("pwd", "busybox",
                List.of("/bin/pwd")).workingDir("/work/dir").build()).id());
        assertThat(logText(pwd.id())).isEqualTo("/work/dir\n");
    }

    @Test
    void volumesAreMountedAtTheirPathsAndReadOnlyIsEnforced() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        Path data = Files.createDirectories(pod.sandbox.volumeDir("data"));
        Path config = Files.createDirectories(pod.sandbox.volumeDir("config"));
        Files.writeString(config.resolve("state"), "Michigan\n");
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "alpine:latest",
                        sh("cat /myconfig/state; echo written > /data/out; "
                                + "if echo x > /myconfig/other; then echo WROTE; else echo refused; fi"))
                .mounts(List.of(new Mount("/data", data, false), new Mount("/myconfig", config, true))).build()).id());

        assertThat(done.exitCode()).isZero();
        String log = logText(done.id());
        assertThat(log).contains("Michigan\n").contains("refused\n").contains("Read-only file system")
                .doesNotContain("WROTE");
        assertThat(Files.readString(data.resolve("out"))).isEqualTo("written\n");
        assertThat(config.resolve("other")).doesNotExist();
    }

    @Test
    void theHostnameIsThePodsHostname() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "busybox",
                sh("hostname; cat /etc/hostname; echo $HOSTNAME")).build()).id());
        assertThat(logText(done.id())).isEqualTo((pod.hostname + "\n").repeat(3));
    }

    // ---- images ----

    @Test
    void busyboxRunsAShellScriptWithItsApplets() throws Exception {
        Pod pod = pod();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "docker.io/library/busybox:1.36",
                List.of("/bin/sh", "-c"), List.of("for i in 1 2 3; do echo line $i; done | wc -l; which wget")).build()).id());
        assertThat(done.exitCode()).isZero();
        assertThat(logText(done.id()).lines().toList()).first().isEqualTo("3");
        assertThat(logText(done.id())).contains("wget");
    }

    @Test
    void nginxServesItsDefaultPageOnPort80OfThePodIp() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("web", "nginx:stable-alpine").build());
        HttpResponse<String> page = awaitHttp("http://" + pod.ip + ":80/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Welcome to nginx!</title>");
        assertThat(runtime.containerStatus(started.id()).orElseThrow().state()).isEqualTo(State.RUNNING);
    }

    @Test
    void nginxExitsZeroOnSigtermAsItsFastShutdownDoes() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("web", "nginx").build());
        assertThat(awaitHttp("http://" + pod.ip + ":80/").statusCode()).isEqualTo(200);
        ContainerInfo stopped = runtime.stopContainer(started.id(), Duration.ofSeconds(20));
        assertThat(stopped.state()).isEqualTo(State.EXITED);
        assertThat(stopped.exitCode()).isZero();
    }

    @Test
    void nginxServesAVolumeMountedOverItsHtmlDirectory() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        Path www = Files.createDirectories(pod.sandbox.volumeDir("www"));
        Files.writeString(www.resolve("index.html"), "sts-example-0\n");
        runtime.startContainer(pod.container("nginx", "nginx")
                .mounts(List.of(new Mount("/usr/share/nginx/html", www, false))).build());
        assertThat(awaitHttp("http://" + pod.ip + ":80/").body()).isEqualTo("sts-example-0\n");
    }

    @Test
    void containersOfOnePodReachEachOtherOnLocalhost() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        runtime.startContainer(pod.container("web", "nginx").build());
        awaitHttp("http://" + pod.ip + ":80/");
        ContainerInfo poller = awaitExit(runtime.startContainer(pod.container("poller", "busybox",
                sh("wget -q -O- http://localhost:80/ | grep -c '<h1>Welcome to nginx!</h1>'")).build()).id());
        assertThat(logText(poller.id())).isEqualTo("1\n");
    }

    @Test
    void theEchoServerAnswersAndFailsItsHealthCheckAfterTheDelay() throws Exception {
        Pod pod = pod();
        // a free port: a wildcard listener elsewhere on this machine would own the port on every address
        int port = FreePorts.next();
        Instant start = Instant.now();
        runtime.startContainer(pod.container("echo", "capstan/echo:1.0",
                        List.of(), List.of("--text=hello from echo", "--listen=:" + port, "--fail-health-after=3s"))
                .env(Map.of("POD_IP", pod.ip)).build());
        String base = "http://" + pod.ip + ":" + port;
        HttpResponse<String> hello = awaitHttp(base + "/anything");
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello from echo\n");
        assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);

        awaitTrue(() -> get(base + "/healthz").statusCode() == 500, "/healthz turns 500");
        assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(logText(new ContainerId(pod.uid, "echo", 0))).contains("capstan-echo listening on " + pod.ip + ":" + port);
    }

    @Test
    void pythonRunsTheHostsPython() throws Exception {
        Pod pod = pod();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "python:3.12-slim",
                List.of("python3", "-c", "import sys; print('python', sys.version_info[0], 6 * 7)")).build()).id());
        assertThat(done.exitCode()).isZero();
        assertThat(logText(done.id())).isEqualTo("python 3 42\n");
    }

    @Test
    void anUnknownImageIsAnImagePullFailure() {
        Pod pod = pod();
        ContainerConfig config = pod.container("main", "quay.io/nobody/nothing:1.0").build();
        assertThatThrownBy(() -> runtime.startContainer(config))
                .isInstanceOf(ImagePullFailure.class)
                .hasMessageContaining("quay.io/nobody/nothing:1.0")
                .satisfies(e -> assertThat(((RuntimeFailure) e).reason()).isEqualTo("ErrImagePull"));
        assertThat(runtime.containerStatus(config.id())).isEmpty();
    }

    @Test
    void aCommandThatCannotRunIsARunContainerError() {
        Pod pod = pod();
        ContainerConfig config = pod.container("main", "busybox", List.of("no-such-command")).build();
        assertThatThrownBy(() -> runtime.startContainer(config))
                .isInstanceOf(RuntimeFailure.class)
                .hasMessageContaining("\"no-such-command\": executable file not found in $PATH")
                .satisfies(e -> assertThat(((RuntimeFailure) e).reason()).isEqualTo("RunContainerError"));
        assertThat(runtime.containerStatus(config.id())).isEmpty();
    }

    // ---- limits ----

    @Test
    void aContainerOverItsMemoryLimitIsOomKilled() throws Exception {
        assumeTrue(enforcesLimits(runtime), "needs cgroups");
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("hog", "busybox", List.of("tail", "/dev/zero"))
                .resources(new Resources(16L << 20, null, null, null)).build());
        assertThat(started.limitsEnforced()).isTrue();
        ContainerInfo done = awaitExit(started.id());
        assertThat(done.reason()).isEqualTo("OOMKilled");
        assertThat(done.exitCode()).isEqualTo(137);
    }

    @Test
    void aCpuLimitThrottlesABusyLoop() throws Exception {
        assumeTrue(enforcesLimits(runtime), "needs cgroups");
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("spin", "busybox", sh("while :; do :; done"))
                .resources(new Resources(null, 100L, null, null)).build());
        assertThat(started.limitsEnforced()).isTrue();
        Thread.sleep(2000);
        long ticks = cpuTicks(started.pid());
        // 100m for 2 s is 0.2 s of cpu (20 ticks); unthrottled the loop would use most of 2 s
        assertThat(ticks).isLessThan(60);
    }

    // ---- logs ----

    @Test
    void theLogHasATimestampPerLineAndBothStreams() throws Exception {
        Pod pod = pod();
        Instant before = Instant.now();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "busybox",
                sh("echo out; echo err >&2; echo '  spaced  '; printf 'no newline'")).build()).id());
        List<String> lines = Files.readAllLines(runtime.logPath(done.id()));
        List<String> parsed = new ArrayList<>();
        for (String line : lines) {
            var m = CRI_LINE.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            Instant at = Instant.parse(m.group(1));
            assertThat(at).isBetween(before.minusSeconds(1), done.finishedAt().plusSeconds(1));
            parsed.add(m.group(2) + " " + m.group(3) + " " + m.group(4));
        }
        assertThat(parsed).containsExactlyInAnyOrder("stdout F out", "stderr F err", "stdout F   spaced  ",
                "stdout F no newline");
        assertThat(parsed.indexOf("stdout F out")).isLessThan(parsed.indexOf("stdout F   spaced  "));
    }

    @Test
    void eachAttemptHasItsOwnLog() throws Exception {
        Pod pod = pod();
        ContainerInfo first = awaitExit(runtime.startContainer(pod.container("main", "busybox", sh("echo first; exit 1"))
                .build()).id());
        ContainerInfo second = awaitExit(runtime.startContainer(pod.container("main", "busybox", sh("echo second"))
                .attempt(1).build()).id());
        assertThat(runtime.logPath(first.id())).isNotEqualTo(runtime.logPath(second.id()));
        assertThat(logText(first.id())).isEqualTo("first\n");
        assertThat(logText(second.id())).isEqualTo("second\n");
    }

    // ---- exec ----

    @Test
    void execRunsInTheContainerWithItsEnvAndReturnsTheExitCode() throws Exception {
        assumeTrue(isolates(runtime), "needs isolation");
        Pod pod = pod();
        Path data = Files.createDirectories(pod.sandbox.volumeDir("data"));
        Files.writeString(data.resolve("file"), "in the volume\n");
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000"))
                .env(Map.of("GREETING", "hi there")).workingDir("/data")
                .mounts(List.of(new Mount("/data", data, false))).build());
        try (ExecSession exec = runtime.exec(started.id(),
                List.of("sh", "-c", "echo $GREETING; cat file; echo oops >&2; exit 5"), false)) {
            exec.stdin().close();
            String out = read(exec.stdout());
            String err = read(exec.stderr());
            assertThat(exec.waitFor(WAIT)).isEqualTo(5);
            assertThat(out).isEqualTo("hi there\nin the volume\n");
            assertThat(err).isEqualTo("oops\n");
        }
    }

    @Test
    void execReadsItsStdin() throws Exception {
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000")).build());
        try (ExecSession exec = runtime.exec(started.id(), List.of("tr", "a-z", "A-Z"), false)) {
            try (OutputStream in = exec.stdin()) {
                in.write("shout\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(read(exec.stdout())).isEqualTo("SHOUT\n");
            assertThat(exec.waitFor(WAIT)).isZero();
        }
    }

    @Test
    void execWithATtyGetsATerminalThatCanBeResized() throws Exception {
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000")).build());
        try (ExecSession exec = runtime.exec(started.id(), List.of("sh"), true)) {
            exec.resize(100, 40);
            OutputStream in = exec.stdin();
            in.write("tty; stty size; exit 3\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String out = read(exec.stdout());
            assertThat(exec.waitFor(WAIT)).isEqualTo(3);
            assertThat(out).contains("/dev/pts/").contains("40 100");
            assertThat(read(exec.stderr())).isEmpty();
        }
    }

    @Test
    void execInAContainerThatIsNotRunningFails() throws Exception {
        Pod pod = pod();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "busybox", sh("true")).build()).id());
        assertThatThrownBy(() -> runtime.exec(done.id(), List.of("true"), false)).isInstanceOf(RuntimeFailure.class);
    }

    // ---- identity, restarts of the runtime ----

    @Test
    void startingARunningContainerAgainReturnsItAndNeverStartsASecondCopy() throws Exception {
        Pod pod = pod();
        ContainerConfig config = pod.container("main", "busybox", sh("sleep 1000")).build();
        ContainerInfo first = runtime.startContainer(config);
        ContainerInfo again = runtime.startContainer(config);
        assertThat(again.pid()).isEqualTo(first.pid());
        assertThatThrownBy(() -> runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000"))
                .attempt(1).build()))
                .isInstanceOf(RuntimeFailure.class).hasMessageContaining("still running");
    }

    @Test
    void aNewRuntimeOnTheSameStateFindsRunningAndExitedContainersAndTheLogsWrittenMeanwhile() throws Exception {
        Pod pod = pod();
        ContainerInfo running = runtime.startContainer(pod.container("ticker", "busybox",
                sh("i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done")).build());
        ContainerInfo exited = awaitExit(runtime.startContainer(pod.container("oneshot", "busybox", sh("exit 4"))
                .build()).id());
        ContainerRuntime old = runtime;
        old.close();
        int ticksWhenClosed = ticks(running.id());
        Thread.sleep(700);

        runtime = newRuntime(stateDir);

        assertThat(runtime.listContainers()).extracting(ContainerInfo::id).contains(running.id(), exited.id());
        ContainerInfo found = runtime.containerStatus(running.id()).orElseThrow();
        assertThat(found.state()).isEqualTo(State.RUNNING);
        assertThat(found.pid()).isEqualTo(running.pid());
        ContainerInfo foundExited = runtime.containerStatus(exited.id()).orElseThrow();
        assertThat(foundExited.state()).isEqualTo(State.EXITED);
        assertThat(foundExited.exitCode()).isEqualTo(4);
        assertThat(ticks(running.id())).isGreaterThan(ticksWhenClosed + 3);

        assertThat(runtime.startContainer(pod.container("ticker", "busybox", sh("echo second copy")).build()).pid())
                .isEqualTo(running.pid());
        ContainerInfo stopped = runtime.stopContainer(running.id(), Duration.ofSeconds(5));
        assertThat(stopped.state()).isEqualTo(State.EXITED);
        assertThat(logText(running.id())).doesNotContain("second copy");
    }

    @Test
    void removingAContainerForgetsItButKeepsItsLog() throws Exception {
        Pod pod = pod();
        ContainerInfo done = awaitExit(runtime.startContainer(pod.container("main", "busybox", sh("echo kept")).build()).id());
        runtime.removeContainer(done.id());
        assertThat(runtime.containerStatus(done.id())).isEmpty();
        assertThat(runtime.listContainers()).extracting(ContainerInfo::id).doesNotContain(done.id());
        assertThat(logText(done.id())).isEqualTo("kept\n");
    }

    @Test
    void removingThePodSandboxStopsItsContainersAndDeletesItsDirectory() throws Exception {
        Pod pod = pod();
        ContainerInfo started = runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000")).build());
        runtime.removePodSandbox(pod.uid);
        pods.remove(pod.uid);
        assertThat(runtime.containerStatus(started.id())).isEmpty();
        assertThat(pod.sandbox.podDir()).doesNotExist();
        awaitTrue(() -> ProcessHandle.of(started.pid()).map(h -> !h.isAlive()).orElse(true), "the container is gone");
    }

    // ---- helpers ----

    protected Pod pod() {
        String ip = podIp(NEXT_IP.getAndIncrement());
        String uid = UUID.randomUUID().toString();
        String name = "pod-" + uid.substring(0, 8);
        try {
            PodSandbox sandbox = runtime.runPodSandbox(new PodSandboxConfig(uid, "default", name, name, null, ip, null));
            pods.add(uid);
            return new Pod(uid, name, ip, sandbox);
        } catch (RuntimeFailure e) {
            throw new AssertionError(e);
        }
    }

    /** The address of the n-th pod: by default in 127.244.0.0/16, which Linux routes to lo without setup. */
    protected String podIp(int n) {
        return "127.244." + (1 + (n / 253) % 254) + "." + (2 + n % 253);
    }

    protected static List<String> sh(String script) {
        return List.of("/bin/sh", "-c", script);
    }

    public final class Pod {
        public final String uid;
        public final String hostname;
        public final String ip;
        public final PodSandbox sandbox;

        Pod(String uid, String hostname, String ip, PodSandbox sandbox) {
            this.uid = uid;
            this.hostname = hostname;
            this.ip = ip;
            this.sandbox = sandbox;
        }

        public ConfigBuilder container(String name, String image) {
            return container(name, image, List.of(), List.of());
        }

        public ConfigBuilder container(String name, String image, List<String> command) {
            return container(name, image, command, List.of());
        }

        public ConfigBuilder container(String name, String image, List<String> command, List<String> args) {
            return new ConfigBuilder(this, name, image, command, args);
        }
    }

    public static final class ConfigBuilder {
        private final Pod pod;
        private final String name;
        private final String image;
        private final List<String> command;
        private final List<String> args;
        private int attempt;
        private Map<String, String> env = Map.of();
        private String workingDir;
        private List<Mount> mounts = List.of();
        private Resources resources = Resources.NONE;

        ConfigBuilder(Pod pod, String name, String image, List<String> command, List<String> args) {
            this.pod = pod;
            this.name = name;
            this.image = image;
            this.command = command;
            this.args = args;
        }

        public ConfigBuilder attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        public ConfigBuilder env(Map<String, String> env) {
            this.env = env;
            return this;
        }

        public ConfigBuilder workingDir(String workingDir) {
            this.workingDir = workingDir;
            return this;
        }

        public ConfigBuilder mounts(List<Mount> mounts) {
            this.mounts = mounts;
            return this;
        }

        public ConfigBuilder resources(Resources resources) {
            this.resources = resources;
            return this;
        }

        public ContainerConfig build() {
            return new ContainerConfig(new ContainerId(pod.uid, name, attempt), pod.sandbox,
                    new PodSandboxConfig(pod.uid, "default", pod.hostname, pod.hostname, null, pod.ip, null), image,
                    command, args, env, workingDir, mounts, resources, false, false);
        }
    }

    protected ContainerInfo awaitExit(ContainerId id) throws InterruptedException {
        return awaitExit(runtime, id, WAIT);
    }

    protected String logText(ContainerId id) {
        return logText(runtime, id);
    }

    /** Waits for {@code id} to exit on {@code runtime}; an AssertionError with its log after {@code wait}. */
    public static ContainerInfo awaitExit(ContainerRuntime runtime, ContainerId id, Duration wait) throws InterruptedException {
        Instant deadline = Instant.now().plus(wait);
        while (Instant.now().isBefore(deadline)) {
            ContainerInfo info = runtime.containerStatus(id).orElseThrow();
            if (info.state() == State.EXITED) {
                return info;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(id + " did not exit within " + wait + "; log: " + logText(runtime, id));
    }

    /** The text a container wrote, from its CRI log (partial lines joined, each full line ending in a newline). */
    public static String logText(ContainerRuntime runtime, ContainerId id) {
        try {
            StringBuilder sb = new StringBuilder();
            for (String line : Files.readAllLines(runtime.logPath(id))) {
                var m = CRI_LINE.matcher(line);
                if (m.matches()) {
                    sb.append(m.group(4)).append(m.group(3).equals("F") ? "\n" : "");
                }
            }
            return sb.toString();
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    protected String awaitLog(ContainerId id, Predicate<String> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            String log = logText(id);
            if (condition.test(log)) {
                return log;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("log of " + id + " never matched; it is: " + logText(id));
    }

    private int ticks(ContainerId id) {
        return (int) logText(id).lines().filter(l -> l.startsWith("tick ")).count();
    }

    private static void awaitTrue(Supplier<Boolean> condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            if (condition.get()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }

    protected HttpResponse<String> awaitHttp(String url) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        IOException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = e;
                Thread.sleep(50);
            }
        }
        throw new AssertionError("no answer from " + url + " within " + WAIT, last);
    }

    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("GET " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** User plus system cpu time of a process, in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
