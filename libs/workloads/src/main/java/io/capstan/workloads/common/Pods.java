package io.capstan.workloads.common;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.time.Instant;
import java.util.Map;

/** Pod phase, readiness and availability as k8s.io/kubernetes/pkg/api/v1/pod judges them. */
public final class Pods {
    private Pods() {
    }

    public static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    public static boolean isSucceeded(Pod pod) {
        return "Succeeded".equals(phase(pod));
    }

    public static boolean isFailed(Pod pod) {
        return "Failed".equals(phase(pod));
    }

    public static boolean isTerminal(Pod pod) {
        return isSucceeded(pod) || isFailed(pod);
    }

    public static boolean isTerminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    /** controller.IsPodActive: not Succeeded, not Failed, not being deleted. */
    public static boolean isActive(Pod pod) {
        return !isTerminal(pod) && !isTerminating(pod);
    }

    public static boolean isRunning(Pod pod) {
        return "Running".equals(phase(pod));
    }

    public static PodCondition condition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    public static boolean isReady(Pod pod) {
        PodCondition c = condition(pod, "Ready");
        return c != null && "True".equals(c.getStatus());
    }

    /** The time the pod last became ready, or null when it is not ready or the time is unknown. */
    public static Instant readyTime(Pod pod) {
        return isReady(pod) ? Times.parse(condition(pod, "Ready").getLastTransitionTime()) : null;
    }

    /** podutil.IsPodAvailable: ready for at least minReadySeconds strictly before now. */
    public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (!isReady(pod)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        Instant since = readyTime(pod);
        return since != null && since.plusSeconds(minReadySeconds).isBefore(now);
    }

    public static Map<String, String> labels(Pod pod) {
        Map<String, String> l = pod.getMetadata().getLabels();
        return l == null ? Map.of() : l;
    }

    public static Map<String, String> annotations(Pod pod) {
        Map<String, String> a = pod.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
