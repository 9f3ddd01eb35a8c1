package io.capstan.apiserver;

import io.capstan.testkit.EtcdProcess;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Starts a real etcd for a Quarkus test run and points the api-server at it. */
public class EtcdTestResource implements QuarkusTestResourceLifecycleManager {
    static EtcdProcess etcd;

    @Override
    public Map<String, String> start() {
        etcd = EtcdProcess.start();
        return Map.of("capstan.apiserver.etcd-endpoints", etcd.endpoint(),
                "capstan.apiserver.compaction-interval", "1h");
    }

    @Override
    public void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }
}
