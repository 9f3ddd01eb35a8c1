package io.capstan.apiserver;

import io.capstan.store.StoredObject;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The objects this api-server wrote or read last, as etcd holds them (bytes and revisions), so an
 * update can start from the object it most likely finds instead of reading it from etcd first:
 * kube-apiserver's GuaranteedUpdate does the same with its watch cache's copy. An entry may be
 * stale (another api-server, or a write still in flight); the write's compare-and-swap on the
 * mod revision then fails and hands back the current object, so a stale entry costs one
 * transaction and never a wrong result, as long as callers treat every other outcome reached
 * from an entry (a precondition error, a write that changes nothing) as unconfirmed and read
 * etcd before answering.
 *
 * <p>Bounded in entries and bytes, least recently used first out; thread-safe.
 */
final class RecentObjects {
    private final int maxEntries;
    private final long maxBytes;
    private final int maxObjectBytes;
    private final LinkedHashMap<String, StoredObject> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    RecentObjects(int maxEntries, long maxBytes, int maxObjectBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.maxObjectBytes = maxObjectBytes;
    }

    synchronized StoredObject get(String key) {
        return entries.get(key);
    }

    /**
     * Remembers {@code so} unless a newer revision of its key is already known. Objects on a lease
     * (Events) are not kept: etcd deletes them when it expires, unseen by this server.
     */
    synchronized void put(StoredObject so) {
        if (maxEntries == 0 || so.lease() != 0) {
            return;
        }
        StoredObject known = entries.get(so.key());
        if (known != null && known.modRevision() >= so.modRevision()) {
            return;
        }
        if (known != null) {
            entries.remove(so.key());
            bytes -= known.value().length;
        }
        if (so.value().length > maxObjectBytes) {
            return;
        }
        entries.put(so.key(), so);
        bytes += so.value().length;
        for (Iterator<Map.Entry<String, StoredObject>> it = entries.entrySet().iterator();
             it.hasNext() && (entries.size() > maxEntries || bytes > maxBytes); ) {
            bytes -= it.next().getValue().value().length;
            it.remove();
        }
    }

    /** Forgets {@code key} (deleted, or its entry led to an unconfirmed outcome). */
    synchronized void forget(String key) {
        StoredObject known = entries.remove(key);
        if (known != null) {
            bytes -= known.value().length;
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
