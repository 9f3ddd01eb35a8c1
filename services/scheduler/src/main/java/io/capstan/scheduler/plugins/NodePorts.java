package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.HostPort;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PreFilterResult;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;

import java.util.EnumSet;
import java.util.Set;

/**
 * A container's {@code hostPort} must be free on the node: same port and protocol on the same
 * host IP, where 0.0.0.0 conflicts with every IP. Preemption can free a port, so the rejection is
 * resolvable.
 */
public final class NodePorts implements Plugin.PreFilter, Plugin.Filter, Plugin.EnqueueExtensions {
    public static final String NAME = "NodePorts";
    public static final String REASON = "node(s) didn't have free ports for the requested pod ports";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PreFilterResult preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
        return pod.hostPorts().isEmpty() ? PreFilterResult.SKIP : PreFilterResult.SUCCESS;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        for (HostPort wanted : pod.hostPorts()) {
            for (HostPort used : node.usedPorts()) {
                if (wanted.conflicts(used)) {
                    return Status.unschedulable(REASON);
                }
            }
        }
        return Status.SUCCESS;
    }

    @Override
    public Set<ClusterEvent> events() {
        return EnumSet.of(ClusterEvent.NODE_ADD, ClusterEvent.ASSIGNED_POD_DELETE);
    }
}
