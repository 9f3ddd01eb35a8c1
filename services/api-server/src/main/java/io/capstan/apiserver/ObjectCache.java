package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.store.EtcdStore;
import io.capstan.store.ListPage;
import io.capstan.store.StoreEvent;
import io.capstan.store.StoreException;
import io.capstan.store.StoredObject;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The objects under one storage prefix, from a list and a watch of etcd, for admission checks that
 * kube-apiserver answers from informer caches: which namespaces exist and are not terminating
 * (NamespaceLifecycle), which PriorityClasses exist (Priority). Only a positive answer is
 * trusted: an object the cache does not know (absent, created a moment ago, or the cache is not
 * synced) is read from etcd by the caller. This api-server's own writes update the cache before
 * they are answered, so its clients always see their own changes.
 *
 * <p>Thread-safe. Every entry carries the revision it was seen at and only a newer one replaces
 * it, so the watch and this server's writes can arrive in any order. Meant for small, cluster-wide
 * kinds: it keeps every object.
 */
final class ObjectCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ObjectCache.class);
    private static final int PAGE = 500;

    /** {@code object} is null for a deleted object (kept so an older event cannot revive it). */
    private record Entry(long revision, JsonNode object) {
    }

    private final EtcdStore etcd;
    private final String prefix;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "object-cache");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean synced;
    private volatile boolean closed;
    private AutoCloseable watch;

    /** @param prefix the storage prefix, e.g. {@code /registry/namespaces/} */
    ObjectCache(EtcdStore etcd, String prefix) {
        this.etcd = etcd;
        this.prefix = prefix;
    }

    /** Lists and starts watching; until that succeeds every question is answered "don't know". */
    ObjectCache start() {
        load();
        return this;
    }

    /** True once listed and watching; until then nothing is known. */
    boolean synced() {
        return synced;
    }

    /** The object when the cache is synced and knows it; empty means "ask etcd". */
    Optional<JsonNode> get(String name) {
        if (!synced) {
            return Optional.empty();
        }
        Entry e = entries.get(name);
        return e == null ? Optional.empty() : Optional.ofNullable(e.object);
    }

    /** Every live object, when synced. */
    List<JsonNode> objects() {
        return entries.values().stream().map(Entry::object).filter(Objects::nonNull).toList();
    }

    /** Records an object as written at {@code revision}; {@code object} null when deleted. */
    void observe(String name, long revision, JsonNode object) {
        Entry next = new Entry(revision, object);
        entries.merge(name, next, (cur, n) -> n.revision >= cur.revision ? n : cur);
    }

    private void load() {
        if (closed) {
            return;
        }
        // Relisting after a broken watch: what is not listed now is gone.
        entries.clear();
        listFrom(null, 0).whenComplete((revision, t) -> {
            if (t != null) {
                LOG.debugf("object cache %s: list failed (%s); retrying", prefix, t.getMessage());
                scheduleReload();
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                watch = etcd.watch(prefix, revision, this::onEvents, this::onError);
            }
            synced = true;
        });
    }

    private CompletableFuture<Long> listFrom(String start, long revision) {
        return etcd.list(prefix, start, revision, PAGE).thenCompose(page -> {
            record(page);
            return page.hasMore() ? listFrom(page.nextKey(), page.revision()) : CompletableFuture.completedFuture(page.revision());
        });
    }

    private void record(ListPage page) {
        for (StoredObject so : page.items()) {
            String name = so.key().substring(prefix.length());
            try {
                observe(name, so.modRevision(), KubeJson.read(so.value()));
            } catch (RuntimeException e) {
                entries.remove(name);
            }
        }
    }

    private void onEvents(List<StoreEvent> events) {
        for (StoreEvent e : events) {
            String name = e.key().substring(prefix.length());
            if (e.type() == StoreEvent.Type.DELETED) {
                observe(name, e.revision(), null);
                continue;
            }
            try {
                observe(name, e.revision(), KubeJson.read(e.value()));
            } catch (RuntimeException ex) {
                entries.remove(name);
            }
        }
    }

    /** A broken watch (compaction, etcd gone) makes the cache unsynced until it has relisted. */
    private void onError(StoreException e) {
        synced = false;
        synchronized (this) {
            closeWatch();
        }
        scheduleReload();
    }

    private void scheduleReload() {
        if (!closed) {
            retry.schedule(this::load, 1, TimeUnit.SECONDS);
        }
    }

    private void closeWatch() {
        AutoCloseable w = watch;
        watch = null;
        if (w != null) {
            try {
                w.close();
            } catch (Exception ignored) {
                // the watch is gone either way
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        synced = false;
        closeWatch();
        retry.shutdownNow();
    }
}
