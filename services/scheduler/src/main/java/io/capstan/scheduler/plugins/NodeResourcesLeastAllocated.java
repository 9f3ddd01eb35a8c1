package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;

/**
 * Prefers nodes with the most free cpu and memory after placing the pod (the LeastAllocated
 * scoring strategy of NodeResourcesFit, which spreads pods): per resource
 * {@code (allocatable - requested) * 100 / allocatable}, averaged with weight 1 each. Requests
 * count containers without requests as 100m cpu and 200 MB memory, as Kubernetes does, so
 * best-effort pods still spread.
 */
public final class NodeResourcesLeastAllocated implements Plugin.Score {
    public static final String NAME = "NodeResourcesLeastAllocated";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo node) {
        long cpuAlloc = node.allocatableMilliCpu();
        long memAlloc = node.allocatableMemory();
        long sum = 0;
        long weights = 0;
        if (cpuAlloc > 0) {
            sum += leastRequested(node.nonZeroMilliCpu() + pod.nonZeroMilliCpu(), cpuAlloc);
            weights++;
        }
        if (memAlloc > 0) {
            sum += leastRequested(node.nonZeroMemory() + pod.nonZeroMemory(), memAlloc);
            weights++;
        }
        return weights == 0 ? 0 : sum / weights;
    }

    static long leastRequested(long requested, long capacity) {
        if (capacity == 0 || requested > capacity) {
            return 0;
        }
        return (capacity - requested) * Framework.MAX_NODE_SCORE / capacity;
    }
}
