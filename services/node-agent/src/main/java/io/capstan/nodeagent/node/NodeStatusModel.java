package io.capstan.nodeagent.node;

import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Node and Lease objects a kubelet writes, as pure functions of what it knows about its
 * node: registration (labels, annotations, podCIDR, status) as kubelet_node_status.go builds it,
 * and the four conditions with the kubelet's reasons and messages (setters.go), whose
 * {@code lastTransitionTime} moves only when the status flips.
 */
public final class NodeStatusModel {
    public static final String LEASE_NAMESPACE = "kube-node-lease";
    /** The kubelet's --node-lease-duration-seconds. */
    public static final int LEASE_DURATION_SECONDS = 40;
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private NodeStatusModel() {
    }

    /**
     * What a node is and how it is doing.
     *
     * @param notReadyMessage why the node is not ready, or null when it is
     */
    public record NodeFacts(String name, String internalIp, int kubeletPort, List<String> podCidrs,
                            Map<String, Quantity> capacity, Map<String, Quantity> allocatable, NodeSystemInfo info,
                            List<ContainerImage> images, boolean memoryPressure, boolean diskPressure, boolean pidPressure,
                            String notReadyMessage) {
        public NodeFacts {
            Objects.requireNonNull(name, "name");
            podCidrs = List.copyOf(podCidrs);
            images = List.copyOf(images);
        }
    }

    /** The Node to create when registering: labels and annotations as a kubelet sets them, spec.podCIDR(s), status. */
    public static Node registration(NodeFacts facts, Instant now) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("beta.kubernetes.io/arch", facts.info().getArchitecture());
        labels.put("beta.kubernetes.io/os", facts.info().getOperatingSystem());
        labels.put("kubernetes.io/arch", facts.info().getArchitecture());
        labels.put("kubernetes.io/hostname", facts.name());
        labels.put("kubernetes.io/os", facts.info().getOperatingSystem());
        NodeBuilder node = new NodeBuilder()
                .withNewMetadata().withName(facts.name()).withLabels(labels)
                .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
                .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
                .endMetadata()
                .withNewSpec().endSpec()
                .withStatus(status(facts, List.of(), now));
        if (!facts.podCidrs().isEmpty()) {
            node.editSpec().withPodCIDR(facts.podCidrs().get(0)).withPodCIDRs(facts.podCidrs()).endSpec();
        }
        return node.build();
    }

    /**
     * The node's status now. Conditions keep their {@code lastTransitionTime} from
     * {@code previous} while their status stays; the heartbeat is {@code now}.
     */
    public static NodeStatus status(NodeFacts facts, List<NodeCondition> previous, Instant now) {
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        List<NodeCondition> conditions = new ArrayList<>();
        conditions.add(condition(previous, "MemoryPressure", facts.memoryPressure(), time,
                "KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
                "KubeletHasSufficientMemory", "kubelet has sufficient memory available"));
        conditions.add(condition(previous, "DiskPressure", facts.diskPressure(), time,
                "KubeletHasDiskPressure", "kubelet has disk pressure",
                "KubeletHasNoDiskPressure", "kubelet has no disk pressure"));
        conditions.add(condition(previous, "PIDPressure", facts.pidPressure(), time,
                "KubeletHasInsufficientPID", "kubelet has insufficient PID available",
                "KubeletHasSufficientPID", "kubelet has sufficient PID available"));
        boolean ready = facts.notReadyMessage() == null;
        conditions.add(condition(previous, "Ready", ready, time,
                "KubeletReady", "kubelet is posting ready status",
                "KubeletNotReady", facts.notReadyMessage()));
        return new NodeStatusBuilder()
                .withCapacity(new LinkedHashMap<>(facts.capacity()))
                .withAllocatable(new LinkedHashMap<>(facts.allocatable()))
                .withConditions(conditions)
                .addNewAddress().withType("InternalIP").withAddress(facts.internalIp()).endAddress()
                .addNewAddress().withType("Hostname").withAddress(facts.name()).endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(facts.kubeletPort()).endKubeletEndpoint().endDaemonEndpoints()
                .withNodeInfo(facts.info())
                .withImages(facts.images())
                .build();
    }

    private static NodeCondition condition(List<NodeCondition> previous, String type, boolean isTrue, String now,
                                           String trueReason, String trueMessage, String falseReason, String falseMessage) {
        String status = isTrue ? "True" : "False";
        String transition = now;
        for (NodeCondition c : previous) {
            if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                transition = c.getLastTransitionTime();
            }
        }
        return new NodeConditionBuilder().withType(type).withStatus(status)
                .withReason(isTrue ? trueReason : falseReason).withMessage(isTrue ? trueMessage : falseMessage)
                .withLastHeartbeatTime(now).withLastTransitionTime(transition).build();
    }

    /** True when the two differ in more than their heartbeat times, i.e. the node has news to post. */
    public static boolean changed(NodeStatus before, NodeStatus after) {
        if (before == null) {
            return true;
        }
        return !withoutHeartbeats(before).equals(withoutHeartbeats(after));
    }

    private static NodeStatus withoutHeartbeats(NodeStatus status) {
        NodeStatusBuilder copy = new NodeStatusBuilder(status);
        List<NodeCondition> conditions = new ArrayList<>();
        if (status.getConditions() != null) {
            for (NodeCondition c : status.getConditions()) {
                conditions.add(new NodeConditionBuilder(c).withLastHeartbeatTime(null).build());
            }
        }
        return copy.withConditions(conditions).build();
    }

    /** The node's Lease in kube-node-lease, owned by the Node so it goes when the Node goes. */
    public static Lease lease(String nodeName, String nodeUid, Instant renewTime) {
        LeaseBuilder lease = new LeaseBuilder()
                .withNewMetadata().withName(nodeName).withNamespace(LEASE_NAMESPACE).endMetadata()
                .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(LEASE_DURATION_SECONDS)
                .withRenewTime(ZonedDateTime.ofInstant(renewTime, ZoneOffset.UTC)).endSpec();
        if (nodeUid != null) {
            lease.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(nodeName)
                    .withUid(nodeUid).endOwnerReference().endMetadata();
        }
        return lease.build();
    }

    /** Kubernetes' MicroTime: RFC 3339 with six fractional digits. */
    public static String microTime(Instant instant) {
        return MICRO_TIME.format(instant);
    }
}
