package io.capstan.controllers.it;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real etcd, Kafka broker and api-server (publishing the change feed) for the
 * controller-manager under test, which is pointed at them.
 */
public final class Cluster implements QuarkusTestResourceLifecycleManager {
    static volatile EtcdProcess etcd;
    static volatile KafkaProcess kafka;
    static volatile ApiServerProcess apiServer;
    static volatile Path dataDir;

    @Override
    public Map<String, String> start() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        try {
            dataDir = Files.createTempDirectory("capstan-cm-data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "capstan.controller-manager.data-dir", dataDir.toString(),
                "capstan.controller-manager.node-monitor-grace-period", "3s",
                "capstan.controller-manager.default-toleration-seconds", "2",
                "capstan.controller-manager.api-server-url", apiServer.url(),
                "capstan.controller-manager.etcd-endpoints", etcd.endpoint(),
                "capstan.controller-manager.kafka-bootstrap-servers", kafka.bootstrapServers(),
                "capstan.controller-manager.workers", "2");
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
