package io.capstan.controller;

import io.capstan.api.feed.ChangeFeed;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The indexed object cache behind an {@link Informer}: objects by key ({@code namespace/name}),
 * plus one inverted index per {@link IndexFunction}. The {@link Indexers#NAMESPACE} index is
 * always present because {@link #list(String)} uses it.
 *
 * <p>Thread-safe: one writer (the informer's feed thread) and any number of readers. All maps
 * are guarded by {@link #lock}; readers share the read lock, so a reader never sees an object
 * whose index entries are half-updated.
 */
public final class Cache<T extends HasMetadata> implements Store<T> {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    // @GuardedBy("lock")
    private final Map<String, IndexFunction<? super T>> indexFunctions = new LinkedHashMap<>();
    // @GuardedBy("lock")
    private final Map<String, T> items = new HashMap<>();
    // @GuardedBy("lock") index name -> index value -> keys
    private final Map<String, Map<String, Set<String>>> indices = new HashMap<>();

    public Cache() {
        this(Map.of());
    }

    /** @param indexFunctions extra indexes by name; the namespace index is added unless given */
    public Cache(Map<String, IndexFunction<? super T>> indexFunctions) {
        addIndex(Indexers.NAMESPACE, Indexers.namespace());
        indexFunctions.forEach(this::addIndex);
    }

    /** Adds (or replaces) an index and indexes every object already cached. */
    public void addIndex(String name, IndexFunction<? super T> function) {
        lock.writeLock().lock();
        try {
            this.indexFunctions.put(name, function);
            Map<String, Set<String>> index = new HashMap<>();
            indices.put(name, index);
            items.forEach((key, object) -> {
                for (String value : function.values(object)) {
                    index.computeIfAbsent(value, v -> new HashSet<>()).add(key);
                }
            });
        } finally {
            lock.writeLock().unlock();
        }
    }

    public static String keyOf(HasMetadata object) {
        return ChangeFeed.key(object.getMetadata().getNamespace(), object.getMetadata().getName());
    }

    /** Stores {@code object}, replacing any object with the same key; returns the replaced one. */
    public Optional<T> put(T object) {
        String key = keyOf(object);
        lock.writeLock().lock();
        try {
            T old = items.put(key, object);
            if (old != null) {
                unindex(key, old);
            }
            index(key, object);
            return Optional.ofNullable(old);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes the object under {@code key}; returns it if there was one. */
    public Optional<T> remove(String key) {
        lock.writeLock().lock();
        try {
            T old = items.remove(key);
            if (old != null) {
                unindex(key, old);
            }
            return Optional.ofNullable(old);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void index(String key, T object) {
        indexFunctions.forEach((name, fn) -> {
            Map<String, Set<String>> index = indices.get(name);
            for (String value : fn.values(object)) {
                index.computeIfAbsent(value, v -> new HashSet<>()).add(key);
            }
        });
    }

    private void unindex(String key, T object) {
        indexFunctions.forEach((name, fn) -> {
            Map<String, Set<String>> index = indices.get(name);
            for (String value : fn.values(object)) {
                Set<String> keys = index.get(value);
                if (keys != null) {
                    keys.remove(key);
                    if (keys.isEmpty()) {
                        // empty sets would pile up for every namespace or node ever seen
                        index.remove(value);
                    }
                }
            }
        });
    }

    @Override
    public Optional<T> get(String namespace, String name) {
        return getByKey(ChangeFeed.key(namespace, name));
    }

    @Override
    public Optional<T> getByKey(String key) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(items.get(key));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<T> list() {
        lock.readLock().lock();
        try {
            return new ArrayList<>(items.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<T> list(String namespace) {
        return byIndex(Indexers.NAMESPACE, Indexers.nullToEmpty(namespace));
    }

    @Override
    public List<T> byIndex(String indexName, String value) {
        lock.readLock().lock();
        try {
            Map<String, Set<String>> index = indices.get(indexName);
            if (index == null) {
                throw new IllegalArgumentException("no index named " + indexName + "; known: " + indices.keySet());
            }
            Collection<String> keys = index.getOrDefault(value, Set.of());
            List<T> result = new ArrayList<>(keys.size());
            for (String key : keys) {
                result.add(items.get(key));
            }
            return result;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<String> keys() {
        lock.readLock().lock();
        try {
            return new ArrayList<>(items.keySet());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return items.size();
        } finally {
            lock.readLock().unlock();
        }
    }
}
