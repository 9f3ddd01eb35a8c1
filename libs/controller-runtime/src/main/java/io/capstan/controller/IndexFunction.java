package io.capstan.controller;

import java.util.Collection;

/**
 * Computes the index values of an object, e.g. its namespace or its controller's UID. An object
 * may have several values or none (empty collection). Must be pure and thread-safe: the cache
 * calls it under its write lock for every stored object.
 */
@FunctionalInterface
public interface IndexFunction<T> {
    Collection<String> values(T object);
}
