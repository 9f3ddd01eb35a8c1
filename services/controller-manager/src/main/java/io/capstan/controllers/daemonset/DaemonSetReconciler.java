package io.capstan.controllers.daemonset;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.Copies;
import io.capstan.controllers.common.Revisions;
import io.capstan.controllers.common.Statuses;
import io.capstan.controllers.replicaset.PodExpectations;
import io.capstan.workloads.common.ControllerRevisions;
import io.capstan.workloads.daemonset.DaemonSetModel;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

import static io.capstan.controllers.common.KubeErrors.message;

/**
 * syncDaemonSet of k8s.io/kubernetes/pkg/controller/daemon: reads the DaemonSet, every Node and
 * the namespace's pods and ControllerRevisions from the informer caches, runs
 * {@link DaemonSetModel#plan} and applies it: revision history, then (once earlier creates and
 * deletes have been observed) one pod per node that should run it, created with a required node
 * affinity on the node's name as upstream does (binding is the scheduler's job), and deletions of
 * pods on nodes that no longer fit or that a rolling update replaces; then the status.
 */
public final class DaemonSetReconciler implements Reconciler {

    private final KubernetesClient client;
    private final Store<DaemonSet> sets;
    private final Store<Node> nodes;
    private final Store<Pod> pods;
    private final Store<ControllerRevision> revisions;
    private final PodExpectations expectations = new PodExpectations(DaemonSetModel.KIND);
    private final EventRecorder events;

    /** Registers the expectation observer on {@code podInformer}, so build this before the informers start. */
    public DaemonSetReconciler(KubernetesClient client, Informer<DaemonSet> setInformer, Informer<Node> nodeInformer,
                               Informer<Pod> podInformer, Informer<ControllerRevision> revisionInformer, EventRecorder events) {
        this.client = client;
        this.sets = setInformer.store();
        this.nodes = nodeInformer.store();
        this.pods = podInformer.store();
        this.revisions = revisionInformer.store();
        this.events = events;
        podInformer.addEventHandler(expectations);
    }

    /** A node appeared, changed or went: every DaemonSet decides again whether it runs there. */
    public Collection<Request> allDaemonSets(Node node) {
        return sets.list().stream().map(Request::of).toList();
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) {
        String key = request.toString();
        DaemonSet ds = sets.get(request.namespace(), request.name()).orElse(null);
        if (ds == null) {
            expectations.forget(key);
            return Result.done();
        }
        String ns = request.namespace();
        boolean satisfied = expectations.satisfied(key);
        DaemonSetModel.Plan plan = DaemonSetModel.plan(ds, nodes.list(), pods.list(ns), Revisions.normalized(revisions.list(ns)), Instant.now());

        ControllerRevisions.Resolution rev = plan.revisions();
        if (rev.create()) {
            try {
                client.apps().controllerRevisions().inNamespace(ns).resource(rev.update()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                ControllerRevision existing = client.apps().controllerRevisions().inNamespace(ns).withName(rev.update().getMetadata().getName()).get();
                if (existing != null && !ControllerRevisions.sameData(Revisions.normalized(existing), ControllerRevisions.templatePatch(ds.getSpec().getTemplate()))) {
                    // A hash collision: the next sync names the revision with a raised collisionCount.
                    DaemonSet copy = Copies.deepCopy(ds);
                    DaemonSetStatus s = copy.getStatus() == null ? new DaemonSetStatus() : copy.getStatus();
                    s.setCollisionCount((s.getCollisionCount() == null ? 0 : s.getCollisionCount()) + 1);
                    copy.setStatus(s);
                    client.apps().daemonSets().inNamespace(ns).resource(copy).updateStatus();
                    return Result.requeue();
                }
            }
        }
        if (rev.renumber() != null) {
            client.apps().controllerRevisions().inNamespace(ns).resource(rev.renumber()).update();
        }

        String failure = null;
        if (satisfied && ds.getMetadata().getDeletionTimestamp() == null) {
            failure = delete(ds, key, plan.delete());
            if (failure == null) {
                failure = create(ds, key, plan.create());
            }
        }
        for (ControllerRevision old : rev.delete()) {
            try {
                client.apps().controllerRevisions().inNamespace(ns).withName(old.getMetadata().getName()).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        DaemonSetStatus status = plan.status();
        if (!Statuses.same(status, ds.getStatus())) {
            DaemonSet copy = Copies.deepCopy(ds);
            copy.setStatus(status);
            client.apps().daemonSets().inNamespace(ns).resource(copy).updateStatus();
        }
        if (failure != null) {
            throw new IllegalStateException("syncing DaemonSet " + key + " failed: " + failure);
        }
        Integer minReady = ds.getSpec().getMinReadySeconds();
        if (minReady != null && minReady > 0 && status.getNumberAvailable() != null && status.getNumberReady() != null
                && status.getNumberAvailable() < status.getNumberReady()) {
            return Result.requeueAfter(Duration.ofSeconds(minReady));
        }
        return Result.done();
    }

    /** Creates each node's pod; returns the first failure's message, or null. */
    private String create(DaemonSet ds, String key, List<DaemonSetModel.PodCreate> wanted) {
        if (wanted.isEmpty()) {
            return null;
        }
        expectations.expectCreations(key, wanted.size());
        String failure = null;
        for (DaemonSetModel.PodCreate c : wanted) {
            if (failure != null) {
                expectations.creationObserved(key);
                continue;
            }
            try {
                Pod created = client.pods().inNamespace(ds.getMetadata().getNamespace()).resource(c.pod()).create();
                events.normal(ds, "SuccessfulCreate", "Created pod: %s", created.getMetadata().getName());
            } catch (KubernetesClientException e) {
                expectations.creationObserved(key);
                events.warning(ds, "FailedCreate", "Error creating: %s", message(e));
                failure = message(e);
            }
        }
        return failure;
    }

    private String delete(DaemonSet ds, String key, List<Pod> victims) {
        if (victims.isEmpty()) {
            return null;
        }
        expectations.expectDeletions(key, victims.stream().map(p -> p.getMetadata().getUid()).toList());
        String failure = null;
        for (Pod pod : victims) {
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
                events.normal(ds, "SuccessfulDelete", "Deleted pod: %s", pod.getMetadata().getName());
            } catch (KubernetesClientException e) {
                expectations.deletionObserved(key, pod.getMetadata().getUid());
                if (e.getCode() != 404) {
                    events.warning(ds, "FailedDelete", "Error deleting: %s", message(e));
                    if (failure == null) {
                        failure = message(e);
                    }
                }
            }
        }
        return failure;
    }

}
