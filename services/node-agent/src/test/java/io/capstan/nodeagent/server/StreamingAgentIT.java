package io.capstan.nodeagent.server;

import io.capstan.testkit.Eventually;
import io.capstan.nodeagent.it.Cluster;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.Kubectl;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming server inside the real node-agent, with its own pod lifecycle and runtime,
 * driven with kubectl 1.33 through a real api-server: the agent's pod directory gives the
 * server the right uid, containers and pod IP, and restarts give --previous its log.
 */
@QuarkusTest
@QuarkusTestResource(value = Cluster.class, restrictToAnnotatedClass = true)
class StreamingAgentIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @ConfigProperty(name = "capstan.node-agent.api-server-url")
    String apiServer;

    private Kubectl kubectl() {
        return new Kubectl("1.33", apiServer);
    }

    @AfterEach
    void cleanUp() {
        kubectl().run("delete", "pods", "--all", "--grace-period=1", "--timeout=60s");
    }

    private void apply(Kubectl k, String yaml) {
        k.runWithInput(yaml.formatted(Cluster.NODE), "apply", "-f", "-").ok();
    }

    @Test
    void logsExecAndPortForwardReachTheAgentsContainers() throws Exception {
        Kubectl k = kubectl();
        int port = FreePorts.next();
        apply(k, """
                apiVersion: v1
                kind: Pod
                metadata: {name: chatty}
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "mkdir -p /tmp/www && echo served > /tmp/www/index.html && httpd -p $POD_IP:PORT -h /tmp/www && i=0 && while true; do i=$((i+1)); echo tick $i; sleep 0.5; done"]
                """.replace("PORT", String.valueOf(port)));
        k.run("wait", "--for=condition=Ready", "pod/chatty", "--timeout=90s").ok();
        eventually("a tick in the log", () -> k.run("logs", "chatty", "--tail=1").stdout().matches("tick \\d+\\n"));

        Kubectl.Result exec = k.run("exec", "chatty", "--", "sh", "-c", "echo $HOSTNAME; exit 3");
        assertThat(exec.exitCode()).isEqualTo(3);
        assertThat(exec.stdout()).isEqualTo("chatty\n");
        assertThat(k.runWithInput("piped\n", "exec", "-i", "chatty", "--", "cat").ok().stdout()).isEqualTo("piped\n");

        try (PortForwardProcess forward = PortForwardProcess.start(k, "chatty", port)) {
            assertThat(forward.curl("/index.html")).isEqualTo("served\n");
        }
    }

    @Test
    void previousShowsTheRunBeforeARestart() {
        Kubectl k = kubectl();
        apply(k, """
                apiVersion: v1
                kind: Pod
                metadata: {name: crasher}
                spec:
                  nodeName: %s
                  volumes:
                  - name: data
                    emptyDir: {}
                  containers:
                  - name: main
                    image: busybox
                    volumeMounts: [{name: data, mountPath: /data}]
                    command: ["sh", "-c", "n=$(cat /data/n 2>/dev/null || echo 0); echo run $n; echo $((n+1)) > /data/n; sleep 1; exit 1"]
                """);
        eventually("a restart", () -> k.run("get", "pod", "crasher", "-o", "jsonpath={.status.containerStatuses[0].restartCount}")
                .stdout().matches("[1-9]\\d*"));
        // The back-off between runs is 10 s or more: both logs are read within one pause.
        String current = k.run("logs", "crasher").ok().stdout();
        String previous = k.run("logs", "crasher", "--previous").ok().stdout();
        assertThat(current).matches("run \\d+\\n");
        int run = Integer.parseInt(current.trim().split(" ")[1]);
        assertThat(previous).isEqualTo("run " + (run - 1) + "\n");
    }

    private static void eventually(String what, BooleanSupplier condition) {
        Eventually.eventually(what, WAIT, condition);
    }
}
