package io.capstan.mesh.xds;

import com.google.protobuf.Message;
import io.capstan.mesh.translate.MeshResources;
import io.capstan.mesh.translate.MeshResources.GroupResources;
import io.capstan.xds.XdsNames;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps one snapshot per group in java-control-plane's {@link SimpleCache} (keyed by
 * {@link XdsNames#group}). A group is made when its first client appears and rebuilt by every
 * {@link #publish}; each type's version is the hash of its content ({@link TypeVersions}), so a
 * type whose content did not change keeps its version and is not pushed. A snapshot is set only
 * after {@link SnapshotConsistency} passed. {@link #rollback} answers a NACK by putting back the
 * version the client last acknowledged, so SimpleCache does not re-send the rejected one.
 *
 * <p>Thread-safe: every method synchronizes on this object. {@code SimpleCache.setSnapshot}
 * hands responses to the server's send executors and never calls back into the publisher.
 */
public final class SnapshotPublisher {
    private static final Logger LOG = Logger.getLogger(SnapshotPublisher.class);
    /** Versions remembered per group and type for rollbacks. */
    private static final int HISTORY = 8;
    static final List<String> TYPES = List.of(Resources.V3.CLUSTER_TYPE_URL, Resources.V3.ENDPOINT_TYPE_URL,
            Resources.V3.LISTENER_TYPE_URL, Resources.V3.ROUTE_TYPE_URL);

    /** Told about each group snapshot set by a publish, before it is set. */
    public interface PublishListener {
        /**
         * @param changed    the types whose version changed, with the new version
         * @param sinceNanos {@link System#nanoTime()} of the oldest change the publish contains
         */
        void published(String group, Map<String, String> changed, long sinceNanos);
    }

    private static final class Group {
        String nodeIp;
        int clients;
        final Map<String, SnapshotResources<?>> current = new HashMap<>();
        final Map<String, LinkedHashMap<String, SnapshotResources<?>>> history = new HashMap<>();
    }

    private final SimpleCache<String> cache = new SimpleCache<>(XdsNames::group);
    private final XdsMetrics metrics;
    private final PublishListener listener;
    private final TypeVersions versions = new TypeVersions();
    private final Map<String, Map<String, SnapshotResources<?>>> byVersion = new HashMap<>();
    private final Map<String, Group> groups = new HashMap<>();
    /** Check results of this publish by the identity of a group's four lists: groups that share them are checked once. */
    private final Map<ListsKey, List<String>> consistencyMemo = new HashMap<>();
    private final SnapshotConsistency consistency = new SnapshotConsistency();
    private MeshResources resources;

    public SnapshotPublisher(XdsMetrics metrics, PublishListener listener) {
        this.metrics = metrics;
        this.listener = listener;
    }

    public SimpleCache<String> cache() {
        return cache;
    }

    /** True once the first translation was published (clients get answers). */
    public synchronized boolean published() {
        return resources != null;
    }

    /** Sets every group's snapshot from {@code next}; groups without clients are dropped. */
    public synchronized void publish(MeshResources next, long sinceNanos) {
        resources = next;
        versions.nextGeneration();
        consistency.nextGeneration();
        consistencyMemo.clear();
        List<String> idle = new ArrayList<>();
        for (Map.Entry<String, Group> e : groups.entrySet()) {
            if (e.getValue().clients <= 0 && cache.clearSnapshot(e.getKey())) {
                idle.add(e.getKey());
                continue;
            }
            build(e.getKey(), e.getValue(), sinceNanos);
        }
        idle.forEach(groups::remove);
    }

    /**
     * A client of {@code group} appeared (its first request); a group seen for the first time gets
     * its snapshot now, before the server opens the client's first watch.
     *
     * @param nodeIp the client's NODE_IP metadata, or null
     */
    public synchronized void clientConnected(String group, String nodeIp) {
        Group g = groups.get(group);
        boolean isNew = g == null;
        if (isNew) {
            g = new Group();
            groups.put(group, g);
        }
        g.clients++;
        boolean ipChanged = nodeIp != null && !nodeIp.isEmpty() && !nodeIp.equals(g.nodeIp);
        if (ipChanged) {
            g.nodeIp = nodeIp;
        }
        if ((isNew || ipChanged) && resources != null) {
            build(group, g, 0);
        }
    }

    public synchronized void clientDisconnected(String group) {
        Group g = groups.get(group);
        if (g != null) {
            g.clients--;
        }
    }

    /** The version of {@code typeUrl} the group's snapshot holds now, or null. */
    public synchronized String version(String group, String typeUrl) {
        Group g = groups.get(group);
        SnapshotResources<?> r = g == null ? null : g.current.get(typeUrl);
        return r == null ? null : r.version();
    }

    /**
     * Puts back {@code version} of {@code typeUrl} in the group's snapshot after a client NACKed
     * a newer one: SimpleCache answers a request only when its version differs from the
     * snapshot's, so the client is not sent the rejected version again. Without the content of
     * {@code version} (the client never acknowledged one, or it is too old) the current content
     * is kept under the client's version, which also stops the loop. The next publish builds
     * from the cluster state again.
     *
     * @return false when there was nothing to roll back
     */
    public synchronized boolean rollback(String group, String typeUrl, String version) {
        Group g = groups.get(group);
        SnapshotResources<?> current = g == null ? null : g.current.get(typeUrl);
        if (current == null || version == null || current.version().equals(version)) {
            return false;
        }
        SnapshotResources<?> previous = g.history.getOrDefault(typeUrl, new LinkedHashMap<>()).get(version);
        if (previous == null) {
            previous = SnapshotResources.create(current.resources().values(), version);
            LOG.warnf("group %s: no content for %s version '%s'; keeping the rejected content under that version until the next change",
                    group, XdsTypes.shortName(typeUrl), version);
        }
        g.current.put(typeUrl, previous);
        cache.setSnapshot(group, snapshot(g));
        return true;
    }

    private void build(String group, Group g, long sinceNanos) {
        GroupResources r = resources.forGroup(group, g.nodeIp);
        List<String> errors = consistencyMemo.computeIfAbsent(new ListsKey(r), k -> consistency.check(r));
        if (!errors.isEmpty()) {
            metrics.inconsistentSnapshot();
            LOG.errorf("group %s: snapshot not set, it is inconsistent: %s", group, String.join("; ", errors.subList(0, Math.min(10, errors.size()))));
            return;
        }
        Map<String, List<? extends Message>> lists = Map.of(
                Resources.V3.CLUSTER_TYPE_URL, r.clusters(),
                Resources.V3.ENDPOINT_TYPE_URL, r.endpoints(),
                Resources.V3.LISTENER_TYPE_URL, r.listeners(),
                Resources.V3.ROUTE_TYPE_URL, r.routes());
        Map<String, String> changed = new LinkedHashMap<>();
        for (String type : TYPES) {
            List<? extends Message> list = lists.get(type);
            String version = versions.version(list);
            SnapshotResources<?> old = g.current.get(type);
            if (old != null && old.version().equals(version)) {
                continue;
            }
            SnapshotResources<?> res = byVersion.computeIfAbsent(type, t -> lru(64)).computeIfAbsent(version,
                    v -> SnapshotResources.create(list, v));
            g.current.put(type, res);
            g.history.computeIfAbsent(type, t -> lru(HISTORY)).put(version, res);
            changed.put(type, version);
        }
        if (changed.isEmpty()) {
            return;
        }
        if (sinceNanos != 0) {
            listener.published(group, changed, sinceNanos);
        }
        cache.setSnapshot(group, snapshot(g));
    }

    @SuppressWarnings("unchecked")
    private static GroupSnapshot snapshot(Group g) {
        return new GroupSnapshot(
                (SnapshotResources<Cluster>) Objects.requireNonNull(g.current.get(Resources.V3.CLUSTER_TYPE_URL)),
                (SnapshotResources<ClusterLoadAssignment>) g.current.get(Resources.V3.ENDPOINT_TYPE_URL),
                (SnapshotResources<Listener>) g.current.get(Resources.V3.LISTENER_TYPE_URL),
                (SnapshotResources<RouteConfiguration>) g.current.get(Resources.V3.ROUTE_TYPE_URL));
    }

    /** The four lists of a group's resources, compared by identity. */
    private record ListsKey(GroupResources r) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ListsKey k && k.r.clusters() == r.clusters() && k.r.endpoints() == r.endpoints()
                    && k.r.listeners() == r.listeners() && k.r.routes() == r.routes();
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(r.clusters()) ^ 31 * System.identityHashCode(r.endpoints())
                    ^ 961 * System.identityHashCode(r.listeners()) ^ 29791 * System.identityHashCode(r.routes());
        }
    }

    private static <K, V> LinkedHashMap<K, V> lru(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }
}
