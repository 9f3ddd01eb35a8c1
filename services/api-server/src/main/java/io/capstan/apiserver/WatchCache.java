package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.store.EtcdStore;
import io.capstan.store.StoreEvent;
import io.capstan.store.StoreException;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One etcd watch per resource, shared by every client watch of it (kube-apiserver's watch
 * cache, reduced to what fan-out needs): each change is decoded once, encoded once per event
 * type, and handed to all subscribers, with a bounded buffer of recent events so a watcher that
 * starts from a recent resourceVersion is replayed what it missed. A watcher from a revision
 * older than the buffer gets nothing here and uses its own etcd watch (which answers 410 once
 * that history is compacted).
 *
 * <p>Thread-safe. Subscriber callbacks run under the cache's lock on etcd's delivery thread, in
 * revision order, and must only hand work off.
 */
final class WatchCache {
    private static final int CAPACITY = 2048;

    private final EtcdStore etcd;
    private final String prefix;
    private final ArrayDeque<CachedEvent> buffer = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private AutoCloseable watch;
    /** Every event after this revision is in the buffer or still to come. */
    private long servableAfter = Long.MAX_VALUE;

    WatchCache(EtcdStore etcd, String prefix) {
        this.etcd = etcd;
        this.prefix = prefix;
    }

    /**
     * A change; its trees are decoded when a subscriber asks for them (one with selectors), and
     * {@link #encoded(String, boolean)} caches the WatchEvent bytes per event type.
     */
    static final class CachedEvent {
        final StoreEvent.Type type;
        final long revision;
        /** The storage key: it names the object's namespace and name. */
        final String key;
        /** Decoded trees, kept only while the event is handed out (under the cache's lock), then dropped: see {@link #compact()}. */
        private ObjectNode object;
        private ObjectNode previous;
        private final byte[] objectBytes;
        private final byte[] previousBytes;
        private final ConcurrentHashMap<String, byte[]> encoded = new ConcurrentHashMap<>(2);

        CachedEvent(StoreEvent e) {
            this.type = e.type();
            this.revision = e.revision();
            this.key = e.key();
            this.objectBytes = e.value();
            this.previousBytes = e.previousValue();
        }

        /** Whether the event carries an object (without decoding it). */
        boolean hasObject() {
            return objectBytes != null;
        }

        /** The object (with its resourceVersion), decoded again if it was dropped; null when none. Call under the cache's lock. */
        ObjectNode object() {
            if (object == null && objectBytes != null) {
                object = ResourceStore.withRevision((ObjectNode) KubeJson.read(objectBytes), revision);
            }
            return object;
        }

        /** The previous object (with this event's resourceVersion), as {@link #object()}. */
        ObjectNode previous() {
            if (previous == null && previousBytes != null) {
                previous = ResourceStore.withRevision((ObjectNode) KubeJson.read(previousBytes), revision);
            }
            return previous;
        }

        /**
         * Drops the decoded trees once every subscriber has seen the event: the buffer then holds
         * the stored bytes only (a decoded pod is several times larger), and a late subscriber's
         * replay decodes again.
         */
        void compact() {
            object = null;
            previous = null;
        }

        /**
         * {@code {"type":eventType,"object":o}} as bytes, made from the stored bytes, where o is the
         * object, or the previous one ({@code ofPrevious}) for a synthetic DELETED.
         */
        byte[] encoded(String eventType, boolean ofPrevious) {
            byte[] stored = ofPrevious ? previousBytes : objectBytes;
            return encoded.computeIfAbsent(ofPrevious ? eventType + "/previous" : eventType,
                    k -> StoredJson.watchEvent(eventType, stored, revision));
        }
    }

    private record Subscriber(Consumer<CachedEvent> onEvent, Consumer<StoreException> onError) {
    }

    /**
     * Subscribes to every change after {@code afterRevision}, replaying buffered ones first.
     * Returns null when that revision is older than the cache can serve; the caller then
     * watches etcd itself. Close the returned handle to unsubscribe.
     */
    synchronized AutoCloseable subscribe(long afterRevision, Consumer<CachedEvent> onEvent, Consumer<StoreException> onError) {
        if (watch == null) {
            servableAfter = afterRevision;
            watch = etcd.watch(prefix, afterRevision, this::onEvents, this::onError);
        }
        if (afterRevision < servableAfter) {
            return null;
        }
        for (CachedEvent e : buffer) {
            if (e.revision > afterRevision) {
                onEvent.accept(e);
                e.compact();
            }
        }
        Subscriber s = new Subscriber(onEvent, onError);
        subscribers.add(s);
        return () -> {
            synchronized (WatchCache.this) {
                subscribers.remove(s);
            }
        };
    }

    private synchronized void onEvents(List<StoreEvent> events) {
        for (StoreEvent e : events) {
            CachedEvent ce = new CachedEvent(e);
            buffer.addLast(ce);
            while (buffer.size() > CAPACITY) {
                servableAfter = buffer.removeFirst().revision;
            }
            for (Subscriber s : List.copyOf(subscribers)) {
                s.onEvent.accept(ce);
            }
            ce.compact();
        }
    }

    /** A failed shared watch ends every subscriber's stream; the next subscriber starts afresh. */
    private synchronized void onError(StoreException e) {
        List<Subscriber> ended = List.copyOf(subscribers);
        subscribers.clear();
        buffer.clear();
        servableAfter = Long.MAX_VALUE;
        close();
        ended.forEach(s -> s.onError.accept(e));
    }

    synchronized void close() {
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
}
