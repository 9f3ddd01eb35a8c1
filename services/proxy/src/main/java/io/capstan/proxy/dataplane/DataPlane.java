package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ClusterSpec;
import io.capstan.proxy.config.InvalidConfigException;
import io.capstan.proxy.config.ListenerSpec;
import io.capstan.proxy.config.LoadAssignmentSpec;
import io.capstan.proxy.config.RouteTable;
import io.capstan.proxy.config.XdsTranslator;
import io.netty.channel.EventLoopGroup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The traffic-carrying half of the proxy: listeners, routes, clusters and upstream pools on one
 * Netty event-loop group. The {@code apply*} methods take validated config and are called by one
 * thread (the xDS thread); everything the event loops read is published through volatile fields.
 */
public final class DataPlane implements AutoCloseable {
    private final UpstreamPools pools = new UpstreamPools();
    private final ClusterManager clusters;
    private final ListenerManager listeners;
    private volatile Map<String, RouteTable> routes = Map.of();
    private List<ListenerSpec> listenerSpecs = List.of();

    public DataPlane(EventLoopGroup group, ProxyMetrics metrics) {
        this.clusters = new ClusterManager(metrics, pools);
        this.listeners = new ListenerManager(this, group);
    }

    public ClusterManager clusters() {
        return clusters;
    }

    UpstreamPools pools() {
        return pools;
    }

    RouteTable route(String name) {
        return routes.get(name);
    }

    public void applyClusters(List<ClusterSpec> specs) {
        clusters.applyClusters(specs);
    }

    public void applyAssignments(List<LoadAssignmentSpec> clas) {
        clusters.applyAssignments(clas);
    }

    /** CDS incremental. */
    public void applyClusterChanges(List<ClusterSpec> upserts, Collection<String> removed) {
        clusters.applyClusterChanges(upserts, removed);
    }

    /** EDS incremental. */
    public void applyAssignmentChanges(List<LoadAssignmentSpec> upserts, Collection<String> removed) {
        clusters.removeAssignments(removed);
        clusters.applyAssignments(upserts);
    }

    /**
     * LDS incremental: {@code upserts} replace the listeners of their names, {@code removed} go.
     * Refused (nothing applied) when two listeners of the result would share a socket address.
     */
    public void applyListenerChanges(List<ListenerSpec> upserts, Collection<String> removed) throws InvalidConfigException {
        Map<String, ListenerSpec> next = new LinkedHashMap<>(listenerSpecs.size() * 2);
        for (ListenerSpec l : listenerSpecs) {
            next.put(l.name(), l);
        }
        next.keySet().removeAll(removed);
        for (ListenerSpec l : upserts) {
            next.put(l.name(), l);
        }
        List<ListenerSpec> all = new ArrayList<>(next.values());
        XdsTranslator.checkUniqueSockets(all);
        applyListeners(all);
    }

    /** RDS incremental. */
    public void applyRouteChanges(List<RouteTable> upserts, Collection<String> removed) {
        Map<String, RouteTable> next = new HashMap<>(routes);
        next.keySet().removeAll(removed);
        for (RouteTable t : upserts) {
            next.put(t.name(), t);
        }
        next.keySet().retainAll(routeNames());
        routes = Map.copyOf(next);
    }

    public void applyListeners(List<ListenerSpec> specs) {
        listenerSpecs = List.copyOf(specs);
        listeners.apply(specs);
    }

    /** RDS responses carry the requested names; a name not in the response keeps its last table. */
    public void applyRoutes(List<RouteTable> tables) {
        Map<String, RouteTable> next = new HashMap<>(routes);
        for (RouteTable t : tables) {
            next.put(t.name(), t);
        }
        next.keySet().retainAll(routeNames());
        routes = Map.copyOf(next);
    }

    /** The RDS names the current listeners refer to (the RDS subscription). */
    public Set<String> routeNames() {
        Set<String> names = new HashSet<>();
        for (ListenerSpec l : listenerSpecs) {
            if (l.filter() instanceof ListenerSpec.HttpConnectionManager hcm && hcm.routeName() != null) {
                names.add(hcm.routeName());
            }
        }
        return names;
    }

    /** Names of the listeners applied now (bound or not). */
    public Set<String> listenerNames() {
        Set<String> names = new HashSet<>();
        for (ListenerSpec l : listenerSpecs) {
            names.add(l.name());
        }
        return names;
    }

    /** Names of the listeners with a bound socket. */
    public Set<String> boundListeners() {
        return listeners.bound();
    }

    /** Names of the listeners whose address could not be bound. */
    public Set<String> failedListeners() {
        return listeners.failed();
    }

    public int idleUpstreamConnections() {
        return pools.idleCount();
    }

    @Override
    public void close() {
        listeners.closeAll();
    }
}
