package io.capstan.controllers.deployment;

import io.capstan.workloads.common.Owners;
import io.capstan.api.json.KubeJson;
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
import io.capstan.controllers.replicaset.ReplicaSetModel;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import com.fasterxml.jackson.databind.node.ObjectNode;


import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * syncDeployment of k8s.io/kubernetes/pkg/controller/deployment: reads the Deployment, the
 * namespace's ReplicaSets and pods from the informer caches, runs {@link DeploymentModel#plan}
 * and applies the plan in its order (adopt, release, create, update, delete, revision
 * annotation, status), stopping at the first failure: the retry recomputes from the new state.
 * Every write carries the resourceVersion the plan was computed from, so a plan made from a
 * stale cache fails with a conflict instead of undoing newer changes.
 */
public final class DeploymentReconciler implements Reconciler {
    private final KubernetesClient client;
    private final Store<Deployment> deployments;
    private final Store<ReplicaSet> replicaSets;
    private final Store<Pod> pods;
    private final EventRecorder events;

    public DeploymentReconciler(KubernetesClient client, Informer<Deployment> deployments, Informer<ReplicaSet> replicaSets,
                                Informer<Pod> pods, EventRecorder events) {
        this.client = client;
        this.deployments = deployments.store();
        this.replicaSets = replicaSets.store();
        this.pods = pods.store();
        this.events = events;
    }

    /** The Deployments a ReplicaSet event concerns: its controller, or for an orphan every Deployment that would adopt it. */
    public Collection<Request> deploymentsFor(ReplicaSet rs) {
        OwnerReference ref = Owners.controllerOf(rs);
        if (ref != null) {
            return DeploymentModel.KIND.equals(ref.getKind())
                    ? List.of(new Request(rs.getMetadata().getNamespace(), ref.getName())) : List.of();
        }
        return ControllerRefs.ownersMatchingOrphan(rs, deployments.list(rs.getMetadata().getNamespace()), d -> d.getSpec().getSelector());
    }

    /** The Deployment controlling a pod's ReplicaSet: Recreate waits for old pods to go. */
    public Collection<Request> deploymentOfPod(Pod pod) {
        OwnerReference ref = Owners.controllerOf(pod);
        if (ref == null || !ReplicaSetModel.KIND.equals(ref.getKind())) {
            return List.of();
        }
        return replicaSets.get(pod.getMetadata().getNamespace(), ref.getName())
                .map(Owners::controllerOf)
                .filter(owner -> DeploymentModel.KIND.equals(owner.getKind()))
                .map(owner -> List.of(new Request(pod.getMetadata().getNamespace(), owner.getName())))
                .orElse(List.of());
    }

    /** A conflict means the cache was behind a write: retry quietly with backoff once it has caught up. */
    @Override
    public Result reconcile(Request request) {
        return sync(request);
    }

    private Result sync(Request request) {
        Deployment d = deployments.get(request.namespace(), request.name()).orElse(null);
        if (d == null) {
            return Result.done();
        }
        String ns = request.namespace();
        List<ReplicaSet> candidates = ClaimCandidates.of(replicaSets, d);
        List<Pod> candidatePods = new ArrayList<>();
        for (ReplicaSet rs : candidates) {
            candidatePods.addAll(pods.byIndex(Indexers.OWNER_UID, rs.getMetadata().getUid()));
        }
        DeploymentPlan plan = DeploymentModel.plan(d, candidates, name -> replicaSets.get(ns, name).orElse(null), candidatePods, Instant.now());

        Adoption.by(client, d, DeploymentModel.API_VERSION, DeploymentModel.KIND, List.of())
                .apply(new Owners.Claim<>(List.of(), plan.adopt(), plan.release()), List.of(), Adoption.patcher(client, ReplicaSet.class));
        if (plan.create().isPresent()) {
            try {
                client.apps().replicaSets().inNamespace(ns).resource(plan.create().get()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    // the cache has not seen it yet, or another template hashed to its name: the next plan tells
                    return Result.requeue();
                }
                throw e;
            }
        }
        for (ReplicaSet rs : plan.update()) {
            client.apps().replicaSets().inNamespace(ns).resource(rs).update();
        }
        for (ReplicaSet rs : plan.delete()) {
            client.apps().replicaSets().inNamespace(ns).withName(rs.getMetadata().getName()).delete();
        }
        for (DeploymentPlan.Event e : plan.events()) {
            events.event(d, e.type(), e.reason(), e.message());
        }
        Deployment current = d;
        if (plan.annotations().isPresent()) {
            current = client.apps().deployments().inNamespace(ns).withName(d.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), KubeJson.string(annotationsPatch(d, plan.annotations().get())));
        }
        if (!Objects.equals(plan.status(), d.getStatus())) {
            // shares the spec, which the write only reads (the client may touch the metadata)
            Deployment withStatus = new Deployment(current.getApiVersion(), current.getKind(), new ObjectMetaBuilder(current.getMetadata()).build(), current.getSpec(), plan.status());
            client.apps().deployments().inNamespace(ns).resource(withStatus).updateStatus();
        }
        return plan.requeueAfter()
                .map(after -> after.isZero() ? Result.requeue() : Result.requeueAfter(after))
                .orElse(Result.done());
    }

    /** A merge patch from the Deployment's annotations to {@code wanted}, guarded by its resourceVersion. */
    static ObjectNode annotationsPatch(Deployment d, Map<String, String> wanted) {
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        meta.put("resourceVersion", d.getMetadata().getResourceVersion());
        ObjectNode annotations = meta.putObject("annotations");
        Map<String, String> current = Optional.ofNullable(d.getMetadata().getAnnotations()).orElse(Map.of());
        wanted.forEach((k, v) -> {
            if (!v.equals(current.get(k))) {
                annotations.put(k, v);
            }
        });
        current.keySet().stream().filter(k -> !wanted.containsKey(k)).forEach(annotations::putNull);
        return patch;
    }
}
