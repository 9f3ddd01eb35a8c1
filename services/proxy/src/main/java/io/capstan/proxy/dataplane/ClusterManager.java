package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ClusterSpec;
import io.capstan.proxy.config.LoadAssignmentSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The clusters and their assignments. Written by the xDS thread only; event loops read the
 * published map. A cluster keeps its endpoints across CDS updates (an unchanged CLA is not sent
 * again), and the last assignment of every EDS name is kept for a cluster that comes back.
 */
public final class ClusterManager {
    private final ProxyMetrics metrics;
    private final UpstreamPools pools;
    private volatile Map<String, UpstreamCluster> clusters = Map.of();
    /** Last ClusterLoadAssignment per EDS name of a current cluster; xDS thread only. */
    private final Map<String, LoadAssignmentSpec> assignments = new HashMap<>();

    ClusterManager(ProxyMetrics metrics, UpstreamPools pools) {
        this.metrics = metrics;
        this.pools = pools;
    }

    public UpstreamCluster get(String name) {
        return clusters.get(name);
    }

    public Map<String, UpstreamCluster> all() {
        return clusters;
    }

    /** The CDS state of the world: clusters not in the list are removed. */
    void applyClusters(List<ClusterSpec> specs) {
        Map<String, UpstreamCluster> current = clusters;
        Map<String, UpstreamCluster> next = new HashMap<>(specs.size() * 2);
        Set<String> edsNames = new HashSet<>();
        for (ClusterSpec s : specs) {
            UpstreamCluster c = current.get(s.name());
            if (c == null || !sameDestination(c.spec(), s)) {
                if (c != null) {
                    c.remove(pools::evict);
                }
                c = new UpstreamCluster(s, metrics.forDestination(s.destinationService()));
                LoadAssignmentSpec known = s.edsName() == null ? null : assignments.get(s.edsName());
                if (known != null) {
                    c.assign(known, pools::evict);
                }
            } else {
                c.updateSpec(s);
            }
            next.put(s.name(), c);
            if (s.edsName() != null) {
                edsNames.add(s.edsName());
            }
        }
        for (Map.Entry<String, UpstreamCluster> old : current.entrySet()) {
            if (!next.containsKey(old.getKey())) {
                old.getValue().remove(pools::evict);
            }
        }
        assignments.keySet().retainAll(edsNames);
        clusters = Map.copyOf(next);
    }

    /** CDS incremental: {@code upserts} replace the clusters of their names, {@code removed} go. */
    void applyClusterChanges(List<ClusterSpec> upserts, Collection<String> removed) {
        Map<String, ClusterSpec> next = new LinkedHashMap<>(clusters.size() * 2);
        for (UpstreamCluster c : clusters.values()) {
            next.put(c.spec().name(), c.spec());
        }
        next.keySet().removeAll(removed);
        for (ClusterSpec s : upserts) {
            next.put(s.name(), s);
        }
        applyClusters(new ArrayList<>(next.values()));
    }

    /**
     * EDS incremental: a removed ClusterLoadAssignment leaves its clusters without endpoints (as
     * Envoy does); the contract always sends one per EDS cluster, so this happens only as the
     * cluster itself goes.
     */
    void removeAssignments(Collection<String> edsNames) {
        if (edsNames.isEmpty()) {
            return;
        }
        Map<String, UpstreamCluster> current = clusters;
        for (String name : edsNames) {
            if (assignments.remove(name) == null) {
                continue;
            }
            LoadAssignmentSpec empty = new LoadAssignmentSpec(name, List.of());
            for (UpstreamCluster c : current.values()) {
                if (name.equals(c.spec().edsName())) {
                    c.assign(empty, pools::evict);
                }
            }
        }
    }

    private static boolean sameDestination(ClusterSpec a, ClusterSpec b) {
        return a.destinationService().equals(b.destinationService()) && java.util.Objects.equals(a.edsName(), b.edsName());
    }

    /** EDS: each assignment replaces the endpoints of the clusters that use its name. */
    void applyAssignments(List<LoadAssignmentSpec> clas) {
        Map<String, UpstreamCluster> current = clusters;
        Set<String> known = edsNames();
        for (LoadAssignmentSpec cla : clas) {
            if (!known.contains(cla.clusterName())) {
                continue;
            }
            assignments.put(cla.clusterName(), cla);
            for (UpstreamCluster c : current.values()) {
                if (cla.clusterName().equals(c.spec().edsName())) {
                    c.assign(cla, pools::evict);
                }
            }
        }
    }

    /** The EDS names the current clusters wait for (the EDS subscription). */
    public Set<String> edsNames() {
        Set<String> names = new HashSet<>();
        for (UpstreamCluster c : clusters.values()) {
            if (c.spec().edsName() != null) {
                names.add(c.spec().edsName());
            }
        }
        return names;
    }

    /** The last assignment of an EDS name, or null. xDS thread only. */
    public LoadAssignmentSpec assignment(String edsName) {
        return assignments.get(edsName);
    }
}
