package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Resource;
import io.capstan.scheduler.framework.Status;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The node must have room for the pod's requests (with the init-container and overhead rules):
 * allocatable minus what the pods on it request, for cpu, memory, ephemeral-storage and every
 * extended resource, and a pod slot ("Too many pods"). Each shortage is its own reason
 * ("Insufficient cpu", "Insufficient nvidia.com/gpu"), and preemption may resolve all of them.
 */
public final class NodeResourcesFit implements Plugin.Filter, Plugin.EnqueueExtensions {
    public static final String NAME = "NodeResourcesFit";
    public static final String TOO_MANY_PODS = "Too many pods";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        List<String> reasons = insufficient(pod.requests(), node);
        return reasons.isEmpty() ? Status.SUCCESS : new Status(Status.Code.UNSCHEDULABLE, reasons, NAME);
    }

    /** fitsRequest: the reasons the node lacks room for {@code request}, empty when it fits. */
    static List<String> insufficient(Resource request, NodeInfo node) {
        List<String> reasons = null;
        if (node.pods().size() + 1 > node.allowedPods()) {
            reasons = add(reasons, TOO_MANY_PODS);
        }
        if (request.isZero()) {
            return reasons == null ? List.of() : reasons;
        }
        if (request.milliCpu() > 0 && request.milliCpu() > node.allocatableMilliCpu() - node.requestedMilliCpu()) {
            reasons = add(reasons, "Insufficient " + Resource.CPU);
        }
        if (request.memory() > 0 && request.memory() > node.allocatableMemory() - node.requestedMemory()) {
            reasons = add(reasons, "Insufficient " + Resource.MEMORY);
        }
        if (request.ephemeralStorage() == 0 && request.scalars().isEmpty()) {
            return reasons == null ? List.of() : reasons;
        }
        Resource alloc = node.allocatable();
        Resource used = node.requested();
        if (request.ephemeralStorage() > 0 && request.ephemeralStorage() > alloc.ephemeralStorage() - used.ephemeralStorage()) {
            reasons = add(reasons, "Insufficient " + Resource.EPHEMERAL_STORAGE);
        }
        if (!request.scalars().isEmpty()) {
            for (Map.Entry<String, Long> e : new TreeMap<>(request.scalars()).entrySet()) {
                if (e.getValue() > 0 && e.getValue() > alloc.scalar(e.getKey()) - used.scalar(e.getKey())) {
                    reasons = add(reasons, "Insufficient " + e.getKey());
                }
            }
        }
        return reasons == null ? List.of() : reasons;
    }

    private static List<String> add(List<String> reasons, String reason) {
        List<String> r = reasons == null ? new ArrayList<>(2) : reasons;
        r.add(reason);
        return r;
    }

    @Override
    public Set<ClusterEvent> events() {
        return EnumSet.of(ClusterEvent.NODE_ADD, ClusterEvent.NODE_ALLOCATABLE_CHANGE, ClusterEvent.ASSIGNED_POD_DELETE,
                ClusterEvent.ASSIGNED_POD_UPDATE);
    }
}
