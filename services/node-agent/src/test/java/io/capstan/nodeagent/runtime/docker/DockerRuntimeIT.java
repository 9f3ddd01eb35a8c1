package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerConfig.Resources;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerInfo.State;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.ContainerRuntime.ImagePullFailure;
import io.capstan.nodeagent.runtime.ContainerRuntimeContract;
import io.capstan.nodeagent.runtime.DnsConfig;
import io.capstan.nodeagent.runtime.ExecSession;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import io.capstan.testkit.Dockerd;
import io.capstan.testkit.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The runtime contract on the docker runtime, against a dockerd of the test's own
 * ({@link Dockerd}: root and docker.io), plus what only the docker runtime does. Nothing is
 * pulled: scripts/build-runtime-images.sh imports the well-known images into that daemon first.
 * The node index is random so runs on one machine do not share a subnet; the daemon, its
 * containers and its bridge network go at the end.
 */
class DockerRuntimeIT extends ContainerRuntimeContract {
    private static final int NODE = ThreadLocalRandom.current().nextInt(100, 250);
    private static final String NETWORK = "capstan-it-" + NODE;

    private Dockerd dockerd;

    @Override
    protected ContainerRuntime newRuntime(Path stateDir) {
        String unavailable = Dockerd.unavailableReason();
        assumeTrue(unavailable == null, unavailable);
        if (dockerd == null) {
            dockerd = Dockerd.start();
            RuntimeImages.importInto(dockerd);
        }
        return new DockerRuntime(stateDir, options());
    }

    private DockerRuntime.Options options() {
        // never pull: a pull would leave the machine (the one pull test goes to loopback)
        return DockerRuntime.Options.forNode(NODE).withDockerHost(dockerd.host())
                .withNetwork(NETWORK, DockerRuntime.defaultSubnet(NODE)).withPullImages(false);
    }

    @Override
    protected String podIp(int n) {
        return "198.19." + NODE + "." + (2 + n % 253);
    }

    @Override
    protected boolean isolates(ContainerRuntime runtime) {
        return true;
    }

    @Override
    protected boolean enforcesLimits(ContainerRuntime runtime) {
        return ((DockerRuntime) runtime).limitsSupported();
    }

    @AfterAll
    void stopDockerd() {
        if (runtime != null) {
            runtime.close();
        }
        if (dockerd != null) {
            dockerd.close();
            assertThat(hostAddresses()).as("the pod network's bridge is gone").doesNotContain("198.19." + NODE + ".1/");
        }
    }

    // ---- docker only ----

    @Test
    void thePauseContainerOwnsThePodsNetworkSoItsContainersShareLocalhostTheAddressAndTheHostname() throws Exception {
        Pod pod = pod();
        ContainerInfo web = runtime.startContainer(pod.container("web", "busybox",
                sh("mkdir -p /tmp/www; echo own localhost > /tmp/www/index.html; exec httpd -f -p 127.0.0.1:8080 -h /tmp/www"))
                .build());
        ContainerInfo poller = awaitExit(runtime.startContainer(pod.container("poller", "busybox",
                sh("for i in $(seq 100); do wget -q -O- http://localhost:8080/ && break; sleep 0.1; done; "
                        + "ip -4 -o addr show eth0 | grep -o 'inet [0-9.]*'; hostname")).build()).id());
        assertThat(poller.exitCode()).as(logText(poller.id())).isZero();
        assertThat(logText(poller.id())).isEqualTo("own localhost\ninet " + pod.ip + "\n" + pod.hostname + "\n");

        try (ExecSession exec = runtime.exec(web.id(), sh("wget -q -O- http://127.0.0.1:8080/"), false)) {
            exec.stdin().close();
            assertThat(new String(exec.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("own localhost\n");
            assertThat(exec.waitFor(Duration.ofSeconds(20))).isZero();
        }
        String pause = dockerd.docker(Duration.ofSeconds(30), "ps", "-q", "--no-trunc", "--filter",
                "label=io.kubernetes.pod.uid=" + pod.uid, "--filter", "label=io.kubernetes.docker.type=podsandbox").output().trim();
        assertThat(dockerd.docker(Duration.ofSeconds(30), "inspect", "--format",
                "{{.HostConfig.NetworkMode}} {{.HostConfig.IpcMode}}", DockerNames.containerName(instance(), web.id()))
                .output().trim()).isEqualTo("container:" + pause + " container:" + pause);
    }

    @Test
    void thePodGetsKubeletsHostsFileAndItsResolverConfiguration() throws Exception {
        String uid = UUID.randomUUID().toString();
        String ip = podIp(ThreadLocalRandom.current().nextInt(200, 250));
        DnsConfig dns = new DnsConfig(List.of("127.0.1." + NODE), List.of("default.svc.cluster.local", "svc.cluster.local"),
                List.of("ndots:5"));
        PodSandboxConfig config = new PodSandboxConfig(uid, "default", "web-0", "web-0", "web", ip, dns);
        PodSandbox sandbox = runtime.runPodSandbox(config);
        try {
            ContainerId id = new ContainerId(uid, "main", 0);
            runtime.startContainer(new ContainerConfig(id, sandbox, config, "busybox",
                    sh("cat /etc/resolv.conf; grep web-0 /etc/hosts; hostname"), List.of(), Map.of(), null,
                    List.of(), Resources.NONE, false, false));
            ContainerInfo done = awaitExit(id);
            assertThat(logText(id)).isEqualTo(dns.resolvConf()
                    + ip + "\tweb-0.web.default.svc.cluster.local\tweb-0\n" + "web-0\n");
            assertThat(done.exitCode()).isZero();
        } finally {
            runtime.removePodSandbox(uid);
        }
    }

    @Test
    void aHostNetworkPodSeesTheHostsLoopback() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<String> greeted = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("hello from the host\n".getBytes(StandardCharsets.UTF_8));
                    s.shutdownOutput();
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            String uid = UUID.randomUUID().toString();
            PodSandboxConfig config = new PodSandboxConfig(uid, "kube-system", "agent", "agent", null, "127.0.0.1", null, true);
            PodSandbox sandbox = runtime.runPodSandbox(config);
            try {
                ContainerId id = new ContainerId(uid, "client", 0);
                runtime.startContainer(new ContainerConfig(id, sandbox, config, "busybox",
                        sh("echo hello from the pod | nc 127.0.0.1 " + server.getLocalPort()), List.of(), Map.of(),
                        null, List.of(), Resources.NONE, false, false));
                ContainerInfo done = awaitExit(id);
                assertThat(greeted.get(20, TimeUnit.SECONDS)).isEqualTo("hello from the pod\n");
                assertThat(logText(id)).isEqualTo("hello from the host\n");
                assertThat(done.exitCode()).isZero();
            } finally {
                runtime.removePodSandbox(uid);
            }
        }
    }

    @Test
    void listContainersIgnoresTheContainersOfAnotherRuntimeOnTheSameDaemon() throws Exception {
        Pod mine = pod();
        ContainerInfo own = runtime.startContainer(mine.container("main", "busybox", sh("sleep 1000")).build());
        Path otherState = Files.createTempDirectory("capstan-runtime-other");
        try (DockerRuntime other = new DockerRuntime(otherState, options())) {
            String uid = UUID.randomUUID().toString();
            String ip = podIp(ThreadLocalRandom.current().nextInt(200, 250));
            PodSandboxConfig config = new PodSandboxConfig(uid, "default", "other", "other", null, ip, null);
            PodSandbox sandbox = other.runPodSandbox(config);
            ContainerId id = new ContainerId(uid, "main", 0);
            other.startContainer(new ContainerConfig(id, sandbox, config, "busybox",
                    sh("sleep 1000"), List.of(), Map.of(), null, List.of(),
                    Resources.NONE, false, false));

            assertThat(other.listContainers()).extracting(ContainerInfo::id).containsExactly(id);
            assertThat(runtime.listContainers()).extracting(ContainerInfo::id).contains(own.id()).doesNotContain(id);
            assertThat(runtime.containerStatus(id)).isEmpty();
            assertThat(other.containerStatus(own.id())).isEmpty();

            other.removePodSandbox(uid);
            assertThat(runtime.containerStatus(own.id()).orElseThrow().state()).isEqualTo(State.RUNNING);
        } finally {
            deleteTree(otherState);
        }
    }

    @Test
    void removingThePodSandboxRemovesThePauseContainerTheContainersAndTheNetworkEndpoint() throws Exception {
        Pod pod = pod();
        runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000")).build());
        awaitExit(runtime.startContainer(pod.container("done", "busybox", sh("true")).build()).id());
        assertThat(podContainers(pod.uid)).hasSize(3);
        assertThat(networkEndpoints()).contains(pod.ip);

        runtime.removePodSandbox(pod.uid);

        assertThat(podContainers(pod.uid)).isEmpty();
        assertThat(networkEndpoints()).doesNotContain(pod.ip);
        // the address is free again at once
        PodSandboxConfig again = new PodSandboxConfig(UUID.randomUUID().toString(), "default", "again", "again", null, pod.ip, null);
        runtime.runPodSandbox(again);
        runtime.removePodSandbox(again.podUid());
    }

    @Test
    void aNewRuntimeCopiesTheLinesWrittenWhileItWasAwayExactlyOnce() throws Exception {
        Pod pod = pod();
        ContainerInfo ticker = runtime.startContainer(pod.container("ticker", "busybox",
                sh("i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo tick $i; echo tock $i >&2; sleep 0.02; done")).build());
        awaitLog(ticker.id(), log -> log.contains("tick 5\n"));
        runtime.close();
        Thread.sleep(300);
        runtime = newRuntime(stateDir);
        runtime.close();
        runtime = newRuntime(stateDir);

        awaitExit(ticker.id());
        List<String> lines = logText(ticker.id()).lines().toList();
        assertThat(lines.stream().filter(l -> l.startsWith("tick ")).toList())
                .isEqualTo(IntStream.rangeClosed(1, 60).mapToObj(i -> "tick " + i).toList());
        assertThat(lines.stream().filter(l -> l.startsWith("tock ")).toList())
                .isEqualTo(IntStream.rangeClosed(1, 60).mapToObj(i -> "tock " + i).toList());
    }

    @Test
    void aPullThatFailsIsAnImagePullFailureWithTheDaemonsReason() throws Exception {
        // a registry on loopback that is not there: the daemon's pull fails without leaving the machine
        String image = "127.0.0.1:" + FreePorts.next() + "/nobody/nothing:1.0";
        Path pullState = Files.createTempDirectory("capstan-runtime-pull");
        try (DockerRuntime pulling = new DockerRuntime(pullState, options().withPullImages(true))) {
            String uid = UUID.randomUUID().toString();
            PodSandboxConfig config = new PodSandboxConfig(uid, "default", "pull", "pull", null,
                    podIp(ThreadLocalRandom.current().nextInt(200, 250)), null);
            PodSandbox sandbox = pulling.runPodSandbox(config);
            try {
                assertThatThrownBy(() -> pulling.startContainer(new ContainerConfig(
                        new ContainerId(uid, "main", 0), sandbox, config, image, List.of(), List.of(), Map.of(),
                        null, List.of(), Resources.NONE, false, false)))
                        .isInstanceOf(ImagePullFailure.class)
                        .hasMessageStartingWith("failed to pull image \"" + image + "\": ")
                        .hasMessageContaining("connection refused");
            } finally {
                pulling.removePodSandbox(uid);
            }
        } finally {
            deleteTree(pullState);
        }
    }

    @Test
    void theRuntimeIsNamedDockerAndListsTheDaemonsImages() {
        DockerRuntime docker = (DockerRuntime) runtime;
        assertThat(docker.name()).isEqualTo("docker");
        assertThat(docker.version()).isNotBlank();
        assertThat(docker.podSubnetPrefix()).isEqualTo("198.19." + NODE);
        assertThat(runtime.images()).contains("busybox:latest", "busybox:1.36", "nginx:stable-alpine", "python:3.12-slim",
                "capstan/echo:1.0");
    }

    // ---- helpers ----

    private String instance() {
        return DockerNames.instance(stateDir);
    }

    private List<String> podContainers(String uid) {
        return dockerd.docker(Duration.ofSeconds(30), "ps", "-aq", "--filter", "label=io.kubernetes.pod.uid=" + uid)
                .output().lines().filter(l -> !l.isBlank()).toList();
    }

    private String networkEndpoints() {
        return dockerd.docker(Duration.ofSeconds(30), "network", "inspect", "--format",
                "{{range .Containers}}{{.IPv4Address}} {{end}}", NETWORK).output();
    }

    private static String hostAddresses() {
        try {
            Process p = new ProcessBuilder("ip", "-4", "-o", "addr", "show").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
