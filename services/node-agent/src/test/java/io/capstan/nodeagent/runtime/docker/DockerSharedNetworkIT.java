package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerConfig.Resources;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerInfo.State;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import io.capstan.testkit.Dockerd;
import io.capstan.testkit.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import java.nio.file.Path;
import java.time.Duration;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static io.capstan.nodeagent.runtime.ContainerRuntimeContract.awaitExit;
import static io.capstan.nodeagent.runtime.ContainerRuntimeContract.logText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The docker runtime with a shared network ({@code container:<x>}, {@code host}): every pod's
 * pause container joins one network namespace and pods are addresses on its loopback
 * (127.244.N.0/24), as the process runtime's loopback pod network. A busybox "node" container
 * stands in for the node-agent's own container, where the node's Services listen on loopback.
 * Against a dockerd of the test's own (root and docker.io); traffic stays on loopback.
 */
class DockerSharedNetworkIT {
    private static final int NODE = ThreadLocalRandom.current().nextInt(100, 250);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration CLI = Duration.ofSeconds(60);

    private static Dockerd dockerd;
    private static String node;

    @BeforeAll
    static void startDockerd() {
        String unavailable = Dockerd.unavailableReason();
        assumeTrue(unavailable == null, unavailable);
        dockerd = Dockerd.start();
        RuntimeImages.importInto(dockerd);
        node = dockerd.docker(CLI, "run", "-d", "--name", "capstan-node-" + NODE, "busybox", "sleep", "3600")
                .orFail().output().trim();
    }

    @AfterAll
    static void stopDockerd() {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    @Test
    void podsJoinTheNodeContainersNamespaceAndReachEachOtherAndItsServicesOnLoopback(@TempDir Path stateDir)
            throws Exception {
        // a Service's stand-in: a server of the "node" on a cluster IP, on the node's loopback
        String serviceIp = "127.96." + NODE + ".10";
        dockerd.docker(CLI, "exec", "-d", node, "sh", "-c", "mkdir -p /tmp/svc && echo service > /tmp/svc/index.html"
                + " && exec httpd -f -p " + serviceIp + ":8080 -h /tmp/svc").orFail();
        try (DockerRuntime runtime = runtime(stateDir, "container:capstan-node-" + NODE)) {
            assertThat(runtime.sharedNetwork()).isTrue();
            assertThat(runtime.podSubnetPrefix()).as("no subnet of the runtime's: the agent allocates on loopback").isNull();

            String ipA = "127.244." + NODE + ".1";
            String uidA = UUID.randomUUID().toString();
            PodSandboxConfig a = new PodSandboxConfig(uidA, "default", "web-a", "web-a", null, ipA, null);
            PodSandbox sandboxA = runtime.runPodSandbox(a);
            start(runtime, sandboxA, a, "web", "mkdir -p /tmp/www; echo pod a > /tmp/www/index.html;"
                    + " echo own localhost > /tmp/www/local.html; httpd -p 127.0.0.1:8082 -h /tmp/www;"
                    + " exec httpd -f -p " + ipA + ":8081 -h /tmp/www");
            ContainerId check = start(runtime, sandboxA, a, "check", retry("wget -q -O- http://localhost:8082/local.html")
                    + "echo $HOSTNAME; grep -w web-a /etc/hosts | cut -f1");
            assertThat(awaitExit(runtime, check, WAIT).exitCode()).as(logText(runtime, check)).isZero();
            assertThat(logText(runtime, check)).isEqualTo("own localhost\nweb-a\n" + ipA + "\n");

            String uidB = UUID.randomUUID().toString();
            PodSandboxConfig b = new PodSandboxConfig(uidB, "default", "client", "client", null,
                    "127.244." + NODE + ".2", null);
            PodSandbox sandboxB = runtime.runPodSandbox(b);
            ContainerId client = start(runtime, sandboxB, b, "client", retry("wget -q -O- http://" + ipA + ":8081/")
                    + retry("wget -q -O- http://" + serviceIp + ":8080/"));
            assertThat(awaitExit(runtime, client, WAIT).exitCode()).as(logText(runtime, client)).isZero();
            assertThat(logText(runtime, client)).isEqualTo("pod a\nservice\n");

            // the pause container is in the node's namespace, the pod's containers in the pause container's
            String pause = inspect(DockerNames.sandboxName(instance(stateDir), uidA), "{{.Id}}");
            assertThat(inspect(pause, "{{.HostConfig.NetworkMode}} {{.HostConfig.IpcMode}}"))
                    .isEqualTo("container:" + node + " shareable");
            assertThat(inspect(DockerNames.containerName(instance(stateDir), check), "{{.HostConfig.NetworkMode}} "
                    + "{{.HostConfig.IpcMode}}")).isEqualTo("container:" + pause + " container:" + pause);

            runtime.removePodSandbox(uidA);
            runtime.removePodSandbox(uidB);
            assertThat(podContainers(uidA)).as("the pod's containers go with its sandbox").isEmpty();
            assertThat(podContainers(uidB)).isEmpty();
            assertThat(inspect(node, "{{.State.Running}}")).isEqualTo("true");
        }
    }

    @Test
    void withTheHostsNetworkPodsAreOnItsLoopbackAndKeepTheirHostname(@TempDir Path stateDir) throws Exception {
        int port = FreePorts.next();
        try (DockerRuntime runtime = runtime(stateDir, "host")) {
            assertThat(runtime.podSubnetPrefix()).isNull();
            String ipA = "127.244." + NODE + ".3";
            String uidA = UUID.randomUUID().toString();
            PodSandboxConfig a = new PodSandboxConfig(uidA, "default", "web-h", "web-h", null, ipA, null);
            PodSandbox sandboxA = runtime.runPodSandbox(a);
            start(runtime, sandboxA, a, "web", "mkdir -p /tmp/www; echo on host loopback > /tmp/www/index.html;"
                    + " exec httpd -f -p " + ipA + ":" + port + " -h /tmp/www");
            String uidB = UUID.randomUUID().toString();
            PodSandboxConfig b = new PodSandboxConfig(uidB, "default", "client-h", "client-h", null,
                    "127.244." + NODE + ".4", null);
            PodSandbox sandboxB = runtime.runPodSandbox(b);
            ContainerId client = start(runtime, sandboxB, b, "client", retry("wget -q -O- http://" + ipA + ":" + port + "/")
                    + "hostname");
            assertThat(awaitExit(runtime, client, WAIT).exitCode()).as(logText(runtime, client)).isZero();
            assertThat(logText(runtime, client)).isEqualTo("on host loopback\nclient-h\n");

            runtime.removePodSandbox(uidA);
            runtime.removePodSandbox(uidB);
            assertThat(podContainers(uidA)).isEmpty();
            assertThat(podContainers(uidB)).isEmpty();
        }
    }

    private static DockerRuntime runtime(Path stateDir, String network) {
        return new DockerRuntime(stateDir, DockerRuntime.Options.forNode(NODE).withDockerHost(dockerd.host())
                .withNetwork(network, DockerRuntime.defaultSubnet(NODE)).withPullImages(false));
    }

    /** The runtime's instance name, as DockerRuntime derives it from its state directory. */
    private static String instance(Path stateDir) {
        return DockerNames.instance(stateDir.toAbsolutePath());
    }

    private static ContainerId start(DockerRuntime runtime, PodSandbox sandbox, PodSandboxConfig pod, String name,
                                     String script) throws Exception {
        ContainerId id = new ContainerId(pod.podUid(), name, 0);
        runtime.startContainer(new ContainerConfig(id, sandbox, pod, "busybox", List.of("/bin/sh", "-c", script),
                List.of(), Map.of(), null, List.of(), Resources.NONE, false, false));
        return id;
    }

    /** The command, tried for up to 10 s until it succeeds (a server of another container may not listen yet). */
    private static String retry(String command) {
        return "for i in $(seq 100); do " + command + " && break; sleep 0.1; done; ";
    }

    private static String inspect(String container, String format) {
        return dockerd.docker(CLI, "inspect", "--format", format, container).orFail().output().trim();
    }

    private static String podContainers(String uid) {
        return dockerd.docker(CLI, "ps", "-aq", "--filter", "label=io.kubernetes.pod.uid=" + uid).orFail().output().trim();
    }
}
