package io.capstan.controllers.replicaset;

import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Pods;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The desired state of one ReplicaSet, as k8s.io/kubernetes/pkg/controller/replicaset computes
 * it: which pods it claims, how many to create or which to delete, and its status. Pure: the
 * reconciler lists pods, checks expectations, applies the plan and writes the status.
 */
public final class ReplicaSetModel {
    public static final String API_VERSION = "apps/v1";
    public static final String KIND = "ReplicaSet";
    /** replicaset.BurstReplicas: the most pods created or deleted in one sync. */
    public static final int BURST_REPLICAS = 500;
    public static final String REPLICA_FAILURE = "ReplicaFailure";

    private ReplicaSetModel() {
    }

    /**
     * One sync of a ReplicaSet.
     *
     * @param claim        pods owned, to adopt and to release
     * @param active       the active claimed pods the counts are based on
     * @param createCount  pods to create, at most {@link #BURST_REPLICAS}
     * @param delete       pods to delete, in Kubernetes' deletion ranking order
     * @param status       the status to write when the creates and deletes succeed
     * @param resyncAfter  when to look again so pods that become available after
     *                     minReadySeconds are counted
     */
    public record Plan(Owners.Claim<Pod> claim, List<Pod> active, int createCount,
                       List<Pod> delete, ReplicaSetStatus status, Optional<Duration> resyncAfter) {
    }

    public static int replicas(ReplicaSet rs) {
        Integer r = rs.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    public static int minReadySeconds(ReplicaSet rs) {
        Integer m = rs.getSpec().getMinReadySeconds();
        return m == null ? 0 : m;
    }

    /**
     * Claims among all pods of the namespace: only active pods (not terminal, not being deleted)
     * are claimed, as syncReplicaSet filters them before claiming.
     */
    public static Owners.Claim<Pod> claim(ReplicaSet rs, List<Pod> namespacePods) {
        List<Pod> active = namespacePods.stream().filter(Pods::isActive).toList();
        return Owners.claimBySelector(rs, rs.getSpec().getSelector(), p -> true, active);
    }

    /** {@link #plan(ReplicaSet, List, List, Instant)} with the ReplicaSet's own pods as related pods. */
    public static Plan plan(ReplicaSet rs, List<Pod> namespacePods, Instant now) {
        return plan(rs, namespacePods, null, now);
    }

    /**
     * Plans one sync.
     *
     * @param relatedPods pods of this ReplicaSet and of its siblings under the same controller
     *                    (for the co-location rank); null means this ReplicaSet's own pods
     */
    public static Plan plan(ReplicaSet rs, List<Pod> namespacePods, List<Pod> relatedPods, Instant now) {
        Owners.Claim<Pod> claim = claim(rs, namespacePods);
        List<Pod> pods = claim.claimed();
        int create = 0;
        List<Pod> delete = List.of();
        if (rs.getMetadata().getDeletionTimestamp() == null) {
            int diff = pods.size() - replicas(rs);
            if (diff < 0) {
                create = Math.min(-diff, BURST_REPLICAS);
            } else if (diff > 0) {
                PodDeletionRanking ranking = PodDeletionRanking.relativeTo(relatedPods == null ? pods : relatedPods, now);
                delete = ranking.podsToDelete(pods, Math.min(diff, BURST_REPLICAS));
            }
        }
        ReplicaSetStatus status = status(rs, pods, null, now);
        Optional<Duration> resync = Optional.empty();
        int minReady = minReadySeconds(rs);
        if (minReady > 0 && status.getReadyReplicas() != null && status.getReadyReplicas() == replicas(rs)
                && nz(status.getAvailableReplicas()) != replicas(rs)) {
            resync = Optional.of(Duration.ofSeconds(minReady));
        }
        return new Plan(claim, pods, create, delete, status, resync);
    }

    /**
     * controller.GetPodFromTemplate plus the namespace: generateName {@code <rs>-}, the template's
     * labels, annotations, finalizers and spec, and a controller reference to the ReplicaSet.
     */
    public static Pod podFor(ReplicaSet rs) {
        PodTemplateSpec template = Copies.deepCopy(rs.getSpec().getTemplate());
        ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        ObjectMeta meta = new ObjectMeta();
        meta.setNamespace(rs.getMetadata().getNamespace());
        meta.setGenerateName(rs.getMetadata().getName() + "-");
        meta.setLabels(tm.getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(tm.getLabels()));
        meta.setAnnotations(tm.getAnnotations() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(tm.getAnnotations()));
        if (tm.getFinalizers() != null && !tm.getFinalizers().isEmpty()) {
            meta.setFinalizers(new ArrayList<>(tm.getFinalizers()));
        }
        meta.setOwnerReferences(new ArrayList<>(List.of(Owners.controllerRef(rs, API_VERSION, KIND))));
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        pod.setMetadata(meta);
        pod.setSpec(template.getSpec());
        return pod;
    }

    /**
     * calculateStatus plus observedGeneration: counts over the active claimed pods.
     *
     * @param failure the error of a failed create or delete, or null; sets (or clears) the
     *                ReplicaFailure condition with reason FailedCreate / FailedDelete
     */
    public static ReplicaSetStatus status(ReplicaSet rs, List<Pod> pods, String failure, Instant now) {
        ReplicaSetStatus previous = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
        ReplicaSetStatus status = Copies.deepCopy(previous);
        Map<String, String> templateLabels = rs.getSpec().getTemplate() == null || rs.getSpec().getTemplate().getMetadata() == null
                ? Map.of() : nullToEmpty(rs.getSpec().getTemplate().getMetadata().getLabels());
        int fullyLabeled = 0;
        int ready = 0;
        int available = 0;
        for (Pod p : pods) {
            Map<String, String> labels = nullToEmpty(p.getMetadata().getLabels());
            if (labels.entrySet().containsAll(templateLabels.entrySet())) {
                fullyLabeled++;
            }
            if (Pods.isReady(p)) {
                ready++;
                if (Pods.isAvailable(p, minReadySeconds(rs), now)) {
                    available++;
                }
            }
        }
        List<ReplicaSetCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        boolean hasFailure = conditions.stream().anyMatch(c -> REPLICA_FAILURE.equals(c.getType()));
        if (failure != null && !hasFailure) {
            int diff = pods.size() - replicas(rs);
            String reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
            ReplicaSetCondition c = new ReplicaSetCondition();
            c.setType(REPLICA_FAILURE);
            c.setStatus("True");
            c.setReason(reason);
            c.setMessage(failure);
            c.setLastTransitionTime(Times.format(now));
            conditions.add(c);
        } else if (failure == null && hasFailure) {
            conditions.removeIf(c -> REPLICA_FAILURE.equals(c.getType()));
        }
        status.setConditions(conditions);
        status.setReplicas(pods.size());
        status.setFullyLabeledReplicas(omitZero(fullyLabeled));
        status.setReadyReplicas(omitZero(ready));
        status.setAvailableReplicas(omitZero(available));
        Long generation = rs.getMetadata().getGeneration();
        status.setObservedGeneration(generation == null || generation == 0 ? null : generation);
        return status;
    }

    /** Zero counts are omitted on the wire (omitempty), so they are null here. */
    private static Integer omitZero(int v) {
        return v == 0 ? null : v;
    }

    private static int nz(Integer v) {
        return v == null ? 0 : v;
    }

    private static Map<String, String> nullToEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
