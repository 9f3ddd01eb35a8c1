package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.Registry;

import java.util.List;
import java.util.Map;

/** The in-tree plugins and the default profile (kube-scheduler's v1 defaults, without volume plugins). */
public final class DefaultPlugins {
    /** Every plugin, in the order the default profile runs them at each extension point. */
    public static final List<String> DEFAULT_PROFILE = List.of(
            NodeUnschedulable.NAME, NodeName.NAME, TaintToleration.NAME, NodeAffinity.NAME, NodePorts.NAME,
            NodeResourcesFit.NAME, PodTopologySpread.NAME, InterPodAffinity.NAME, DefaultPreemption.NAME,
            NodeResourcesLeastAllocated.NAME, NodeResourcesBalancedAllocation.NAME, DefaultBinder.NAME);

    /** Score weights of the default profile. */
    public static final Map<String, Integer> DEFAULT_WEIGHTS = Map.of(
            TaintToleration.NAME, 3, NodeAffinity.NAME, 2, PodTopologySpread.NAME, 2, InterPodAffinity.NAME, 2,
            NodeResourcesLeastAllocated.NAME, 1, NodeResourcesBalancedAllocation.NAME, 1);

    private DefaultPlugins() {
    }

    public static Registry registry() {
        return new Registry()
                .register(NodeUnschedulable.NAME, h -> new NodeUnschedulable())
                .register(NodeName.NAME, h -> new NodeName())
                .register(TaintToleration.NAME, h -> new TaintToleration())
                .register(NodeAffinity.NAME, h -> new NodeAffinity())
                .register(NodePorts.NAME, h -> new NodePorts())
                .register(NodeResourcesFit.NAME, h -> new NodeResourcesFit())
                .register(PodTopologySpread.NAME, PodTopologySpread::new)
                .register(InterPodAffinity.NAME, InterPodAffinity::new)
                .register(DefaultPreemption.NAME, DefaultPreemption::new)
                .register(NodeResourcesLeastAllocated.NAME, h -> new NodeResourcesLeastAllocated())
                .register(NodeResourcesBalancedAllocation.NAME, h -> new NodeResourcesBalancedAllocation())
                .register(DefaultBinder.NAME, DefaultBinder::new);
    }
}
