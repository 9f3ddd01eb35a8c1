package io.capstan.controllers.nodelifecycle;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Indexers;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.Statuses;
import io.capstan.workloads.nodelifecycle.NodeLifecycleModel;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.capstan.workloads.common.Copies;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The node lifecycle controller (k8s.io/kubernetes/pkg/controller/nodelifecycle) keyed by Node:
 * reads the node's Lease from {@value NodeLifecycleModel#LEASE_NAMESPACE} and its pods from the
 * caches, runs {@link NodeLifecycleModel}, writes conditions through the node status subresource
 * and taints as a patch on the node, marks pods not ready, evicts (deletes) pods past their
 * toleration and looks again when the model asks. Each write is followed by the Event upstream
 * records for it: NodeNotReady on the node and on each pod marked not ready, TaintManagerEviction
 * on each evicted pod.
 */
public final class NodeLifecycleReconciler implements Reconciler {
    private static final Logger LOG = Logger.getLogger(NodeLifecycleReconciler.class);

    private final KubernetesClient client;
    private final Store<Node> nodes;
    private final Store<Lease> leases;
    private final Store<Pod> pods;
    private final NodeLifecycleModel.Settings settings;
    private final EventRecorder nodeEvents;
    private final EventRecorder evictionEvents;

    /**
     * @param nodeEvents     the node lifecycle controller's events (NodeNotReady on nodes and their pods)
     * @param evictionEvents the taint eviction controller's events (TaintManagerEviction)
     */
    public NodeLifecycleReconciler(KubernetesClient client, Store<Node> nodes, Store<Lease> leases, Store<Pod> pods,
                                   NodeLifecycleModel.Settings settings, EventRecorder nodeEvents, EventRecorder evictionEvents) {
        this.client = client;
        this.nodes = nodes;
        this.leases = leases;
        this.pods = pods;
        this.settings = settings;
        this.nodeEvents = nodeEvents;
        this.evictionEvents = evictionEvents;
    }

    /** A node's Lease shares its name; its renewal wakes the node when {@link NodeLifecycleModel#leaseRenewalMatters}. */
    public Collection<Request> nodeOfLease(Lease lease) {
        if (!NodeLifecycleModel.LEASE_NAMESPACE.equals(lease.getMetadata().getNamespace())) {
            return List.of();
        }
        String name = lease.getMetadata().getName();
        return nodes.get(null, name).filter(NodeLifecycleModel::leaseRenewalMatters)
                .map(n -> List.of(new Request(null, name))).orElse(List.of());
    }

    /** A pod bound to a node wakes the node when {@link NodeLifecycleModel#podChangesMatter}. */
    public Collection<Request> nodeOfPod(Pod pod) {
        String name = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        if (name == null || name.isEmpty()) {
            return List.of();
        }
        return nodes.get(null, name).filter(NodeLifecycleModel::podChangesMatter)
                .map(n -> List.of(new Request(null, name))).orElse(List.of());
    }

    private static String readyStatus(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return null;
        }
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                .map(NodeCondition::getStatus).findFirst().orElse(null);
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) {
        Node node = nodes.get(null, request.name()).orElse(null);
        if (node == null || node.getMetadata().getDeletionTimestamp() != null) {
            return Result.done();
        }
        Lease lease = leases.get(NodeLifecycleModel.LEASE_NAMESPACE, request.name()).orElse(null);
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(node, lease,
                pods.byIndex(Indexers.NODE_NAME, request.name()), Instant.now(), settings);

        if (plan.conditions() != null) {
            Node copy = Copies.deepCopy(node);
            if (copy.getStatus() == null) {
                copy.setStatus(new NodeStatus());
            }
            copy.getStatus().setConditions(plan.conditions());
            if (!Statuses.same(copy.getStatus(), node.getStatus())) {
                client.nodes().resource(copy).updateStatus();
                if ("True".equals(readyStatus(node)) && !"True".equals(readyStatus(copy))) {
                    // RecordNodeStatusChange: once, when the node leaves Ready
                    nodeEvents.normal(node, "NodeNotReady", "Node %s status is now: NodeNotReady", request.name());
                }
            }
        }
        if (plan.taints() != null) {
            String patch = client.getKubernetesSerialization().asJson(Map.of(
                    "metadata", Map.of("resourceVersion", node.getMetadata().getResourceVersion()),
                    "spec", Map.of("taints", plan.taints())));
            client.nodes().withName(request.name()).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        }
        for (Pod pod : plan.markNotReady()) {
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
                nodeEvents.warning(pod, "NodeNotReady", "Node is not ready");
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
            }
        }
        for (Pod pod : plan.evict()) {
            LOG.infof("evicting pod %s/%s from node %s", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), request.name());
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
                evictionEvents.normal(pod, "TaintManagerEviction", "Marking for deletion Pod %s/%s",
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        return plan.requeueAfter() == null ? Result.done() : Result.requeueAfter(plan.requeueAfter());
    }
}
