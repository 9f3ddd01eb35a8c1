package io.capstan.controllers.statefulset;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.Adoption;
import io.capstan.controllers.common.ClaimCandidates;
import io.capstan.controllers.common.ControllerRefs;
import io.capstan.workloads.common.Copies;
import io.capstan.controllers.common.RevisionHistory;
import io.capstan.controllers.common.Statuses;
import io.capstan.workloads.common.ControllerRevisions;
import io.capstan.workloads.statefulset.StatefulSetModel;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

import static io.capstan.controllers.common.KubeErrors.message;

/**
 * updateStatefulSet of k8s.io/kubernetes/pkg/controller/statefulset: reads the StatefulSet and its
 * namespace's pods, PersistentVolumeClaims and ControllerRevisions from the informer caches, runs
 * {@link StatefulSetModel#plan} and applies it in upstream's order: revision history (create the
 * update revision, renumber a rolled-back one, truncate), claims from volumeClaimTemplates, pods
 * (in ordinal order, stopping at the first failure), deletions, then the status. Pods have fixed
 * names, so a create the cache has not seen yet comes back AlreadyExists and is harmless; no
 * expectations are needed.
 */
public final class StatefulSetReconciler implements Reconciler {

    private final KubernetesClient client;
    private final Store<StatefulSet> sets;
    private final Store<Pod> pods;
    private final Store<PersistentVolumeClaim> claims;
    private final Store<ControllerRevision> revisions;
    private final EventRecorder events;
    private final RevisionHistory history;

    public StatefulSetReconciler(KubernetesClient client, Informer<StatefulSet> setInformer, Informer<Pod> podInformer,
                                 Informer<PersistentVolumeClaim> claimInformer, Informer<ControllerRevision> revisionInformer,
                                 EventRecorder events) {
        this.client = client;
        this.sets = setInformer.store();
        this.pods = podInformer.store();
        this.claims = claimInformer.store();
        this.revisions = revisionInformer.store();
        this.events = events;
        this.history = new RevisionHistory(client);
    }

    /** StatefulSets an orphan pod could be adopted by (getStatefulSetsForPod). */
    public Collection<Request> statefulSetsMatchingOrphan(Pod pod) {
        return ControllerRefs.ownersMatchingOrphan(pod, sets.list(pod.getMetadata().getNamespace()), s -> s.getSpec().getSelector());
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) {
        StatefulSet sts = sets.get(request.namespace(), request.name()).orElse(null);
        if (sts == null) {
            return Result.done();
        }
        String ns = request.namespace();
        String name = request.name();
        Instant now = Instant.now();
        Adoption adoption = Adoption.by(client, sts, StatefulSetModel.API_VERSION, StatefulSetModel.KIND, List.of());
        List<ControllerRevision> candidateRevisions = ClaimCandidates.of(revisions, sts);
        candidateRevisions = adoption.apply(StatefulSetModel.claimRevisions(sts, candidateRevisions), candidateRevisions,
                Adoption.patcher(client, ControllerRevision.class));
        List<Pod> candidatePods = ClaimCandidates.of(pods, sts);
        candidatePods = adoption.apply(StatefulSetModel.claim(sts, candidatePods), candidatePods, Adoption.patcher(client, Pod.class));
        StatefulSetModel.Plan plan = StatefulSetModel.plan(sts, candidatePods, claims.list(ns), candidateRevisions, now);
        StatefulSetStatus status = plan.status();

        ControllerRevisions.Resolution rev = plan.revisions();
        if (!history.createAndRenumber(ns, rev, sts.getSpec().getTemplate())) {
            // A hash collision: the next sync names the revision with a raised collisionCount.
            StatefulSet copy = Copies.deepCopy(sts);
            StatefulSetStatus s = copy.getStatus() == null ? new StatefulSetStatus() : copy.getStatus();
            s.setCollisionCount((s.getCollisionCount() == null ? 0 : s.getCollisionCount()) + 1);
            copy.setStatus(s);
            client.apps().statefulSets().inNamespace(ns).resource(copy).updateStatus();
            return Result.requeue();
        }

        String failure = null;
        if (sts.getMetadata().getDeletionTimestamp() == null) {
            for (PersistentVolumeClaim claim : plan.createClaims()) {
                try {
                    client.persistentVolumeClaims().inNamespace(ns).resource(claim).create();
                    events.normal(sts, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success",
                            claim.getMetadata().getName(), podOfClaim(claim, sts), name);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        events.warning(sts, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %s",
                                claim.getMetadata().getName(), podOfClaim(claim, sts), name, message(e));
                        failure = message(e);
                        break;
                    }
                }
            }
            if (failure == null) {
                for (Pod pod : plan.create()) {
                    try {
                        client.pods().inNamespace(ns).resource(pod).create();
                        events.normal(sts, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod.getMetadata().getName(), name);
                    } catch (KubernetesClientException e) {
                        if (e.getCode() == 409) {
                            continue;
                        }
                        events.warning(sts, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %s", pod.getMetadata().getName(), name, message(e));
                        failure = message(e);
                        break;
                    }
                }
            }
            if (failure == null) {
                for (Pod pod : plan.delete()) {
                    try {
                        client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).delete();
                        events.normal(sts, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", pod.getMetadata().getName(), name);
                    } catch (KubernetesClientException e) {
                        if (e.getCode() != 404) {
                            events.warning(sts, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %s", pod.getMetadata().getName(), name, message(e));
                            failure = message(e);
                            break;
                        }
                    }
                }
            }
        }
        history.truncate(ns, rev);
        if (!Statuses.same(status, sts.getStatus())) {
            StatefulSet copy = Copies.deepCopy(sts);
            copy.setStatus(status);
            client.apps().statefulSets().inNamespace(ns).resource(copy).updateStatus();
        }
        if (failure != null) {
            throw new IllegalStateException("syncing StatefulSet " + request + " failed: " + failure);
        }
        // minReadySeconds: look again once the ready pods have become available
        Integer minReady = sts.getSpec().getMinReadySeconds();
        if (minReady != null && minReady > 0 && status.getAvailableReplicas() != null && status.getReadyReplicas() != null
                && status.getAvailableReplicas() < status.getReadyReplicas()) {
            return Result.requeueAfter(Duration.ofSeconds(minReady));
        }
        return Result.done();
    }

    private static String podOfClaim(PersistentVolumeClaim claim, StatefulSet sts) {
        String claimName = claim.getMetadata().getName();
        String suffix = "-" + sts.getMetadata().getName() + "-";
        int i = claimName.lastIndexOf(suffix);
        return i < 0 ? claimName : claimName.substring(i + 1);
    }

}
