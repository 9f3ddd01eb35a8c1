package io.capstan.nodeagent.runtime.docker;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.Dockerd;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real etcd, Kafka broker and api-server, and a dockerd of the test's own with the well-known
 * images, for a node-agent with {@code runtime=docker} (never pulling) on a random node index.
 * Without root or docker.io it starts nothing and says why ({@link #unavailable}); the test skips.
 */
public final class DockerCluster implements QuarkusTestResourceLifecycleManager {
    static final String NODE = "docker-node";
    static volatile String unavailable;
    static volatile EtcdProcess etcd;
    static volatile KafkaProcess kafka;
    static volatile ApiServerProcess apiServer;
    static volatile Dockerd dockerd;
    static volatile Path stateDir;
    static volatile int index;

    @Override
    public Map<String, String> start() {
        unavailable = Dockerd.unavailableReason();
        if (unavailable != null) {
            // the agent runs the process runtime here; the test skips before it uses it
            return Map.of("capstan.node-agent.node-name", NODE, "capstan.node-agent.api-server-url", "http://127.0.0.1:1");
        }
        dockerd = Dockerd.start();
        RuntimeImages.importInto(dockerd);
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        index = ThreadLocalRandom.current().nextInt(100, 250);
        try {
            stateDir = Files.createTempDirectory("capstan-node-agent-docker-it");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.ofEntries(
                Map.entry("capstan.node-agent.node-name", NODE),
                Map.entry("capstan.node-agent.node-index", String.valueOf(index)),
                Map.entry("capstan.node-agent.api-server-url", apiServer.url()),
                Map.entry("capstan.node-agent.kafka-bootstrap-servers", kafka.bootstrapServers()),
                Map.entry("capstan.node-agent.state-dir", stateDir.toString()),
                Map.entry("capstan.node-agent.lease-renew-interval", "2s"),
                Map.entry("capstan.node-agent.node-status-update-interval", "2s"),
                Map.entry("capstan.node-agent.pod-resync-interval", "10s"),
                Map.entry("capstan.node-agent.runtime", "docker"),
                Map.entry("capstan.node-agent.docker.host", dockerd.host()),
                Map.entry("capstan.node-agent.docker.network", "capstan-it-agent-" + index),
                Map.entry("capstan.node-agent.docker.pull-images", "false"),
                // an advertised address other than 127.0.1.N: kubectl logs and exec reach the agent there
                Map.entry("capstan.node-agent.node-ip", nodeIp()),
                Map.entry("quarkus.http.host", nodeIp()));
    }

    static String nodeIp() {
        return "127.0.2." + index;
    }

    @Override
    public void stop() {
        // the agent has stopped and left its containers running: the daemon's close removes them and the network
        for (AutoCloseable c : new AutoCloseable[]{apiServer, kafka, etcd, dockerd}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort teardown
                }
            }
        }
        if (stateDir != null) {
            try (var paths = Files.walk(stateDir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // a temporary directory: best effort
            }
        }
    }
}
