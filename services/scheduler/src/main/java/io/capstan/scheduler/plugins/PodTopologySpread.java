package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.Handle;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PreFilterResult;
import io.capstan.scheduler.framework.Selector;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.framework.Taints;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code spec.topologySpreadConstraints}. Filter (DoNotSchedule): placing the pod in the node's
 * domain must keep {@code matching pods there + 1 - global minimum <= maxSkew}, where the minimum
 * is over the eligible domains (nodes passing the pod's node affinity under the default
 * {@code nodeAffinityPolicy: Honor}, and its taints under {@code nodeTaintsPolicy: Honor}), and
 * counts as 0 while fewer than {@code minDomains} domains exist. A node without the topology
 * label is rejected as unresolvable. Score (ScheduleAnyway): fewer matching pods in the node's
 * domain is better, weighted by log(domains + 2) and normalized min-max as Kubernetes does.
 * Kubernetes' system default constraints (for pods without any) are not applied.
 */
public final class PodTopologySpread implements Plugin.PreFilter, Plugin.Filter, Plugin.PreScore, Plugin.Score,
        Plugin.EnqueueExtensions {
    public static final String NAME = "PodTopologySpread";
    public static final String REASON = "node(s) didn't match pod topology spread constraints";
    public static final String REASON_MISSING_LABEL = REASON + " (missing required label)";
    static final String HOSTNAME = "kubernetes.io/hostname";
    private static final String PRE_FILTER_KEY = "PreFilter" + NAME;
    private static final String PRE_SCORE_KEY = "PreScore" + NAME;

    /** A compiled constraint. */
    record Constraint(int maxSkew, String topologyKey, Selector selector, int minDomains, boolean honorAffinity,
                      boolean honorTaints) {
        boolean includes(PodInfo pod, NodeInfo node) {
            if (honorAffinity && !NodeAffinity.matches(pod, node)) {
                return false;
            }
            return !honorTaints || Taints.firstUntoleratedHardTaint(node.taints(), pod.tolerations()) == null;
        }
    }

    /** Matching pod counts per domain, and the minimum per topology key. */
    static final class PreFilterState implements CycleState.Data {
        final List<Constraint> constraints;
        final Map<TopologyPair, Integer> matchNum;

        PreFilterState(List<Constraint> constraints, Map<TopologyPair, Integer> matchNum) {
            this.constraints = constraints;
            this.matchNum = matchNum;
        }

        int domains(String key) {
            int n = 0;
            for (TopologyPair p : matchNum.keySet()) {
                if (p.key().equals(key)) {
                    n++;
                }
            }
            return n;
        }

        int minMatch(String key, int minDomains) {
            int min = Integer.MAX_VALUE;
            int domains = 0;
            for (Map.Entry<TopologyPair, Integer> e : matchNum.entrySet()) {
                if (e.getKey().key().equals(key)) {
                    domains++;
                    min = Math.min(min, e.getValue());
                }
            }
            if (domains == 0 || domains < minDomains) {
                return 0;
            }
            return min;
        }

        @Override
        public CycleState.Data copy() {
            return new PreFilterState(constraints, new HashMap<>(matchNum));
        }
    }

    private record PreScoreState(List<Constraint> constraints, Set<String> ignoredNodes, Map<TopologyPair, long[]> podCounts,
                                 double[] weights) implements CycleState.Data {
        @Override
        public CycleState.Data copy() {
            return this;
        }
    }

    private final Handle handle;

    public PodTopologySpread(Handle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    static List<Constraint> constraints(PodInfo pod, String whenUnsatisfiable) {
        List<TopologySpreadConstraint> all = pod.pod().getSpec() == null ? null : pod.pod().getSpec().getTopologySpreadConstraints();
        if (all == null || all.isEmpty()) {
            return List.of();
        }
        List<Constraint> out = new ArrayList<>();
        for (TopologySpreadConstraint c : all) {
            if (!whenUnsatisfiable.equals(c.getWhenUnsatisfiable())) {
                continue;
            }
            Map<String, String> extra = new LinkedHashMap<>();
            if (c.getMatchLabelKeys() != null) {
                for (String k : c.getMatchLabelKeys()) {
                    String v = pod.labels().get(k);
                    if (v != null) {
                        extra.put(k, v);
                    }
                }
            }
            out.add(new Constraint(c.getMaxSkew() == null ? 1 : c.getMaxSkew(), c.getTopologyKey(), Selector.of(c.getLabelSelector(), extra),
                    c.getMinDomains() == null ? 1 : c.getMinDomains(),
                    !"Ignore".equals(c.getNodeAffinityPolicy()), "Honor".equals(c.getNodeTaintsPolicy())));
        }
        return out;
    }

    private static boolean hasAllKeys(NodeInfo node, List<Constraint> constraints) {
        for (Constraint c : constraints) {
            if (!node.labels().containsKey(c.topologyKey())) {
                return false;
            }
        }
        return true;
    }

    /** Non-terminating pods of {@code namespace} the selector matches; an empty selector counts none. */
    static int countMatching(List<PodInfo> pods, Selector selector, String namespace) {
        if (selector.isEverything() || selector.isNothing()) {
            return 0;
        }
        int n = 0;
        for (PodInfo p : pods) {
            if (!p.terminating() && p.namespace().equals(namespace) && selector.matches(p.labels())) {
                n++;
            }
        }
        return n;
    }

    @Override
    public PreFilterResult preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
        List<Constraint> constraints = constraints(pod, "DoNotSchedule");
        if (constraints.isEmpty()) {
            return PreFilterResult.SKIP;
        }
        Map<TopologyPair, Integer> counts = new HashMap<>();
        for (NodeInfo node : snapshot.list()) {
            if (!hasAllKeys(node, constraints)) {
                continue;
            }
            for (Constraint c : constraints) {
                if (!c.includes(pod, node)) {
                    continue;
                }
                TopologyPair pair = new TopologyPair(c.topologyKey(), node.labels().get(c.topologyKey()));
                counts.merge(pair, countMatching(node.pods(), c.selector(), pod.namespace()), Integer::sum);
            }
        }
        state.write(PRE_FILTER_KEY, new PreFilterState(constraints, counts));
        return PreFilterResult.SUCCESS;
    }

    @Override
    public void addPod(CycleState state, PodInfo pod, PodInfo added, NodeInfo node) {
        update(state, pod, added, node, 1);
    }

    @Override
    public void removePod(CycleState state, PodInfo pod, PodInfo removed, NodeInfo node) {
        update(state, pod, removed, node, -1);
    }

    private void update(CycleState state, PodInfo pod, PodInfo changed, NodeInfo node, int delta) {
        PreFilterState s = state.read(PRE_FILTER_KEY);
        if (s == null || !changed.namespace().equals(pod.namespace()) || !hasAllKeys(node, s.constraints)) {
            return;
        }
        for (Constraint c : s.constraints) {
            if (!c.selector().matches(changed.labels()) || !c.includes(pod, node)) {
                continue;
            }
            s.matchNum.merge(new TopologyPair(c.topologyKey(), node.labels().get(c.topologyKey())), delta, Integer::sum);
        }
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        PreFilterState s = state.read(PRE_FILTER_KEY);
        if (s == null || s.constraints.isEmpty()) {
            return Status.SUCCESS;
        }
        for (Constraint c : s.constraints) {
            String value = node.labels().get(c.topologyKey());
            if (value == null) {
                return Status.unresolvable(REASON_MISSING_LABEL);
            }
            int min = s.minMatch(c.topologyKey(), c.minDomains());
            int self = c.selector().matches(pod.labels()) ? 1 : 0;
            int match = s.matchNum.getOrDefault(new TopologyPair(c.topologyKey(), value), 0);
            if (match + self - min > c.maxSkew()) {
                return Status.unschedulable(REASON);
            }
        }
        return Status.SUCCESS;
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        List<Constraint> constraints = constraints(pod, "ScheduleAnyway");
        if (constraints.isEmpty() || nodes.isEmpty()) {
            return Status.SKIP;
        }
        Set<String> ignored = new HashSet<>();
        Map<TopologyPair, long[]> counts = new HashMap<>();
        int[] sizes = new int[constraints.size()];
        for (NodeInfo node : nodes) {
            if (!hasAllKeys(node, constraints)) {
                ignored.add(node.name());
                continue;
            }
            for (int i = 0; i < constraints.size(); i++) {
                Constraint c = constraints.get(i);
                if (c.topologyKey().equals(HOSTNAME)) {
                    continue;
                }
                TopologyPair pair = new TopologyPair(c.topologyKey(), node.labels().get(c.topologyKey()));
                if (!counts.containsKey(pair)) {
                    counts.put(pair, new long[1]);
                    sizes[i]++;
                }
            }
        }
        double[] weights = new double[constraints.size()];
        for (int i = 0; i < constraints.size(); i++) {
            int size = constraints.get(i).topologyKey().equals(HOSTNAME) ? nodes.size() - ignored.size() : sizes[i];
            weights[i] = Math.log(size + 2);
        }
        for (NodeInfo node : handle.snapshot().list()) {
            if (!hasAllKeys(node, constraints)) {
                continue;
            }
            for (Constraint c : constraints) {
                if (!c.includes(pod, node)) {
                    continue;
                }
                long[] count = counts.get(new TopologyPair(c.topologyKey(), node.labels().get(c.topologyKey())));
                if (count != null) {
                    count[0] += countMatching(node.pods(), c.selector(), pod.namespace());
                }
            }
        }
        state.write(PRE_SCORE_KEY, new PreScoreState(constraints, ignored, counts, weights));
        return Status.SUCCESS;
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo node) {
        PreScoreState s = state.read(PRE_SCORE_KEY);
        if (s == null || s.ignoredNodes().contains(node.name())) {
            return 0;
        }
        double score = 0;
        for (int i = 0; i < s.constraints().size(); i++) {
            Constraint c = s.constraints().get(i);
            String value = node.labels().get(c.topologyKey());
            if (value == null) {
                continue;
            }
            long count;
            if (c.topologyKey().equals(HOSTNAME)) {
                count = countMatching(node.pods(), c.selector(), pod.namespace());
            } else {
                long[] cnt = s.podCounts().get(new TopologyPair(c.topologyKey(), value));
                count = cnt == null ? 0 : cnt[0];
            }
            score += count * s.weights()[i] + (c.maxSkew() - 1);
        }
        return Math.round(score);
    }

    @Override
    public void normalize(CycleState state, PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        PreScoreState s = state.read(PRE_SCORE_KEY);
        if (s == null) {
            return;
        }
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < scores.length; i++) {
            if (s.ignoredNodes().contains(nodes.get(i).name())) {
                continue;
            }
            min = Math.min(min, scores[i]);
            max = Math.max(max, scores[i]);
        }
        for (int i = 0; i < scores.length; i++) {
            if (s.ignoredNodes().contains(nodes.get(i).name())) {
                scores[i] = 0;
            } else if (max == 0) {
                scores[i] = Framework.MAX_NODE_SCORE;
            } else {
                scores[i] = Framework.MAX_NODE_SCORE * (max + min - scores[i]) / max;
            }
        }
    }

    @Override
    public Set<ClusterEvent> events() {
        return EnumSet.of(ClusterEvent.ASSIGNED_POD_ADD, ClusterEvent.ASSIGNED_POD_UPDATE, ClusterEvent.ASSIGNED_POD_DELETE,
                ClusterEvent.NODE_ADD, ClusterEvent.NODE_LABEL_CHANGE, ClusterEvent.NODE_TAINT_CHANGE);
    }
}
