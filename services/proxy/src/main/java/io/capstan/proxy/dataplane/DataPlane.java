package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ClusterSpec;
import io.capstan.proxy.config.ListenerSpec;
import io.capstan.proxy.config.LoadAssignmentSpec;
import io.capstan.proxy.config.RouteTable;
import io.netty.channel.EventLoopGroup;

import java.util.HashMap;
import java.util.HashSet;
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
