package io.capstan.scheduler.it;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A real etcd, Kafka broker and api-server (publishing the change feed) for the scheduler under
 * test, which is pointed at them.
 */
public final class SchedulerCluster implements QuarkusTestResourceLifecycleManager {
    static volatile EtcdProcess etcd;
    static volatile KafkaProcess kafka;
    static volatile ApiServerProcess apiServer;

    @Override
    public Map<String, String> start() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        return Map.of(
                "capstan.scheduler.api-server-url", apiServer.url(),
                "capstan.scheduler.etcd-endpoints", etcd.endpoint(),
                "capstan.scheduler.kafka-bootstrap-servers", kafka.bootstrapServers(),
                "capstan.scheduler.lease-ttl", "3s",
                // two profiles: the default one, and one that ignores taints
                "capstan.scheduler.profiles.default-scheduler.percentage-of-nodes-to-score", "0",
                "capstan.scheduler.profiles.taint-blind.disabled", "TaintToleration");
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
