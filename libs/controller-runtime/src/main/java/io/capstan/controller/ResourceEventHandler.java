package io.capstan.controller;

/**
 * Receives an informer's cache changes. All methods are called on the informer's single
 * dispatch thread, in the order the cache changed, so implementations need no locking of their
 * own but must be quick: in a controller they only enqueue a key. Objects are shared with the
 * cache and must not be modified.
 */
public interface ResourceEventHandler<T> {

    default void onAdd(T object) {
    }

    /**
     * A newer version arrived, or a periodic resync re-delivered the cached object (then
     * {@code oldObject} and {@code newObject} have the same resourceVersion).
     */
    default void onUpdate(T oldObject, T newObject) {
    }

    /** The object was deleted; {@code object} is the last state the cache held. */
    default void onDelete(T object) {
    }

    /** A handler that runs {@code changed} on every add, update and delete (a debouncer, a quiet-time clock). */
    static <T> ResourceEventHandler<T> onAnyChange(Runnable changed) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                changed.run();
            }

            @Override
            public void onUpdate(T oldObject, T newObject) {
                changed.run();
            }

            @Override
            public void onDelete(T object) {
                changed.run();
            }
        };
    }
}
