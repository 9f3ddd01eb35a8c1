package io.capstan.store;

/**
 * One change seen by a watch. For {@code DELETED}, {@code value} is the object as it was before
 * the delete and {@code revision} is the revision of the delete itself.
 */
public record StoreEvent(Type type, String key, byte[] value, long revision, byte[] previousValue) {
    public enum Type { ADDED, MODIFIED, DELETED }
}
