package io.capstan.mesh.translate;

import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The translation of the whole cluster, from which each group's resources are assembled
 * ({@link #forGroup}). Lists that are the same for several groups are the same list object, so
 * their versions are computed once.
 */
public final class MeshResources {
    private static final Logger LOG = Logger.getLogger(MeshResources.class);

    /** One group's resources by type. */
    public record GroupResources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                                 List<RouteConfiguration> routes) {
    }

    private final List<Cluster> clusters;
    private final List<Cluster> grpcClusters;
    private final List<ClusterLoadAssignment> endpoints;
    private final List<RouteConfiguration> routes;
    private final List<RouteConfiguration> grpcRoutes;
    private final List<Listener> listeners;
    private final List<Listener> apiListeners;
    private final List<ServiceResources.NodePort> nodePorts;
    private final Map<String, String> nodeIps;
    private final Map<String, List<Listener>> nodeListeners = new HashMap<>();
    private final GroupResources defaultGroup;
    private final GroupResources grpcGroup;

    private final Set<String> warned;

    /** @param warned names already reported as claimed twice (kept by the translator, so a clash is logged once) */
    MeshResources(List<ServiceResources> services, List<ClusterLoadAssignment> endpoints, Map<String, String> nodeIps, Set<String> warned) {
        this.warned = warned;
        List<Cluster> c = new ArrayList<>();
        List<Cluster> gc = new ArrayList<>();
        List<RouteConfiguration> r = new ArrayList<>();
        List<RouteConfiguration> gr = new ArrayList<>();
        List<Listener> l = new ArrayList<>();
        List<Listener> al = new ArrayList<>();
        List<ServiceResources.NodePort> np = new ArrayList<>();
        for (ServiceResources s : services) {
            c.addAll(s.clusters());
            gc.addAll(s.grpcClusters());
            r.addAll(s.httpRoutes());
            gr.addAll(s.grpcRoutes());
            l.addAll(s.listeners());
            al.addAll(s.apiListeners());
            np.addAll(s.nodePorts());
        }
        this.clusters = unique(c, Cluster::getName, "cluster");
        this.grpcClusters = unique(gc, Cluster::getName, "cluster");
        this.endpoints = unique(endpoints, ClusterLoadAssignment::getClusterName, "load assignment");
        this.routes = unique(r, RouteConfiguration::getName, "route");
        this.grpcRoutes = unique(gr, RouteConfiguration::getName, "route");
        this.listeners = unique(l, Listener::getName, "listener");
        this.apiListeners = unique(al, Listener::getName, "listener");
        this.nodePorts = List.copyOf(np);
        this.nodeIps = Map.copyOf(nodeIps);
        this.defaultGroup = new GroupResources(clusters, this.endpoints, listeners, routes);
        this.grpcGroup = new GroupResources(grpcClusters, this.endpoints, apiListeners, grpcRoutes);
    }

    /**
     * The resources of {@code group} ({@link XdsNames#group}): {@code grpc} gets api listeners
     * and a route for every port; {@code node/<name>} gets the cluster-wide listeners plus the
     * NodePort listeners at {@code nodeIp} (the proxy's NODE_IP, else null to use the Node's
     * InternalIP); any other group the cluster-wide listeners.
     */
    public GroupResources forGroup(String group, String nodeIp) {
        if (XdsNames.GROUP_GRPC.equals(group)) {
            return grpcGroup;
        }
        if (!group.startsWith(XdsNames.GROUP_NODE_PREFIX) || nodePorts.isEmpty()) {
            return defaultGroup;
        }
        String ip = nodeIp != null && !nodeIp.isEmpty() ? nodeIp : nodeIps.get(group.substring(XdsNames.GROUP_NODE_PREFIX.length()));
        if (ip == null) {
            return defaultGroup;
        }
        return new GroupResources(clusters, endpoints, nodeListeners.computeIfAbsent(ip, this::withNodePorts), routes);
    }

    private List<Listener> withNodePorts(String ip) {
        List<Listener> all = new ArrayList<>(listeners);
        for (ServiceResources.NodePort np : nodePorts) {
            all.add(XdsTranslator.listener(XdsNames.listenerName(ip, np.port()), ip, np.port(), np.chain(), np.metadata()));
        }
        return unique(all, Listener::getName, "listener");
    }

    /** The Node's InternalIP, or null. */
    public String nodeIp(String nodeName) {
        return nodeIps.get(nodeName);
    }

    /** Names are unique in a snapshot; on a clash (two Services claim one IP and port) the first Service wins. */
    private <T> List<T> unique(List<T> items, Function<T, String> name, String kind) {
        Set<String> seen = new HashSet<>();
        List<T> result = new ArrayList<>(items.size());
        for (T item : items) {
            if (seen.add(name.apply(item))) {
                result.add(item);
            } else if (warned.add(kind + " " + name.apply(item))) {
                LOG.warnf("%s %s is claimed twice; the first Service (by namespace and name) keeps it", kind, name.apply(item));
            }
        }
        return List.copyOf(result);
    }
}
