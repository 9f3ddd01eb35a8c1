package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.AffinityTerm;
import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.Handle;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PreFilterResult;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.framework.WeightedAffinityTerm;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code affinity.podAffinity} and {@code affinity.podAntiAffinity} between pods, per topology
 * domain (a node label such as {@code kubernetes.io/hostname} or a zone).
 *
 * <p>Filter, from counts PreFilter takes once per cycle over the snapshot:
 * <ul>
 *   <li>every required affinity term must have a matching pod in the node's domain ("node(s)
 *       didn't match pod affinity rules", unresolvable), except for the first pod of a group
 *       that matches its own terms when no pod matches yet;</li>
 *   <li>no pod matching a required anti-affinity term may be in the node's domain ("node(s)
 *       didn't match pod anti-affinity rules");</li>
 *   <li>symmetry: no pod already running whose required anti-affinity matches the incoming pod
 *       may be in the node's domain ("node(s) didn't satisfy existing pods anti-affinity rules").</li>
 * </ul>
 * Score: per domain, + weight for each preferred affinity term matched by a pod there, - weight
 * for anti-affinity, plus the same for the existing pods' preferred terms that match the incoming
 * pod, and 1 for each of their required affinity terms (hardPodAffinityWeight); normalized
 * min-max to 0..100.
 */
public final class InterPodAffinity implements Plugin.PreFilter, Plugin.Filter, Plugin.PreScore, Plugin.Score,
        Plugin.EnqueueExtensions {
    public static final String NAME = "InterPodAffinity";
    public static final String REASON_AFFINITY = "node(s) didn't match pod affinity rules";
    public static final String REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
    public static final String REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
    static final int HARD_POD_AFFINITY_WEIGHT = 1;
    private static final String PRE_FILTER_KEY = "PreFilter" + NAME;
    private static final String PRE_SCORE_KEY = "PreScore" + NAME;

    private final Handle handle;

    public InterPodAffinity(Handle handle) {
        this.handle = handle;
    }

    /** Per topology domain: pods whose anti-affinity matches us, pods matching our affinity, and our anti-affinity. */
    static final class PreFilterState implements CycleState.Data {
        final Map<TopologyPair, Long> existingAntiAffinity;
        final Map<TopologyPair, Long> affinity;
        final Map<TopologyPair, Long> antiAffinity;
        final AffinityTerm.NamespaceLabels namespaces;

        PreFilterState(Map<TopologyPair, Long> existingAntiAffinity, Map<TopologyPair, Long> affinity,
                       Map<TopologyPair, Long> antiAffinity, AffinityTerm.NamespaceLabels namespaces) {
            this.existingAntiAffinity = existingAntiAffinity;
            this.affinity = affinity;
            this.antiAffinity = antiAffinity;
            this.namespaces = namespaces;
        }

        @Override
        public CycleState.Data copy() {
            return new PreFilterState(new HashMap<>(existingAntiAffinity), new HashMap<>(affinity), new HashMap<>(antiAffinity), namespaces);
        }
    }

    private record PreScoreState(Map<TopologyPair, Long> topologyScore) implements CycleState.Data {
        @Override
        public CycleState.Data copy() {
            return this;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    private static void add(Map<TopologyPair, Long> counts, NodeInfo node, String topologyKey, long value) {
        String v = node.labels().get(topologyKey);
        if (v != null) {
            TopologyPair pair = new TopologyPair(topologyKey, v);
            long n = counts.getOrDefault(pair, 0L) + value;
            if (n == 0) {
                counts.remove(pair);
            } else {
                counts.put(pair, n);
            }
        }
    }

    private static boolean matchesAll(List<AffinityTerm> terms, PodInfo pod, AffinityTerm.NamespaceLabels ns) {
        if (terms.isEmpty()) {
            return false;
        }
        for (AffinityTerm t : terms) {
            if (!t.matches(pod, ns)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public PreFilterResult preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
        AffinityTerm.NamespaceLabels ns = snapshot.namespaceLabels();
        Map<TopologyPair, Long> existing = new HashMap<>();
        for (NodeInfo node : snapshot.havePodsWithRequiredAntiAffinity()) {
            for (PodInfo other : node.podsWithRequiredAntiAffinity()) {
                for (AffinityTerm t : other.requiredAntiAffinityTerms()) {
                    if (t.matches(pod, ns)) {
                        add(existing, node, t.topologyKey(), 1);
                    }
                }
            }
        }
        Map<TopologyPair, Long> affinity = new HashMap<>();
        Map<TopologyPair, Long> anti = new HashMap<>();
        List<AffinityTerm> affinityTerms = pod.requiredAffinityTerms();
        List<AffinityTerm> antiTerms = pod.requiredAntiAffinityTerms();
        if (affinityTerms.isEmpty() && antiTerms.isEmpty() && existing.isEmpty()) {
            return PreFilterResult.SKIP;
        }
        if (!affinityTerms.isEmpty() || !antiTerms.isEmpty()) {
            for (NodeInfo node : snapshot.list()) {
                for (PodInfo other : node.pods()) {
                    if (matchesAll(affinityTerms, other, ns)) {
                        for (AffinityTerm t : affinityTerms) {
                            add(affinity, node, t.topologyKey(), 1);
                        }
                    }
                    for (AffinityTerm t : antiTerms) {
                        if (t.matches(other, ns)) {
                            add(anti, node, t.topologyKey(), 1);
                        }
                    }
                }
            }
        }
        state.write(PRE_FILTER_KEY, new PreFilterState(existing, affinity, anti, ns));
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

    private void update(CycleState state, PodInfo pod, PodInfo changed, NodeInfo node, long delta) {
        PreFilterState s = state.read(PRE_FILTER_KEY);
        if (s == null) {
            return;
        }
        for (AffinityTerm t : changed.requiredAntiAffinityTerms()) {
            if (t.matches(pod, s.namespaces)) {
                add(s.existingAntiAffinity, node, t.topologyKey(), delta);
            }
        }
        if (matchesAll(pod.requiredAffinityTerms(), changed, s.namespaces)) {
            for (AffinityTerm t : pod.requiredAffinityTerms()) {
                add(s.affinity, node, t.topologyKey(), delta);
            }
        }
        for (AffinityTerm t : pod.requiredAntiAffinityTerms()) {
            if (t.matches(changed, s.namespaces)) {
                add(s.antiAffinity, node, t.topologyKey(), delta);
            }
        }
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        PreFilterState s = state.read(PRE_FILTER_KEY);
        if (s == null) {
            return Status.SUCCESS;
        }
        if (!satisfiesAffinity(s, pod, node)) {
            return Status.unresolvable(REASON_AFFINITY);
        }
        for (AffinityTerm t : pod.requiredAntiAffinityTerms()) {
            String v = node.labels().get(t.topologyKey());
            if (v != null && s.antiAffinity.getOrDefault(new TopologyPair(t.topologyKey(), v), 0L) > 0) {
                return Status.unschedulable(REASON_ANTI_AFFINITY);
            }
        }
        if (!s.existingAntiAffinity.isEmpty()) {
            for (Map.Entry<String, String> label : node.labels().entrySet()) {
                if (s.existingAntiAffinity.getOrDefault(new TopologyPair(label.getKey(), label.getValue()), 0L) > 0) {
                    return Status.unschedulable(REASON_EXISTING_ANTI_AFFINITY);
                }
            }
        }
        return Status.SUCCESS;
    }

    private static boolean satisfiesAffinity(PreFilterState s, PodInfo pod, NodeInfo node) {
        boolean podsExist = true;
        for (AffinityTerm t : pod.requiredAffinityTerms()) {
            String v = node.labels().get(t.topologyKey());
            if (v == null) {
                return false;
            }
            if (s.affinity.getOrDefault(new TopologyPair(t.topologyKey(), v), 0L) <= 0) {
                podsExist = false;
            }
        }
        if (!podsExist) {
            // the first pod of a group with affinity to itself may go anywhere with the topology labels
            return s.affinity.isEmpty() && matchesAll(pod.requiredAffinityTerms(), pod, s.namespaces);
        }
        return true;
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        if (nodes.isEmpty()) {
            return Status.SKIP;
        }
        Snapshot snapshot = handle.snapshot();
        AffinityTerm.NamespaceLabels ns = snapshot.namespaceLabels();
        boolean hasPreferred = !pod.preferredAffinityTerms().isEmpty() || !pod.preferredAntiAffinityTerms().isEmpty();
        List<NodeInfo> candidates = hasPreferred ? snapshot.list() : snapshot.havePodsWithAffinity();
        Map<TopologyPair, Long> scores = new HashMap<>();
        for (NodeInfo node : candidates) {
            if (node.labels().isEmpty()) {
                continue;
            }
            for (PodInfo existing : hasPreferred ? node.pods() : node.podsWithAffinity()) {
                for (WeightedAffinityTerm w : pod.preferredAffinityTerms()) {
                    if (w.term().matches(existing, ns)) {
                        add(scores, node, w.term().topologyKey(), w.weight());
                    }
                }
                for (WeightedAffinityTerm w : pod.preferredAntiAffinityTerms()) {
                    if (w.term().matches(existing, ns)) {
                        add(scores, node, w.term().topologyKey(), -w.weight());
                    }
                }
                for (AffinityTerm t : existing.requiredAffinityTerms()) {
                    if (t.matches(pod, ns)) {
                        add(scores, node, t.topologyKey(), HARD_POD_AFFINITY_WEIGHT);
                    }
                }
                for (WeightedAffinityTerm w : existing.preferredAffinityTerms()) {
                    if (w.term().matches(pod, ns)) {
                        add(scores, node, w.term().topologyKey(), w.weight());
                    }
                }
                for (WeightedAffinityTerm w : existing.preferredAntiAffinityTerms()) {
                    if (w.term().matches(pod, ns)) {
                        add(scores, node, w.term().topologyKey(), -w.weight());
                    }
                }
            }
        }
        if (scores.isEmpty()) {
            return Status.SKIP;
        }
        state.write(PRE_SCORE_KEY, new PreScoreState(scores));
        return Status.SUCCESS;
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo node) {
        PreScoreState s = state.read(PRE_SCORE_KEY);
        long score = 0;
        for (Map.Entry<TopologyPair, Long> e : s.topologyScore().entrySet()) {
            if (e.getKey().value().equals(node.labels().get(e.getKey().key()))) {
                score += e.getValue();
            }
        }
        return score;
    }

    /** Min-max to 0..100; may receive negative raw scores. */
    @Override
    public void normalize(CycleState state, PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long s : scores) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        long diff = max - min;
        for (int i = 0; i < scores.length; i++) {
            scores[i] = diff > 0 ? (long) (Framework.MAX_NODE_SCORE * ((double) (scores[i] - min) / diff)) : 0;
        }
    }

    @Override
    public Set<ClusterEvent> events() {
        return EnumSet.of(ClusterEvent.ASSIGNED_POD_ADD, ClusterEvent.ASSIGNED_POD_UPDATE, ClusterEvent.ASSIGNED_POD_DELETE,
                ClusterEvent.NODE_ADD, ClusterEvent.NODE_LABEL_CHANGE);
    }
}
