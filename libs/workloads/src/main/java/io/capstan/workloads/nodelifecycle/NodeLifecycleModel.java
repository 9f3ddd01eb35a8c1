package io.capstan.workloads.nodelifecycle;

import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Pods;
import io.capstan.workloads.common.Times;
import io.capstan.workloads.daemonset.NodeFit;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The node lifecycle controller's decisions for one node, as
 * k8s.io/kubernetes/pkg/controller/nodelifecycle (tryUpdateNodeHealth, the NoSchedule and
 * NoExecute tainting passes, MarkPodsNotReady) and the taint eviction controller make them.
 *
 * <p>A node is heard from through its Lease in {@code kube-node-lease} and the heartbeat of its
 * Ready condition. When neither moved for the grace period, its Ready, MemoryPressure,
 * DiskPressure and PIDPressure conditions become Unknown. Its condition taints follow its
 * conditions: Ready=Unknown gives {@code unreachable}, Ready=False {@code not-ready} (each as
 * NoSchedule and NoExecute), pressure conditions their NoSchedule taints. A pod that does not
 * tolerate a NoExecute taint is evicted at once; one that tolerates it for {@code
 * tolerationSeconds} is evicted that long after the taint's {@code timeAdded}.
 *
 * <p>Upstream's taint manager starts each pod's countdown when it observes the taint; counting
 * from {@code timeAdded} instead makes the decision survive a controller restart. A NoExecute
 * taint without {@code timeAdded} (added by a user) evicts only pods that do not tolerate it.
 */
public final class NodeLifecycleModel {
    public static final String LEASE_NAMESPACE = "kube-node-lease";
    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    public static final String NOT_READY = "node.kubernetes.io/not-ready";
    public static final String UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
    public static final String MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure";
    public static final String DISK_PRESSURE = "node.kubernetes.io/disk-pressure";
    public static final String PID_PRESSURE = "node.kubernetes.io/pid-pressure";
    public static final String NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";
    public static final String NO_EXECUTE = "NoExecute";
    public static final String NO_SCHEDULE = "NoSchedule";
    static final List<String> PRESSURE_CONDITIONS = List.of("MemoryPressure", "DiskPressure", "PIDPressure");

    /** nodeConditionToTaintKeyStatusMap: condition type, then status, to the NoSchedule taint it brings. */
    private static final Map<String, Map<String, String>> CONDITION_TAINTS = Map.of(
            "Ready", Map.of("False", NOT_READY, "Unknown", UNREACHABLE),
            "MemoryPressure", Map.of("True", MEMORY_PRESSURE),
            "DiskPressure", Map.of("True", DISK_PRESSURE),
            "NetworkUnavailable", Map.of("True", NETWORK_UNAVAILABLE),
            "PIDPressure", Map.of("True", PID_PRESSURE));
    private static final List<String> NO_SCHEDULE_KEYS = List.of(NOT_READY, UNREACHABLE, MEMORY_PRESSURE, DISK_PRESSURE,
            NETWORK_UNAVAILABLE, PID_PRESSURE, UNSCHEDULABLE);

    private NodeLifecycleModel() {
    }

    /**
     * @param gracePeriod              how long a node may stay silent (--node-monitor-grace-period, 40 s)
     * @param startupGracePeriod       the same for a node that never posted a Ready condition (60 s)
     * @param defaultTolerationSeconds what the DefaultTolerationSeconds admission gives pods for
     *                                 not-ready and unreachable (300 s)
     */
    public record Settings(Duration gracePeriod, Duration startupGracePeriod, long defaultTolerationSeconds) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(40), Duration.ofSeconds(60), 300);
    }

    /**
     * What to write for one node.
     *
     * @param conditions   the node's new {@code status.conditions}, or null when they stay as they are
     * @param taints       the node's new {@code spec.taints}, or null when they stay as they are
     * @param markNotReady pods on the node with their Ready condition set to False (status writes)
     * @param evict        pods to delete
     * @param requeueAfter when to look at the node again (the lease expiring or the next eviction), or null
     */
    public record Plan(List<NodeCondition> conditions, List<Taint> taints, List<Pod> markNotReady, List<Pod> evict,
                       Duration requeueAfter) {
    }

    /** The last time the node was heard from: its lease renewal or Ready heartbeat, or its creation if it never reported. */
    public static Instant probeTime(Node node, Lease lease) {
        Instant probe = null;
        if (lease != null && lease.getSpec() != null && lease.getSpec().getRenewTime() != null) {
            probe = lease.getSpec().getRenewTime().toInstant();
        }
        NodeCondition ready = condition(conditions(node), "Ready");
        Instant heartbeat = ready == null ? Times.parse(node.getMetadata().getCreationTimestamp()) : Times.parse(ready.getLastHeartbeatTime());
        if (heartbeat != null && (probe == null || heartbeat.isAfter(probe))) {
            probe = heartbeat;
        }
        return probe;
    }

    /**
     * Whether a renewal of the node's lease can change what {@link #desired} plans now: only for a
     * node that is not Ready. A Ready node's lease is looked at when it could expire, the
     * {@link Plan#requeueAfter} of its last pass (upstream's monitor looks on a period too).
     */
    public static boolean leaseRenewalMatters(Node node) {
        return !isReady(node);
    }

    /**
     * Whether a change of one of the node's pods can change what {@link #desired} plans: on a node
     * that is not Ready (its pods are marked not ready) or has a NoExecute taint (pods that do not
     * tolerate it are evicted). A node becoming so is a change of the node, and its pass sees every pod.
     */
    public static boolean podChangesMatter(Node node) {
        return !isReady(node) || taintsOf(node).stream().anyMatch(t -> NO_EXECUTE.equals(t.getEffect()));
    }

    private static boolean isReady(Node node) {
        NodeCondition ready = condition(conditions(node), "Ready");
        return ready != null && "True".equals(ready.getStatus());
    }

    /**
     * One pass over a node.
     *
     * @param lease the node's Lease (named after the node in {@value #LEASE_NAMESPACE}), or null
     * @param pods  pods of any node; those with {@code spec.nodeName} equal to the node's name count
     */
    public static Plan desired(Node node, Lease lease, List<Pod> pods, Instant now, Settings settings) {
        List<NodeCondition> current = conditions(node);
        boolean reported = condition(current, "Ready") != null;
        Duration grace = reported ? settings.gracePeriod() : settings.startupGracePeriod();
        Instant probe = probeTime(node, lease);
        Instant expiry = probe == null ? null : probe.plus(grace);
        boolean stale = expiry == null || now.isAfter(expiry);

        List<NodeCondition> conditions = stale ? unknown(node, current, now) : current;
        List<Taint> taints = taints(node, conditions, now);
        String readyStatus = condition(conditions, "Ready") == null ? "Unknown" : condition(conditions, "Ready").getStatus();

        String nodeName = node.getMetadata().getName();
        List<Pod> onNode = pods.stream().filter(p -> p.getSpec() != null && nodeName.equals(p.getSpec().getNodeName())).toList();
        List<Pod> markNotReady = new ArrayList<>();
        if (!"True".equals(readyStatus)) {
            for (Pod pod : onNode) {
                PodCondition c = Pods.condition(pod, "Ready");
                if (c != null && !"False".equals(c.getStatus())) {
                    markNotReady.add(notReady(pod, now));
                }
            }
        }

        List<Pod> evict = new ArrayList<>();
        Instant next = stale ? null : expiry.plusMillis(1);
        List<Taint> noExecute = taints.stream().filter(t -> NO_EXECUTE.equals(t.getEffect())).toList();
        for (Pod pod : onNode) {
            if (noExecute.isEmpty() || Pods.isTerminating(pod)) {
                continue;
            }
            Instant deadline = evictionTime(pod, noExecute, settings.defaultTolerationSeconds());
            if (deadline == null) {
                continue;
            }
            if (!now.isBefore(deadline)) {
                evict.add(pod);
            } else if (next == null || deadline.isBefore(next)) {
                next = deadline;
            }
        }
        return new Plan(conditions.equals(current) ? null : conditions, taints.equals(taintsOf(node)) ? null : taints,
                markNotReady, evict, next == null ? null : Duration.between(now, next));
    }

    /**
     * When the pod must leave a node with these NoExecute taints: {@link Instant#MIN} if one is not
     * tolerated, else the earliest {@code timeAdded + tolerationSeconds} over the taints (each judged
     * by the first toleration that tolerates it, as upstream's GetMatchingTolerations), or null
     * when the pod may stay forever.
     */
    public static Instant evictionTime(Pod pod, List<Taint> noExecuteTaints, long defaultTolerationSeconds) {
        List<Toleration> tolerations = withDefaultTolerations(pod, defaultTolerationSeconds);
        Instant earliest = null;
        for (Taint taint : noExecuteTaints) {
            Toleration match = tolerations.stream().filter(t -> NodeFit.tolerated(taint, List.of(t))).findFirst().orElse(null);
            if (match == null) {
                return Instant.MIN;
            }
            Instant added = Times.parse(taint.getTimeAdded());
            if (match.getTolerationSeconds() == null || added == null) {
                continue;
            }
            Instant deadline = added.plusSeconds(Math.max(0, match.getTolerationSeconds()));
            if (earliest == null || deadline.isBefore(earliest)) {
                earliest = deadline;
            }
        }
        return earliest;
    }

    /**
     * The pod's tolerations with those the DefaultTolerationSeconds admission plugin adds: not-ready
     * and unreachable, NoExecute, for {@code seconds}, unless the pod already tolerates that key
     * (or every key) with effect NoExecute (or every effect).
     */
    public static List<Toleration> withDefaultTolerations(Pod pod, long seconds) {
        List<Toleration> out = new ArrayList<>(pod.getSpec() == null || pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations());
        for (String key : List.of(NOT_READY, UNREACHABLE)) {
            boolean has = out.stream().anyMatch(t -> (t.getKey() == null || t.getKey().isEmpty() || key.equals(t.getKey()))
                    && (t.getEffect() == null || t.getEffect().isEmpty() || NO_EXECUTE.equals(t.getEffect())));
            if (!has) {
                out.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(NO_EXECUTE).withTolerationSeconds(seconds).build());
            }
        }
        return out;
    }

    /** tryUpdateNodeHealth for a silent node: Ready and the pressure conditions become Unknown. */
    private static List<NodeCondition> unknown(Node node, List<NodeCondition> current, Instant now) {
        List<NodeCondition> out = new ArrayList<>();
        current.forEach(c -> out.add(Copies.deepCopy(c)));
        String ts = Times.format(now);
        List<String> types = new ArrayList<>(List.of("Ready"));
        types.addAll(PRESSURE_CONDITIONS);
        for (String type : types) {
            NodeCondition c = condition(out, type);
            if (c == null) {
                out.add(new NodeConditionBuilder().withType(type).withStatus("Unknown").withReason("NodeStatusNeverUpdated")
                        .withMessage("Kubelet never posted node status.")
                        .withLastHeartbeatTime(node.getMetadata().getCreationTimestamp()).withLastTransitionTime(ts).build());
            } else if (!"Unknown".equals(c.getStatus())) {
                c.setStatus("Unknown");
                c.setReason("NodeStatusUnknown");
                c.setMessage("Kubelet stopped posting node status.");
                c.setLastTransitionTime(ts);
            }
        }
        return out;
    }

    /**
     * The node's taints after the NoSchedule and NoExecute passes: the controller's condition taints
     * made to match the conditions (existing ones keep their {@code timeAdded}, new ones get
     * {@code now}); every other taint untouched.
     */
    static List<Taint> taints(Node node, List<NodeCondition> conditions, Instant now) {
        List<Taint> want = new ArrayList<>();
        for (NodeCondition c : conditions) {
            String key = CONDITION_TAINTS.getOrDefault(c.getType(), Map.of()).get(c.getStatus());
            if (key != null) {
                want.add(taint(key, NO_SCHEDULE, now));
            }
        }
        if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            want.add(taint(UNSCHEDULABLE, NO_SCHEDULE, now));
        }
        NodeCondition ready = condition(conditions, "Ready");
        if (ready != null && "False".equals(ready.getStatus())) {
            want.add(taint(NOT_READY, NO_EXECUTE, now));
        } else if (ready != null && "Unknown".equals(ready.getStatus())) {
            want.add(taint(UNREACHABLE, NO_EXECUTE, now));
        }
        List<Taint> out = new ArrayList<>();
        for (Taint t : taintsOf(node)) {
            boolean managed = (NO_SCHEDULE.equals(t.getEffect()) && NO_SCHEDULE_KEYS.contains(t.getKey()))
                    || (NO_EXECUTE.equals(t.getEffect()) && (NOT_READY.equals(t.getKey()) || UNREACHABLE.equals(t.getKey())));
            if (!managed) {
                out.add(t);
                continue;
            }
            Taint wanted = want.stream().filter(w -> same(w, t)).findFirst().orElse(null);
            if (wanted != null) {
                out.add(t);
                want.remove(wanted);
            }
        }
        out.addAll(want);
        return out;
    }

    private static boolean same(Taint a, Taint b) {
        return Objects.equals(a.getKey(), b.getKey()) && Objects.equals(a.getEffect(), b.getEffect());
    }

    private static Taint taint(String key, String effect, Instant now) {
        return new TaintBuilder().withKey(key).withEffect(effect).withTimeAdded(Times.format(now)).build();
    }

    /** MarkPodsNotReady: the pod's Ready condition set to False. */
    private static Pod notReady(Pod pod, Instant now) {
        Pod out = Copies.deepCopy(pod);
        for (PodCondition c : out.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                c.setStatus("False");
                c.setLastTransitionTime(Times.format(now));
            }
        }
        return out;
    }

    private static List<NodeCondition> conditions(Node node) {
        return node.getStatus() == null || node.getStatus().getConditions() == null ? List.of() : node.getStatus().getConditions();
    }

    private static List<Taint> taintsOf(Node node) {
        return node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    }

    private static NodeCondition condition(List<NodeCondition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }
}
