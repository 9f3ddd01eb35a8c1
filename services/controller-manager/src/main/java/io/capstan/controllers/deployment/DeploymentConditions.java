package io.capstan.controllers.deployment;

import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Deployment condition types, reasons and the set/remove rules of deploymentutil. */
public final class DeploymentConditions {
    public static final String AVAILABLE = "Available";
    public static final String PROGRESSING = "Progressing";
    public static final String REPLICA_FAILURE = "ReplicaFailure";

    public static final String MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable";
    public static final String MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable";
    public static final String NEW_REPLICA_SET_CREATED = "NewReplicaSetCreated";
    public static final String FOUND_NEW_REPLICA_SET = "FoundNewReplicaSet";
    public static final String REPLICA_SET_UPDATED = "ReplicaSetUpdated";
    public static final String NEW_REPLICA_SET_AVAILABLE = "NewReplicaSetAvailable";
    public static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";
    public static final String DEPLOYMENT_PAUSED = "DeploymentPaused";
    public static final String DEPLOYMENT_RESUMED = "DeploymentResumed";
    public static final String FAILED_RS_CREATE = "ReplicaSetCreateError";

    private DeploymentConditions() {
    }

    /** NewDeploymentCondition: both times are {@code now}. */
    public static DeploymentCondition of(String type, String status, String reason, String message, Instant now) {
        DeploymentCondition c = new DeploymentCondition();
        c.setType(type);
        c.setStatus(status);
        c.setReason(reason);
        c.setMessage(message);
        c.setLastUpdateTime(Times.format(now));
        c.setLastTransitionTime(Times.format(now));
        return c;
    }

    public static DeploymentCondition get(DeploymentStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return null;
        }
        for (DeploymentCondition c : status.getConditions()) {
            if (type.equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    /**
     * SetDeploymentCondition: no change when status and reason are the same; the transition
     * time is kept when only the reason changes; the condition moves to the end of the list.
     */
    public static void set(DeploymentStatus status, DeploymentCondition condition) {
        DeploymentCondition current = get(status, condition.getType());
        if (current != null && current.getStatus().equals(condition.getStatus())
                && java.util.Objects.equals(current.getReason(), condition.getReason())) {
            return;
        }
        if (current != null && current.getStatus().equals(condition.getStatus())) {
            condition.setLastTransitionTime(current.getLastTransitionTime());
        }
        List<DeploymentCondition> conditions = without(status, condition.getType());
        conditions.add(condition);
        status.setConditions(conditions);
    }

    public static void remove(DeploymentStatus status, String type) {
        status.setConditions(without(status, type));
    }

    private static List<DeploymentCondition> without(DeploymentStatus status, String type) {
        List<DeploymentCondition> out = new ArrayList<>();
        if (status.getConditions() != null) {
            for (DeploymentCondition c : status.getConditions()) {
                if (!type.equals(c.getType())) {
                    out.add(c);
                }
            }
        }
        return out;
    }
}
