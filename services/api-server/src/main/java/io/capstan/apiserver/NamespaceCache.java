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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Which namespaces exist and are not terminating, from a list and a watch of the namespaces in
 * etcd (kube-apiserver's NamespaceLifecycle admission keeps the same informer cache), so a create
 * need not read its namespace from etcd. Only a positive answer is trusted: a namespace the cache
 * does not know as active (absent, terminating, created a moment ago, or the cache is not synced)
 * is read from etcd by the caller. This api-server's own namespace writes update the cache
 * before they are answered, so its clients always see their own changes.
 *
 * <p>Thread-safe. Every entry carries the revision it was seen at and only a newer one replaces
 * it, so the watch and this server's writes can arrive in any order.
 */
final class NamespaceCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NamespaceCache.class);
    private static final int PAGE = 500;

    private enum State { ACTIVE, TERMINATING, GONE }

    private record Entry(long revision, State state) {
    }

    private final EtcdStore etcd;
    private final String prefix;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "namespace-cache");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean synced;
    private volatile boolean closed;
    private AutoCloseable watch;

    /** @param prefix the storage prefix of namespaces, e.g. {@code /registry/namespaces/} */
    NamespaceCache(EtcdStore etcd, String prefix) {
        this.etcd = etcd;
        this.prefix = prefix;
    }

    /** Lists and starts watching; until that succeeds every question is answered "don't know". */
    NamespaceCache start() {
        load();
        return this;
    }

    /** True only when the namespace is known to exist and not to be terminating. */
    boolean isActive(String name) {
        if (!synced) {
            return false;
        }
        Entry e = entries.get(name);
        return e != null && e.state == State.ACTIVE;
    }

    /** Records a namespace as written at {@code revision}; {@code object} null when deleted. */
    void observe(String name, long revision, JsonNode object) {
        Entry next = new Entry(revision, stateOf(object));
        entries.merge(name, next, (cur, n) -> n.revision >= cur.revision ? n : cur);
    }

    static boolean terminating(JsonNode ns) {
        return ns.path("metadata").has("deletionTimestamp") || "Terminating".equals(ns.path("status").path("phase").asText());
    }

    private static State stateOf(JsonNode object) {
        if (object == null) {
            return State.GONE;
        }
        return terminating(object) ? State.TERMINATING : State.ACTIVE;
    }

    private void load() {
        if (closed) {
            return;
        }
        // Relisting after a broken watch: what is not listed now is gone.
        entries.clear();
        listFrom(null, 0).whenComplete((revision, t) -> {
            if (t != null) {
                LOG.debugf("namespace cache: list failed (%s); retrying", t.getMessage());
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
