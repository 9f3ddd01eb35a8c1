package io.capstan.store;

import io.capstan.testkit.EtcdProcess;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against a real etcd process. */
class EtcdStoreIT extends StoreContract {
    private static EtcdProcess etcd;
    private static EtcdStore store;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
        store = EtcdStore.connect(etcd.endpoint());
    }

    @AfterAll
    static void stopEtcd() {
        if (store != null) {
            store.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    protected EtcdStore store() {
        return store;
    }
}
