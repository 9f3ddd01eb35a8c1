package io.capstan.mesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.capstan.mesh.translate.MeshResources.GroupResources;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The check a group's snapshot passes before it is set ({@code mesh/XDS.md} "Versions and
 * consistency"): names are unique per type, every EDS cluster has a ClusterLoadAssignment (a
 * cluster without one stays warming in Envoy, and SimpleCache never answers an ADS request naming
 * a missing CLA), and every RDS name a listener refers to exists. java-control-plane's
 * {@code ensureConsistent} only recognises the legacy {@code envoy.http_connection_manager} filter
 * name and ignores api listeners, so Capstan checks itself.
 */
public final class SnapshotConsistency {
    private static final String LEGACY_HCM = "envoy.http_connection_manager";

    // the RDS names of each listener, by identity (unpacking every connection manager on every check costs milliseconds)
    private Map<Listener, List<String>> routeRefs = new IdentityHashMap<>();
    private Map<Listener, List<String>> usedRouteRefs = new IdentityHashMap<>();

    /** Forgets the route references of listeners not checked since the last call. */
    public void nextGeneration() {
        routeRefs = usedRouteRefs;
        usedRouteRefs = new IdentityHashMap<>(Math.max(16, routeRefs.size()));
    }

    /** Every problem found; empty when the resources are consistent. Not thread-safe. */
    public List<String> check(GroupResources r) {
        List<String> errors = new ArrayList<>();
        Set<String> clusters = unique(r.clusters(), Cluster::getName, "cluster", errors);
        Set<String> clas = unique(r.endpoints(), ClusterLoadAssignment::getClusterName, "load assignment", errors);
        Set<String> routes = unique(r.routes(), RouteConfiguration::getName, "route", errors);
        unique(r.listeners(), Listener::getName, "listener", errors);
        for (Cluster c : r.clusters()) {
            if (c.getType() == Cluster.DiscoveryType.EDS) {
                String service = c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName() : c.getEdsClusterConfig().getServiceName();
                if (!clas.contains(service)) {
                    errors.add("cluster " + c.getName() + " has no load assignment " + service);
                }
            }
        }
        for (Listener l : r.listeners()) {
            List<String> refs = usedRouteRefs.get(l);
            if (refs == null) {
                refs = routeRefs.get(l);
                if (refs == null) {
                    refs = rdsNames(l);
                }
                usedRouteRefs.put(l, refs);
            }
            for (String route : refs) {
                if (!routes.contains(route)) {
                    errors.add("listener " + l.getName() + " refers to missing route " + route);
                }
            }
        }
        return errors;
    }

    /** The RDS route names a listener refers to, in its filter chains and its api listener. */
    static List<String> rdsNames(Listener listener) {
        List<String> names = new ArrayList<>();
        List<FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
        if (listener.hasDefaultFilterChain()) {
            chains.add(listener.getDefaultFilterChain());
        }
        for (FilterChain chain : chains) {
            for (Filter f : chain.getFiltersList()) {
                if ((XdsNames.HCM_FILTER.equals(f.getName()) || LEGACY_HCM.equals(f.getName())) && f.hasTypedConfig()) {
                    rds(f.getTypedConfig(), names);
                }
            }
        }
        if (listener.hasApiListener()) {
            rds(listener.getApiListener().getApiListener(), names);
        }
        return names;
    }

    private static void rds(Any config, List<String> names) {
        if (!config.is(HttpConnectionManager.class)) {
            return;
        }
        try {
            HttpConnectionManager hcm = config.unpack(HttpConnectionManager.class);
            if (hcm.hasRds()) {
                names.add(hcm.getRds().getRouteConfigName());
            }
        } catch (InvalidProtocolBufferException e) {
            names.add("(unreadable connection manager)");
        }
    }

    private static <T> Set<String> unique(List<T> items, Function<T, String> name, String kind, List<String> errors) {
        Set<String> names = new HashSet<>();
        for (T item : items) {
            if (!names.add(name.apply(item))) {
                errors.add("duplicate " + kind + " " + name.apply(item));
            }
        }
        return names;
    }
}
