package io.capstan.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Objects;

/**
 * What a {@link Reconciler} is asked to reconcile: the namespace and name of one object of the
 * controller's primary type. It carries no object on purpose: reconcilers read the latest state
 * from the informer cache, so a burst of events for one object collapses into one reconcile.
 *
 * @param namespace the namespace, or {@code ""} for cluster-scoped objects (never null)
 * @param name      the object name
 */
public record Request(String namespace, String name) {

    public Request {
        namespace = namespace == null ? "" : namespace;
        Objects.requireNonNull(name, "name");
    }

    public static Request of(HasMetadata object) {
        return new Request(object.getMetadata().getNamespace(), object.getMetadata().getName());
    }

    /** {@code namespace/name}, or {@code name} for cluster-scoped objects: the cache key format. */
    @Override
    public String toString() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }
}
