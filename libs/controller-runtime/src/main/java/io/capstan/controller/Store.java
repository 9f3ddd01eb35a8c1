package io.capstan.controller;

import java.util.List;
import java.util.Optional;

/**
 * A read-only view of an informer's cache. Objects returned are shared with the cache and with
 * other readers: callers must not modify them (copy with the fabric8 builder, e.g.
 * {@code new PodBuilder(pod)}, before editing).
 *
 * <p>Thread-safe; each call sees a consistent state, but two calls may see different states.
 */
public interface Store<T> {

    /** @param namespace {@code ""} or null for cluster-scoped objects */
    Optional<T> get(String namespace, String name);

    /** The object cached under {@code namespace/name} (or {@code name}), see {@link Request#toString()}. */
    Optional<T> getByKey(String key);

    List<T> list();

    List<T> list(String namespace);

    /** Objects whose index {@code indexName} has {@code value}, e.g. pods on a node. */
    List<T> byIndex(String indexName, String value);

    /** The keys ({@code namespace/name}) of every cached object. */
    List<String> keys();

    int size();
}
