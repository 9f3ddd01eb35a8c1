package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.framework.Taints;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Filter: a node with a NoSchedule or NoExecute taint the pod does not tolerate is rejected
 * ("node(s) had untolerated taint {key: value}"). Score: the fewer PreferNoSchedule taints the
 * pod does not tolerate, the better (normalized in reverse: no such taint scores 100).
 */
public final class TaintToleration implements Plugin.Filter, Plugin.PreScore, Plugin.Score, Plugin.EnqueueExtensions {
    public static final String NAME = "TaintToleration";
    private static final String STATE_KEY = "PreScore" + NAME;

    /** The pod's tolerations that matter for PreferNoSchedule (empty effect or PreferNoSchedule). */
    private record PreScoreState(List<Toleration> tolerations) implements CycleState.Data {
        @Override
        public CycleState.Data copy() {
            return this;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        Taint taint = Taints.firstUntoleratedHardTaint(node.taints(), pod.tolerations());
        if (taint == null) {
            return Status.SUCCESS;
        }
        return Status.unresolvable("node(s) had untolerated taint {" + taint.getKey() + ": "
                + (taint.getValue() == null ? "" : taint.getValue()) + "}");
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        List<Toleration> preferNoSchedule = new ArrayList<>();
        for (Toleration t : pod.tolerations()) {
            if (t.getEffect() == null || t.getEffect().isEmpty() || Taints.PREFER_NO_SCHEDULE.equals(t.getEffect())) {
                preferNoSchedule.add(t);
            }
        }
        state.write(STATE_KEY, new PreScoreState(preferNoSchedule));
        return Status.SUCCESS;
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo node) {
        PreScoreState s = state.read(STATE_KEY);
        List<Toleration> tolerations = s == null ? pod.tolerations() : s.tolerations();
        long count = 0;
        for (Taint taint : node.taints()) {
            if (Taints.PREFER_NO_SCHEDULE.equals(taint.getEffect()) && !Taints.tolerated(taint, tolerations)) {
                count++;
            }
        }
        return count;
    }

    @Override
    public void normalize(CycleState state, PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        Scores.defaultNormalize(scores, true);
    }

    @Override
    public Set<ClusterEvent> events() {
        return EnumSet.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_TAINT_CHANGE);
    }
}
