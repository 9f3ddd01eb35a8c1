package io.capstan.controllers.deployment;

import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one sync of a Deployment wants written, in the order to apply it; stop at the first
 * failure and requeue (the next sync recomputes from the new state).
 *
 * @param adopt        orphan ReplicaSets to adopt (ControllerRefs.adoptPatch, through Adoption)
 * @param release      owned ReplicaSets that no longer match the selector (ControllerRefs.releasePatch, through Adoption)
 * @param create       the new ReplicaSet to create (name {@code <deployment>-<hash>}); on
 *                     AlreadyExists requeue: the next plan detects a hash collision
 * @param update       ReplicaSets whose replicas, annotations or minReadySeconds changed (full objects)
 * @param delete       old ReplicaSets beyond revisionHistoryLimit
 * @param annotations  the Deployment's annotations when the revision annotation changed
 *                     (written together with the status)
 * @param status       the Deployment status to write when it differs from the current one
 * @param events       events to record on the Deployment
 * @param requeueAfter when to look again to detect ProgressDeadlineExceeded (or a rate-limited
 *                     retry, {@link Duration#ZERO}, after a hash collision)
 */
public record DeploymentPlan(List<ReplicaSet> adopt, List<ReplicaSet> release, Optional<ReplicaSet> create,
                             List<ReplicaSet> update, List<ReplicaSet> delete, Optional<Map<String, String>> annotations,
                             DeploymentStatus status, List<Event> events, Optional<Duration> requeueAfter) {

    /** A Kubernetes event on the Deployment, e.g. Normal ScalingReplicaSet. */
    public record Event(String type, String reason, String message) {
    }
}
