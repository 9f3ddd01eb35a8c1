package io.capstan.scheduler.framework;

/**
 * The cluster changes that can make an unschedulable pod schedulable (framework.ClusterEvent).
 * Plugins declare the ones that can resolve their rejections; the queue moves a pod back to
 * active only for events a plugin that rejected it cares about.
 */
public enum ClusterEvent {
    NODE_ADD,
    NODE_ALLOCATABLE_CHANGE,
    NODE_LABEL_CHANGE,
    NODE_TAINT_CHANGE,
    NODE_SPEC_UNSCHEDULABLE_CHANGE,
    NODE_CONDITION_CHANGE,
    ASSIGNED_POD_ADD,
    ASSIGNED_POD_UPDATE,
    ASSIGNED_POD_DELETE,
    /** Every pod goes back (the 5 minute flush); not declared by plugins. */
    UNSCHEDULABLE_TIMEOUT;

    /** The metric label value kube-scheduler uses for {@code scheduler_queue_incoming_pods_total}. */
    public String label() {
        return switch (this) {
            case NODE_ADD -> "NodeAdd";
            case NODE_ALLOCATABLE_CHANGE -> "NodeAllocatableChange";
            case NODE_LABEL_CHANGE -> "NodeLabelChange";
            case NODE_TAINT_CHANGE -> "NodeTaintChange";
            case NODE_SPEC_UNSCHEDULABLE_CHANGE -> "NodeSpecUnschedulableChange";
            case NODE_CONDITION_CHANGE -> "NodeConditionChange";
            case ASSIGNED_POD_ADD -> "AssignedPodAdd";
            case ASSIGNED_POD_UPDATE -> "AssignedPodUpdate";
            case ASSIGNED_POD_DELETE -> "AssignedPodDelete";
            case UNSCHEDULABLE_TIMEOUT -> "UnschedulableTimeout";
        };
    }
}
