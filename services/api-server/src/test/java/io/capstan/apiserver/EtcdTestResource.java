package io.capstan.apiserver;

import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Starts a real etcd and a real Kafka broker for a Quarkus test run and points the api-server at them. */
public class EtcdTestResource implements QuarkusTestResourceLifecycleManager {
    static EtcdProcess etcd;
    static KafkaProcess kafka;

    @Override
    public Map<String, String> start() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        return Map.of("capstan.apiserver.etcd-endpoints", etcd.endpoint(),
                "capstan.apiserver.compaction-interval", "1h",
                "capstan.kafka.bootstrap-servers", kafka.bootstrapServers());
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }
}
