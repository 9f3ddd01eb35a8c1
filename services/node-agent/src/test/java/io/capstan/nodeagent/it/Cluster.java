package io.capstan.nodeagent.it;

import io.capstan.testkit.ApiServerProcess;
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
 * A real etcd, Kafka broker and api-server (publishing the change feed) for the node-agent
 * under test, which runs a node named {@link #NODE} with a random node index (so its addresses
 * do not collide with a cluster running on this machine) and fast heartbeats. The init argument
 * {@code pod-network} sets {@code capstan.node-agent.pod-network}.
 */
public final class Cluster implements QuarkusTestResourceLifecycleManager {
    public static final String NODE = "it-node";
    static volatile EtcdProcess etcd;
    static volatile KafkaProcess kafka;
    static volatile ApiServerProcess apiServer;
    static volatile Path stateDir;
    static volatile int index;
    private String podNetwork = "loopback";

    @Override
    public void init(Map<String, String> initArgs) {
        podNetwork = initArgs.getOrDefault("pod-network", podNetwork);
    }

    @Override
    public Map<String, String> start() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        index = ThreadLocalRandom.current().nextInt(100, 250);
        try {
            stateDir = Files.createTempDirectory("capstan-node-agent-it");
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
                Map.entry("capstan.node-agent.pod-network", podNetwork),
                Map.entry("quarkus.http.host", "127.0.1." + index));
    }

    @Override
    public void stop() {
        for (AutoCloseable c : new AutoCloseable[]{apiServer, kafka, etcd}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort teardown
                }
            }
        }
    }
}
