package io.capstan.scheduler;

import io.capstan.scheduler.framework.PodActions;
import io.capstan.scheduler.framework.PodInfo;

/** The plugins' writes plus the scheduler's own: the PodScheduled condition of pods that failed. */
public interface SchedulerActions extends PodActions {
    /**
     * Sets PodScheduled=False with {@code reason} and {@code message} unless the pod shows them
     * already; {@code nominatedNodeName}: the nomination to set, "" to clear it, null to leave it.
     */
    void updateCondition(PodInfo pod, String reason, String message, String nominatedNodeName);
}
