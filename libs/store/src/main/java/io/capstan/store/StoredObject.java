package io.capstan.store;

/**
 * A value read from etcd with its revisions. {@code modRevision} is the object's
 * resourceVersion; {@code createRevision} tells creation apart from update in a watch.
 */
public record StoredObject(String key, byte[] value, long modRevision, long createRevision, long lease) {
}
