package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.NodeSelectorTerms;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PreFilterResult;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code spec.nodeSelector} and {@code affinity.nodeAffinity}. Filter: the node must carry every
 * nodeSelector label and match one required term ("node(s) didn't match Pod's node
 * affinity/selector", not resolvable by preemption). PreFilter narrows the search to the named
 * nodes when every required term pins {@code metadata.name} (DaemonSet pods). Score: the sum of
 * the weights of the preferred terms the node matches, scaled to 0..100.
 */
public final class NodeAffinity implements Plugin.PreFilter, Plugin.Filter, Plugin.PreScore, Plugin.Score, Plugin.EnqueueExtensions {
    public static final String NAME = "NodeAffinity";
    public static final String REASON = "node(s) didn't match Pod's node affinity/selector";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PreFilterResult preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
        NodeSelectorTerms required = pod.requiredNodeAffinity();
        if (required == null && pod.nodeSelector().isEmpty()) {
            return PreFilterResult.SKIP;
        }
        Set<String> pinned = required == null ? null : required.pinnedNodeNames();
        if (pinned != null) {
            if (pinned.isEmpty()) {
                return PreFilterResult.of(Status.unresolvable(REASON));
            }
            return new PreFilterResult(Status.SUCCESS, pinned);
        }
        return PreFilterResult.SUCCESS;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        return matches(pod, node) ? Status.SUCCESS : Status.unresolvable(REASON);
    }

    /** Whether the node satisfies the pod's nodeSelector and required node affinity. */
    public static boolean matches(PodInfo pod, NodeInfo node) {
        Map<String, String> labels = node.labels();
        for (Map.Entry<String, String> e : pod.nodeSelector().entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        NodeSelectorTerms required = pod.requiredNodeAffinity();
        return required == null || required.matches(node.name(), labels);
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        return pod.preferredNodeAffinity().isEmpty() ? Status.SKIP : Status.SUCCESS;
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo node) {
        return pod.preferredNodeAffinity().score(node.name(), node.labels());
    }

    @Override
    public void normalize(CycleState state, PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        Scores.defaultNormalize(scores, false);
    }

    @Override
    public Set<ClusterEvent> events() {
        return EnumSet.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_LABEL_CHANGE);
    }
}
