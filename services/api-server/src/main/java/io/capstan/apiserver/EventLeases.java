package io.capstan.apiserver;

import io.capstan.store.EtcdStore;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Hands out etcd leases for Events so they expire after the event TTL. As kube-apiserver's
 * lease manager does, one lease is shared by all events written within a minute, which keeps
 * the number of leases small; the TTL is stretched by that minute so no event dies early.
 */
public final class EventLeases {
    private static final long REUSE_MILLIS = Duration.ofMinutes(1).toMillis();

    private final EtcdStore etcd;
    private final long ttlSeconds;
    private CompletableFuture<Long> current;
    private long grantedAt;

    public EventLeases(EtcdStore etcd, Duration ttl) {
        this.etcd = etcd;
        this.ttlSeconds = ttl.toSeconds() + REUSE_MILLIS / 1000;
    }

    public synchronized CompletableFuture<Long> lease() {
        long now = System.currentTimeMillis();
        if (current == null || now - grantedAt > REUSE_MILLIS || current.isCompletedExceptionally()) {
            current = etcd.grantLease(ttlSeconds);
            grantedAt = now;
        }
        return current;
    }
}
