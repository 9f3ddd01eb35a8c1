package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.FileTrees;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerInfo.State;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.ContainerRuntimeContract;
import io.capstan.nodeagent.runtime.ExecSession;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The runtime contract with pod network namespaces ({@code pod-network=netns}), plus what only
 * they do: a pod's own localhost, ports that never clash between pods, and the host's loopback
 * services (Service IPs, node IPs) reachable from inside a pod. Needs root and iproute2; the
 * node index is random so runs on one machine do not share a bridge, and the bridge goes at the end.
 */
class ProcessRuntimeNetnsIT extends ContainerRuntimeContract {
    private static final int NODE = ThreadLocalRandom.current().nextInt(100, 250);
    private static final String SUBNET = ProcessRuntime.netnsSubnetPrefix(NODE);

    @Override
    protected ContainerRuntime newRuntime(Path stateDir) {
        assumeTrue(isRoot() && (Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))),
                "pod network namespaces need root and iproute2");
        return new ProcessRuntime(stateDir, ImageCatalog.builtin(), ProcessRuntime.Options.DEFAULTS.withNetns(NODE));
    }

    @Override
    protected String podIp(int n) {
        return SUBNET + "." + (2 + n % 253);
    }

    @Override
    protected boolean isolates(ContainerRuntime runtime) {
        return ((ProcessRuntime) runtime).capabilities().isolation();
    }

    @Override
    protected boolean enforcesLimits(ContainerRuntime runtime) {
        return ((ProcessRuntime) runtime).capabilities().limits();
    }

    @AfterAll
    void deleteTheBridge() throws Exception {
        if (isRoot()) {
            ip("link", "del", "capbr" + NODE);
        }
    }

    @Test
    void containersOfOnePodShareTheirOwnLocalhostAndSoDoExecSessions() throws Exception {
        Pod pod = pod();
        ContainerInfo web = runtime.startContainer(pod.container("web", "busybox",
                sh("mkdir -p /tmp/www; echo own localhost > /tmp/www/index.html; exec httpd -f -p 127.0.0.1:8080 -h /tmp/www"))
                .build());
        ContainerInfo poller = awaitExit(runtime.startContainer(pod.container("poller", "busybox",
                sh("grep localhost /etc/hosts; for i in $(seq 100); do wget -q -O- http://localhost:8080/ && exit 0; "
                        + "sleep 0.1; done; exit 1")).build()).id());
        assertThat(poller.exitCode()).as(logText(poller.id())).isZero();
        assertThat(logText(poller.id())).isEqualTo("127.0.0.1\tlocalhost\nown localhost\n");

        try (ExecSession exec = runtime.exec(web.id(), sh("wget -q -O- http://127.0.0.1:8080/"), false)) {
            assertThat(new String(exec.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("own localhost\n");
            assertThat(exec.waitFor(Duration.ofSeconds(20))).isZero();
        }
    }

    @Test
    void theTwoContainerFixturesNginxAnswersItsSidecarOnLocalhostAndTheHostOnThePodIp() throws Exception {
        // 03-pod-two-containers.yaml: nginx and a busybox poller of http://localhost:80/; the agent sets POD_IP
        Pod pod = pod();
        runtime.startContainer(pod.container("web", "nginx").env(java.util.Map.of("POD_IP", pod.ip)).build());
        assertThat(awaitHttp("http://" + pod.ip + ":80/").body()).contains("<h1>Welcome to nginx!</h1>");
        ContainerInfo poller = awaitExit(runtime.startContainer(pod.container("poller", "busybox",
                sh("wget -q -O- http://localhost:80/ | grep -c '<h1>Welcome to nginx!</h1>'")).build()).id());
        assertThat(logText(poller.id())).isEqualTo("1\n");
    }

    @Test
    void twoPodsListenOnTheSamePortAndTheHostReachesEachOnItsPodIp() throws Exception {
        Pod first = pod();
        Pod second = pod();
        for (Pod pod : List.of(first, second)) {
            runtime.startContainer(pod.container("web", "busybox", sh("mkdir -p /tmp/www; echo $HOSTNAME > /tmp/www/index.html; "
                    + "exec httpd -f -p 8080 -h /tmp/www")).build());
        }
        assertThat(awaitHttp("http://" + first.ip + ":8080/").body()).isEqualTo(first.hostname + "\n");
        assertThat(awaitHttp("http://" + second.ip + ":8080/").body()).isEqualTo(second.hostname + "\n");
    }

    @Test
    void aPodReachesAListenerOnAServiceIpOfTheHostWhichSeesThePodsAddress() throws Exception {
        String serviceIp = "127.96." + ThreadLocalRandom.current().nextInt(200, 255) + "."
                + ThreadLocalRandom.current().nextInt(1, 255);
        assertHostListenerReachedFromAPod(serviceIp);
    }

    @Test
    void aPodReachesAListenerOnItsNodeIp() throws Exception {
        assertHostListenerReachedFromAPod("127.0.1." + NODE);
    }

    @Test
    void removingTheSandboxLeavesNoNamespaceOrVethBehind() throws Exception {
        Pod pod = pod();
        runtime.startContainer(pod.container("main", "busybox", sh("sleep 1000")).build());
        Path netns = PodNetns.path(NetnsPlan.netnsName(pod.uid));
        Path veth = Path.of("/sys/class/net", NetnsPlan.vethName(pod.uid));
        assertThat(netns).exists();
        assertThat(veth).exists();

        runtime.removePodSandbox(pod.uid);

        assertThat(netns).doesNotExist();
        assertThat(veth).doesNotExist();
        assertThat(stateDir.resolve("netns")).isEmptyDirectory();
    }

    @Test
    void aNewRuntimeKeepsTheNamespacesOfItsPodsAndRemovesThoseOfPodsThatWent() throws Exception {
        Pod kept = pod();
        Pod gone = pod();
        ContainerInfo web = runtime.startContainer(kept.container("web", "busybox",
                sh("mkdir -p /tmp/www; echo still here > /tmp/www/index.html; exec httpd -f -p 8080 -h /tmp/www")).build());
        assertThat(awaitHttp("http://" + kept.ip + ":8080/").body()).isEqualTo("still here\n");
        Path keptNetns = PodNetns.path(NetnsPlan.netnsName(kept.uid));
        Object inode = Files.getAttribute(keptNetns, "unix:ino");
        runtime.close();
        // the pod went while no runtime was there: its directory is all that says so
        FileTrees.delete(gone.sandbox.podDir());

        runtime = newRuntime(stateDir);
        runtime.runPodSandbox(new PodSandboxConfig(kept.uid, "default", kept.hostname, kept.hostname, null, kept.ip, null));

        assertThat(Files.getAttribute(keptNetns, "unix:ino")).isEqualTo(inode);
        assertThat(runtime.containerStatus(web.id()).orElseThrow().state()).isEqualTo(State.RUNNING);
        assertThat(awaitHttp("http://" + kept.ip + ":8080/").body()).isEqualTo("still here\n");
        assertThat(PodNetns.path(NetnsPlan.netnsName(gone.uid))).doesNotExist();
        assertThat(Path.of("/sys/class/net", NetnsPlan.vethName(gone.uid))).doesNotExist();
    }

    /** A listener the test binds on the host at {@code address}; a pod connects and both sides say whom they saw. */
    private void assertHostListenerReachedFromAPod(String address) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    String from = s.getInetAddress().getHostAddress();
                    OutputStream out = s.getOutputStream();
                    out.write(("hello " + from + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    s.shutdownOutput();
                    InputStream in = s.getInputStream();
                    in.readAllBytes();
                    return from;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Pod pod = pod();
            ContainerInfo client = awaitExit(runtime.startContainer(pod.container("client", "busybox",
                    sh("nc " + address + " " + server.getLocalPort() + " </dev/null")).build()).id());
            assertThat(peer.get(20, TimeUnit.SECONDS)).isEqualTo(pod.ip);
            assertThat(client.exitCode()).as(logText(client.id())).isZero();
            assertThat(logText(client.id())).isEqualTo("hello " + pod.ip + "\n");
        }
    }

    private static void ip(String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                .waitFor(30, TimeUnit.SECONDS);
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).map(l -> l.split("\\s+")[2]).anyMatch("0"::equals);
        } catch (IOException e) {
            return false;
        }
    }
}
