package io.capstan.controllers.common;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.time.Instant;

/** Pod readiness and availability as k8s.io/kubernetes/pkg/api/v1/pod and controller_utils judge them. */
public final class PodConditions {
    private PodConditions() {
    }

    /** controller.IsPodActive: not Succeeded, not Failed, not being deleted. */
    public static boolean isActive(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && pod.getMetadata().getDeletionTimestamp() == null;
    }

    public static PodCondition readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    public static boolean isReady(Pod pod) {
        PodCondition c = readyCondition(pod);
        return c != null && "True".equals(c.getStatus());
    }

    /** The time the pod last became ready, or null when it is not ready or the time is unknown. */
    public static Instant readyTime(Pod pod) {
        PodCondition c = readyCondition(pod);
        return c != null && "True".equals(c.getStatus()) ? Times.parse(c.getLastTransitionTime()) : null;
    }

    /**
     * podutil.IsPodAvailable: ready, and ready for at least {@code minReadySeconds} before
     * {@code now} (strictly before, as upstream).
     */
    public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (!isReady(pod)) {
            return false;
        }
        if (minReadySeconds == 0) {
            return true;
        }
        Instant since = readyTime(pod);
        return since != null && since.plusSeconds(minReadySeconds).isBefore(now);
    }
}
