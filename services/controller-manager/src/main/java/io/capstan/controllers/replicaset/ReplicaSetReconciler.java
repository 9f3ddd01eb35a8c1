package io.capstan.controllers.replicaset;

import io.capstan.api.json.KubeJson;
import io.capstan.controller.EventRecorder;
import io.capstan.controller.Indexers;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.ControllerRefs;
import io.capstan.controllers.common.Copies;
import io.capstan.controllers.common.Selectors;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.capstan.controllers.common.KubeErrors.message;

/**
 * syncReplicaSet of k8s.io/kubernetes/pkg/controller/replicaset: reads the ReplicaSet and the
 * namespace's pods from the informer caches, runs {@link ReplicaSetModel#plan}, and applies it:
 * adoption and release patches, then (only when earlier creates and deletes have been observed)
 * pod creates in slow-start batches or deletes, then the status through the status subresource.
 */
public final class ReplicaSetReconciler implements Reconciler {
    private static final Logger LOG = Logger.getLogger(ReplicaSetReconciler.class);

    private final KubernetesClient client;
    private final Store<ReplicaSet> replicaSets;
    private final Store<Pod> pods;
    private final PodExpectations expectations = new PodExpectations();
    private final EventRecorder events;

    /** Registers the expectation observer on {@code podInformer}, so build this before the informers start. */
    public ReplicaSetReconciler(KubernetesClient client, Informer<ReplicaSet> rsInformer, Informer<Pod> podInformer, EventRecorder events) {
        this.client = client;
        this.replicaSets = rsInformer.store();
        this.pods = podInformer.store();
        this.events = events;
        podInformer.addEventHandler(expectations);
    }

    /** ReplicaSets an orphan pod could be adopted by: those in its namespace whose selector matches it. */
    public Collection<Request> replicaSetsMatchingOrphan(Pod pod) {
        if (Indexers.controllerOf(pod).isPresent() || pod.getMetadata().getLabels() == null) {
            return List.of();
        }
        return replicaSets.list(pod.getMetadata().getNamespace()).stream()
                .filter(rs -> rs.getSpec().getSelector() != null && !Selectors.selectsEverything(rs.getSpec().getSelector())
                        && Selectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels()))
                .map(Request::of).toList();
    }

    /** A conflict means the cache was behind a write: retry quietly with backoff once it has caught up. */
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
        List<Pod> namespacePods = pods.list(request.namespace());
        ReplicaSetModel.Plan plan = ReplicaSetModel.plan(rs, namespacePods, relatedPods(rs), Instant.now());

        List<Pod> active = claim(rs, plan);
        String failure = null;
        if (needsSync && rs.getMetadata().getDeletionTimestamp() == null) {
            try {
                if (plan.createCount() > 0) {
                    create(rs, key, plan);
                } else if (!plan.delete().isEmpty()) {
                    delete(rs, key, plan.delete());
                }
            } catch (KubernetesClientException e) {
                failure = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            }
        }
        ReplicaSetStatus status = failure == null && active.size() == plan.active().size()
                ? plan.status() : ReplicaSetModel.status(rs, active, failure, Instant.now());
        if (!Objects.equals(status, rs.getStatus())) {
            ReplicaSet copy = Copies.deepCopy(rs);
            copy.setStatus(status);
            client.apps().replicaSets().inNamespace(request.namespace()).resource(copy).updateStatus();
        }
        if (failure != null) {
            throw new IllegalStateException("syncing ReplicaSet " + key + " failed: " + failure);
        }
        return plan.resyncAfter().map(Result::requeueAfter).orElse(Result.done());
    }

    /** Pods of this ReplicaSet and of its siblings under the same controller, for the deletion ranking. */
    private List<Pod> relatedPods(ReplicaSet rs) {
        OwnerReference owner = ControllerRefs.controllerOf(rs);
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
        List<Pod> active = new ArrayList<>(plan.claim().owned());
        for (Pod pod : plan.claim().adopt()) {
            if (patchPod(pod, ControllerRefs.adoptPatch(rs, ReplicaSetModel.API_VERSION, ReplicaSetModel.KIND, pod))) {
                active.add(pod);
            }
        }
        for (Pod pod : plan.claim().release()) {
            patchPod(pod, ControllerRefs.releasePatch(rs.getMetadata().getUid(), pod));
        }
        return active;
    }

    private boolean patchPod(Pod pod, com.fasterxml.jackson.databind.node.ObjectNode patch) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), KubeJson.string(patch));
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** slowStartBatch: each batch runs in parallel; the first failed batch ends the sync, the rest is skipped. */
    private void create(ReplicaSet rs, String key, ReplicaSetModel.Plan plan) throws InterruptedException {
        expectations.expectCreations(key, plan.createCount());
        int remaining = plan.createCount();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int batch : plan.createBatches()) {
                List<Future<Pod>> results = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    results.add(pool.submit(() -> client.pods().inNamespace(rs.getMetadata().getNamespace())
                            .resource(ReplicaSetModel.podFor(rs)).create()));
                }
                remaining -= batch;
                KubernetesClientException firstError = null;
                for (Future<Pod> result : results) {
                    try {
                        Pod created = result.get();
                        events.normal(rs, "SuccessfulCreate", "Created pod: %s", created.getMetadata().getName());
                    } catch (ExecutionException e) {
                        expectations.creationObserved(key);
                        KubernetesClientException error = e.getCause() instanceof KubernetesClientException k ? k
                                : new KubernetesClientException(String.valueOf(e.getCause()), e.getCause());
                        events.warning(rs, "FailedCreate", "Error creating: %s", message(error));
                        if (firstError == null) {
                            firstError = error;
                        }
                    }
                }
                if (firstError != null) {
                    for (int i = 0; i < remaining; i++) {
                        expectations.creationObserved(key);
                    }
                    LOG.debugf("skipping %d pod creations after a failure", remaining);
                    throw firstError;
                }
            }
        }
    }

    private void delete(ReplicaSet rs, String key, List<Pod> victims) {
        expectations.expectDeletions(key, victims.stream().map(p -> p.getMetadata().getUid()).toList());
        KubernetesClientException firstError = null;
        for (Pod pod : victims) {
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
                events.normal(rs, "SuccessfulDelete", "Deleted pod: %s", pod.getMetadata().getName());
            } catch (KubernetesClientException e) {
                expectations.deletionObserved(key, pod.getMetadata().getUid());
                events.warning(rs, "FailedDelete", "Error deleting: %s", message(e));
                if (firstError == null) {
                    firstError = e;
                }
            }
        }
        if (firstError != null) {
            throw firstError;
        }
    }

}
