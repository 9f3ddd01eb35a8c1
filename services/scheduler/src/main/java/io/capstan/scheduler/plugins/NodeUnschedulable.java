package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.framework.Taints;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.EnumSet;
import java.util.Set;

/**
 * Rejects cordoned nodes ({@code spec.unschedulable}, {@code kubectl cordon}) unless the pod
 * tolerates the {@code node.kubernetes.io/unschedulable:NoSchedule} taint.
 */
public final class NodeUnschedulable implements Plugin.Filter, Plugin.EnqueueExtensions {
    public static final String NAME = "NodeUnschedulable";
    public static final String REASON = "node(s) were unschedulable";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        if (!node.unschedulable()) {
            return Status.SUCCESS;
        }
        for (Toleration t : pod.tolerations()) {
            if (Taints.tolerates(t, Taints.UNSCHEDULABLE_KEY, "", Taints.NO_SCHEDULE)) {
                return Status.SUCCESS;
            }
        }
        return Status.unresolvable(REASON);
    }

    @Override
    public Set<ClusterEvent> events() {
        return EnumSet.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_SPEC_UNSCHEDULABLE_CHANGE, ClusterEvent.NODE_TAINT_CHANGE);
    }
}
