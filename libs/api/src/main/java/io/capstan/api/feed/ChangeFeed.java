package io.capstan.api.feed;

/**
 * The contract of the etcd-to-Kafka change feed (see architecture.md, "How data flows"):
 * <ul>
 *   <li>one topic per resource: {@code capstan.<plural>} for the core group and
 *       {@code capstan.<plural>.<group>} otherwise (kubectl's qualified resource name), e.g.
 *       {@code capstan.pods}, {@code capstan.deployments.apps};</li>
 *   <li>record key {@code namespace/name} ({@code name} alone for cluster-scoped objects), so
 *       every change of one object lands in one partition, in order;</li>
 *   <li>record value a JSON WatchEvent {@code {"type":"ADDED|MODIFIED|DELETED","object":{...}}}
 *       whose {@code object.metadata.resourceVersion} is the etcd mod revision of the change
 *       (for DELETED: the object before deletion, with the revision of the delete);</li>
 *   <li>objects in the resource's storage version;</li>
 *   <li>delivery is at least once and ordered per key: consumers drop events whose
 *       resourceVersion is not newer than what they hold.</li>
 * </ul>
 */
public final class ChangeFeed {
    public static final String TOPIC_PREFIX = "capstan.";
    /** Header carrying the etcd revision as decimal text, for consumers that skip parsing. */
    public static final String REVISION_HEADER = "capstan-revision";

    private ChangeFeed() {
    }

    public static String topic(String group, String plural) {
        return group == null || group.isEmpty() ? TOPIC_PREFIX + plural : TOPIC_PREFIX + plural + "." + group;
    }

    public static String key(String namespace, String name) {
        return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    }
}
