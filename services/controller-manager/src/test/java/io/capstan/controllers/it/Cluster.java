package io.capstan.controllers.it;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A real etcd, Kafka broker and api-server (publishing the change feed) for the
 * controller-manager under test, which is pointed at them.
 */
public final class Cluster implements QuarkusTestResourceLifecycleManager {
    static volatile EtcdProcess etcd;
    static volatile KafkaProcess kafka;
    static volatile ApiServerProcess apiServer;

    @Override
    public Map<String, String> start() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        return Map.of(
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
