package io.capstan.controllers.daemonset;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.Adoption;
import io.capstan.controllers.common.ClaimCandidates;
import io.capstan.controllers.common.ControllerRefs;
import io.capstan.controllers.common.PodControl;
import io.capstan.controllers.common.PodExpectations;
import io.capstan.workloads.common.Copies;
import io.capstan.controllers.common.RevisionHistory;
import io.capstan.controllers.common.Statuses;
import io.capstan.workloads.common.ControllerRevisions;
import io.capstan.workloads.common.Pods;
import io.capstan.workloads.daemonset.DaemonSetModel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;

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
    private final PodControl podControl;
    private final EventRecorder events;
    private final RevisionHistory history;

    /** Registers the expectation observer on {@code podInformer}, so build this before the informers start. */
    public DaemonSetReconciler(KubernetesClient client, Informer<DaemonSet> setInformer, Informer<Node> nodeInformer,
                               Informer<Pod> podInformer, Informer<ControllerRevision> revisionInformer, EventRecorder events) {
        this.client = client;
        this.sets = setInformer.store();
        this.nodes = nodeInformer.store();
        this.pods = podInformer.store();
        this.revisions = revisionInformer.store();
        this.events = events;
        this.history = new RevisionHistory(client);
        this.podControl = new PodControl(client, expectations, events);
        podInformer.addEventHandler(expectations);
    }

    /** DaemonSets an orphan pod or ControllerRevision could be adopted by (getDaemonSetsForPod, getDaemonSetsForHistory). */
    public Collection<Request> daemonSetsMatchingOrphan(HasMetadata orphan) {
        return ControllerRefs.ownersMatchingOrphan(orphan, sets.list(orphan.getMetadata().getNamespace()), d -> d.getSpec().getSelector());
    }

    /** A node appeared, changed or went: every DaemonSet decides again whether it runs there. */
    public Collection<Request> allDaemonSets(Node node) {
        return sets.list().stream().map(Request::of).toList();
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) throws InterruptedException {
        String key = request.toString();
        DaemonSet ds = sets.get(request.namespace(), request.name()).orElse(null);
        if (ds == null) {
            expectations.forget(key);
            return Result.done();
        }
        String ns = request.namespace();
        boolean satisfied = expectations.satisfied(key);
        Adoption adoption = Adoption.by(client, ds, DaemonSetModel.API_VERSION, DaemonSetModel.KIND, List.of());
        List<Pod> candidatePods = ClaimCandidates.of(pods, ds);
        candidatePods = adoption.apply(DaemonSetModel.claim(ds, candidatePods), candidatePods, Adoption.patcher(client, Pod.class));
        List<ControllerRevision> candidateRevisions = ClaimCandidates.of(revisions, ds);
        candidateRevisions = adoption.apply(DaemonSetModel.claimRevisions(ds, candidateRevisions), candidateRevisions,
                Adoption.patcher(client, ControllerRevision.class));
        DaemonSetModel.Plan plan = DaemonSetModel.plan(ds, nodes.list(), candidatePods, candidateRevisions, Instant.now());

        ControllerRevisions.Resolution rev = plan.revisions();
        if (!history.createAndRenumber(ns, rev, ds.getSpec().getTemplate())) {
            // A hash collision: the next sync names the revision with a raised collisionCount.
            DaemonSet copy = Copies.deepCopy(ds);
            DaemonSetStatus s = copy.getStatus() == null ? new DaemonSetStatus() : copy.getStatus();
            s.setCollisionCount((s.getCollisionCount() == null ? 0 : s.getCollisionCount()) + 1);
            copy.setStatus(s);
            client.apps().daemonSets().inNamespace(ns).resource(copy).updateStatus();
            return Result.requeue();
        }

        String failure = null;
        if (satisfied && ds.getMetadata().getDeletionTimestamp() == null) {
            for (Pod pod : plan.delete()) {
                if (Pods.isFailed(pod)) {
                    // as upstream, so users learn why their daemon pods keep being replaced
                    events.warning(ds, "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it",
                            pod.getMetadata().getNamespace(), pod.getMetadata().getName(), DaemonSetModel.targetNode(pod));
                }
            }
            PodControl.Outcome outcome = podControl.delete(ds, key, plan.delete());
            if (!outcome.failed()) {
                outcome = podControl.create(ds, key, plan.create().stream().map(DaemonSetModel.PodCreate::pod).toList());
            }
            failure = outcome.failed() ? message(outcome.firstError()) : null;
        }
        history.truncate(ns, rev);
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
}
