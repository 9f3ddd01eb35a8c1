package io.capstan.scheduler.framework;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * The nodes one scheduling cycle sees (internalcache.Snapshot). The scheduler cache refreshes it
 * at the start of each cycle by swapping in only the {@link NodeInfo}s whose generation changed,
 * so a cycle costs work proportional to what changed, not to the cluster size. NodeInfos are
 * immutable, so the snapshot needs no lock while the cycle reads it.
 *
 * <p>Owned by the scheduling thread (not thread-safe).
 */
public final class Snapshot {
    private NodeInfo[] nodes = new NodeInfo[0];
    private final Map<String, Integer> index = new HashMap<>();
    private long generation;
    private AffinityTerm.NamespaceLabels namespaceLabels = AffinityTerm.NamespaceLabels.NONE;
    private List<NodeInfo> withAffinity;
    private List<NodeInfo> withRequiredAntiAffinity;
    // how many nodes hold pods with (required anti-)affinity: when none do, which is the common
    // case, the lists above are empty without walking every node each cycle
    private int nodesWithAffinity;
    private int nodesWithRequiredAntiAffinity;
    private final List<NodeInfo> view = new NodeList();

    public static Snapshot of(List<NodeInfo> nodes) {
        Snapshot s = new Snapshot();
        s.rebuild(nodes, 0);
        return s;
    }

    /** Replaces every node (the node set changed). */
    public void rebuild(List<NodeInfo> all, long newGeneration) {
        nodes = all.toArray(new NodeInfo[0]);
        index.clear();
        nodesWithAffinity = 0;
        nodesWithRequiredAntiAffinity = 0;
        for (int i = 0; i < nodes.length; i++) {
            index.put(nodes[i].name(), i);
            count(nodes[i], 1);
        }
        generation = newGeneration;
        invalidate();
    }

    /** Swaps in a newer version of a node already in the snapshot; false if the node is not in it. */
    public boolean replace(NodeInfo node) {
        Integer i = index.get(node.name());
        if (i == null) {
            return false;
        }
        NodeInfo old = nodes[i];
        nodes[i] = node;
        count(old, -1);
        count(node, 1);
        if (!old.podsWithAffinity().isEmpty() || !node.podsWithAffinity().isEmpty()) {
            invalidate();
        }
        return true;
    }

    private void count(NodeInfo n, int delta) {
        if (!n.podsWithAffinity().isEmpty()) {
            nodesWithAffinity += delta;
        }
        if (!n.podsWithRequiredAntiAffinity().isEmpty()) {
            nodesWithRequiredAntiAffinity += delta;
        }
    }

    public void generation(long g) {
        generation = g;
    }

    public long generation() {
        return generation;
    }

    private void invalidate() {
        withAffinity = null;
        withRequiredAntiAffinity = null;
    }

    public void namespaceLabels(AffinityTerm.NamespaceLabels labels) {
        this.namespaceLabels = labels;
    }

    public AffinityTerm.NamespaceLabels namespaceLabels() {
        return namespaceLabels;
    }

    /** Every node, in a stable order (a live view; do not keep it across cycles). */
    public List<NodeInfo> list() {
        return view;
    }

    public int size() {
        return nodes.length;
    }

    public NodeInfo get(String name) {
        Integer i = index.get(name);
        return i == null ? null : nodes[i];
    }

    /** Nodes with at least one pod that has (anti-)affinity terms (HavePodsWithAffinityList). */
    public List<NodeInfo> havePodsWithAffinity() {
        if (nodesWithAffinity == 0) {
            return List.of();
        }
        if (withAffinity == null) {
            List<NodeInfo> l = new ArrayList<>();
            for (NodeInfo n : nodes) {
                if (!n.podsWithAffinity().isEmpty()) {
                    l.add(n);
                }
            }
            withAffinity = l;
        }
        return withAffinity;
    }

    /** Nodes with at least one pod with required anti-affinity terms. */
    public List<NodeInfo> havePodsWithRequiredAntiAffinity() {
        if (nodesWithRequiredAntiAffinity == 0) {
            return List.of();
        }
        if (withRequiredAntiAffinity == null) {
            List<NodeInfo> l = new ArrayList<>();
            for (NodeInfo n : nodes) {
                if (!n.podsWithRequiredAntiAffinity().isEmpty()) {
                    l.add(n);
                }
            }
            withRequiredAntiAffinity = l;
        }
        return withRequiredAntiAffinity;
    }

    @Override
    public String toString() {
        return "Snapshot{" + Arrays.toString(nodes) + "}";
    }

    private final class NodeList extends AbstractList<NodeInfo> implements RandomAccess {
        @Override
        public NodeInfo get(int i) {
            return nodes[i];
        }

        @Override
        public int size() {
            return nodes.length;
        }
    }
}
