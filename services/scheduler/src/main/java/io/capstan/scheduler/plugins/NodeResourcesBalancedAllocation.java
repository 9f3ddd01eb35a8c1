package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Status;

import java.util.List;

/**
 * Prefers nodes whose cpu and memory would be used in equal proportion after placing the pod:
 * {@code (1 - |cpuFraction - memFraction| / 2) * 100}, fractions capped at 1, with the pod's and
 * the node's actual requests. Best-effort pods (no requests) skip it, as in Kubernetes 1.33, so they
 * do not all pile onto one node.
 */
public final class NodeResourcesBalancedAllocation implements Plugin.PreScore, Plugin.Score {
    public static final String NAME = "NodeResourcesBalancedAllocation";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        return pod.requests().milliCpu() == 0 && pod.requests().memory() == 0 ? Status.SKIP : Status.SUCCESS;
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo node) {
        long cpuAlloc = node.allocatableMilliCpu();
        long memAlloc = node.allocatableMemory();
        if (cpuAlloc <= 0 || memAlloc <= 0) {
            // one resource alone has no spread
            return Framework.MAX_NODE_SCORE;
        }
        double cpu = Math.min(1.0, (double) (node.requestedMilliCpu() + pod.requests().milliCpu()) / cpuAlloc);
        double memory = Math.min(1.0, (double) (node.requestedMemory() + pod.requests().memory()) / memAlloc);
        double std = Math.abs((cpu - memory) / 2);
        return (long) ((1 - std) * Framework.MAX_NODE_SCORE);
    }
}
