package io.capstan.mesh.it;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A real etcd, Kafka broker and api-server (publishing the change feed) for the control plane
 * under test, which is pointed at them and serves xDS on a free loopback port.
 */
public final class MeshCluster implements QuarkusTestResourceLifecycleManager {
    static volatile EtcdProcess etcd;
    static volatile KafkaProcess kafka;
    static volatile ApiServerProcess apiServer;
    static volatile int xdsPort;

    @Override
    public Map<String, String> start() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        xdsPort = FreePorts.next();
        return Map.of(
                "capstan.mesh.api-server-url", apiServer.url(),
                "capstan.mesh.kafka-bootstrap-servers", kafka.bootstrapServers(),
                "capstan.mesh.xds-port", Integer.toString(xdsPort));
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
