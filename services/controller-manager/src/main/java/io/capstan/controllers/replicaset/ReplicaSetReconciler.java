package io.capstan.controllers.replicaset;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Indexers;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.Adoption;
import io.capstan.controllers.common.ClaimCandidates;
import io.capstan.controllers.common.ControllerRefs;
import io.capstan.controllers.common.KubeErrors;
import io.capstan.controllers.common.PodControl;
import io.capstan.controllers.common.PodExpectations;
import io.capstan.workloads.common.Owners;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * syncReplicaSet of k8s.io/kubernetes/pkg/controller/replicaset: reads the ReplicaSet and the
 * namespace's pods from the informer caches, runs {@link ReplicaSetModel#plan}, and applies it:
 * adoption and release patches, then (only when earlier creates and deletes have been observed)
 * pod creates in slow-start batches or deletes, then the status through the status subresource.
 */
public final class ReplicaSetReconciler implements Reconciler {
    private final KubernetesClient client;
    private final Store<ReplicaSet> replicaSets;
    private final Store<Pod> pods;
    private final PodExpectations expectations = new PodExpectations(ReplicaSetModel.KIND);
    private final PodControl podControl;

    /** Registers the expectation observer on {@code podInformer}, so build this before the informers start. */
    public ReplicaSetReconciler(KubernetesClient client, Informer<ReplicaSet> rsInformer, Informer<Pod> podInformer, EventRecorder events) {
        this.client = client;
        this.replicaSets = rsInformer.store();
        this.pods = podInformer.store();
        this.podControl = new PodControl(client, expectations, events);
        podInformer.addEventHandler(expectations);
    }

    /** ReplicaSets an orphan pod could be adopted by: those in its namespace whose selector matches it. */
    public Collection<Request> replicaSetsMatchingOrphan(Pod pod) {
        return ControllerRefs.ownersMatchingOrphan(pod, replicaSets.list(pod.getMetadata().getNamespace()), rs -> rs.getSpec().getSelector());
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) throws Exception {
        String key = request.toString();
        ReplicaSet rs = replicaSets.get(request.namespace(), request.name()).orElse(null);
        if (rs == null) {
            expectations.forget(key);
            return Result.done();
        }
        boolean needsSync = expectations.satisfied(key);
        ReplicaSetModel.Plan plan = ReplicaSetModel.plan(rs, ClaimCandidates.of(pods, rs), relatedPods(rs), Instant.now());

        List<Pod> active = claim(rs, plan);
        String failure = null;
        if (needsSync && rs.getMetadata().getDeletionTimestamp() == null) {
            PodControl.Outcome outcome = plan.createCount() > 0
                    ? podControl.create(rs, key, Collections.nCopies(plan.createCount(), rs).stream().map(ReplicaSetModel::podFor).toList())
                    : podControl.delete(rs, key, plan.delete());
            if (outcome.failed()) {
                failure = KubeErrors.message(outcome.firstError());
            }
        }
        ReplicaSetStatus status = failure == null && active.size() == plan.active().size()
                ? plan.status() : ReplicaSetModel.status(rs, active, failure, Instant.now());
        if (!Objects.equals(status, rs.getStatus())) {
            // shares the cached spec, which the write only reads (the client may touch the metadata)
            ReplicaSet withStatus = new ReplicaSet(rs.getApiVersion(), rs.getKind(), new ObjectMetaBuilder(rs.getMetadata()).build(), rs.getSpec(), status);
            client.apps().replicaSets().inNamespace(request.namespace()).resource(withStatus).updateStatus();
        }
        if (failure != null) {
            throw new IllegalStateException("syncing ReplicaSet " + key + " failed: " + failure);
        }
        return plan.resyncAfter().map(Result::requeueAfter).orElse(Result.done());
    }

    /** Pods of this ReplicaSet and of its siblings under the same controller, for the deletion ranking. */
    private List<Pod> relatedPods(ReplicaSet rs) {
        OwnerReference owner = Owners.controllerOf(rs);
        if (owner == null) {
            return null;
        }
        List<Pod> related = new ArrayList<>();
        for (ReplicaSet sibling : replicaSets.byIndex(Indexers.OWNER_UID, owner.getUid())) {
            related.addAll(pods.byIndex(Indexers.OWNER_UID, sibling.getMetadata().getUid()));
        }
        return related;
    }

    /** Adopts and releases; a pod that vanished meanwhile is simply not counted. */
    private List<Pod> claim(ReplicaSet rs, ReplicaSetModel.Plan plan) {
        return Adoption.by(client, rs, ReplicaSetModel.API_VERSION, ReplicaSetModel.KIND, List.of())
                .apply(plan.claim(), plan.claim().claimed(), Adoption.patcher(client, Pod.class));
    }
}
