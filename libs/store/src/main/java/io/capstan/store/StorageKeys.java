package io.capstan.store;

/**
 * The etcd key scheme: {@code /registry/<group>/<resource>/<namespace>/<name>}, without the group
 * segment for the core group and without the namespace segment for cluster-scoped resources.
 * Collection prefixes end in a slash so that "pods" never matches "podsecuritypolicies".
 */
public final class StorageKeys {
    private StorageKeys() {
    }

    public static String resourcePrefix(String group, String resource) {
        return group == null || group.isEmpty() ? "/registry/" + resource + "/"
                : "/registry/" + group + "/" + resource + "/";
    }

    /** The prefix of one namespace's objects, or of all objects when namespace is null. */
    public static String collection(String group, String resource, String namespace) {
        String prefix = resourcePrefix(group, resource);
        return namespace == null ? prefix : prefix + namespace + "/";
    }

    /** The key of one object; namespace is null for cluster-scoped resources. */
    public static String object(String group, String resource, String namespace, String name) {
        return collection(group, resource, namespace) + name;
    }

    /** An object's namespace (null for a cluster-scoped resource) and name. */
    public record ObjectName(String namespace, String name) {
    }

    /** The inverse of {@link #object}: the namespace and name in the key of one object of this resource. */
    public static ObjectName objectName(String group, String resource, String key) {
        String path = key.substring(resourcePrefix(group, resource).length());
        int slash = path.indexOf('/');
        return slash < 0 ? new ObjectName(null, path) : new ObjectName(path.substring(0, slash), path.substring(slash + 1));
    }
}
