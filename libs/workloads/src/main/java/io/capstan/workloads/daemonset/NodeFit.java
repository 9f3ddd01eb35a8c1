package io.capstan.workloads.daemonset;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether a DaemonSet pod fits a node, as daemon.NodeShouldRunDaemonPod judges it: the
 * nodeSelector, the required node affinity and the node's NoSchedule/NoExecute taints against
 * the pod's tolerations (with the tolerations the DaemonSet controller adds).
 */
public final class NodeFit {
    /** What a DaemonSet should do on a node. */
    public record Decision(boolean shouldRun, boolean shouldContinueRunning) {
    }

    private NodeFit() {
    }

    /**
     * util.AddOrUpdateDaemonPodTolerations: not-ready and unreachable (NoExecute), disk-, memory-
     * and pid-pressure and unschedulable (NoSchedule), and network-unavailable for host-network pods.
     */
    public static List<Toleration> withDefaultTolerations(PodSpec spec) {
        List<Toleration> out = new ArrayList<>(spec.getTolerations() == null ? List.of() : spec.getTolerations());
        add(out, "node.kubernetes.io/not-ready", "NoExecute");
        add(out, "node.kubernetes.io/unreachable", "NoExecute");
        add(out, "node.kubernetes.io/disk-pressure", "NoSchedule");
        add(out, "node.kubernetes.io/memory-pressure", "NoSchedule");
        add(out, "node.kubernetes.io/pid-pressure", "NoSchedule");
        add(out, "node.kubernetes.io/unschedulable", "NoSchedule");
        if (Boolean.TRUE.equals(spec.getHostNetwork())) {
            add(out, "node.kubernetes.io/network-unavailable", "NoSchedule");
        }
        return out;
    }

    private static void add(List<Toleration> list, String key, String effect) {
        if (list.stream().noneMatch(t -> key.equals(t.getKey()) && effect.equals(t.getEffect()) && "Exists".equals(t.getOperator()))) {
            list.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build());
        }
    }

    /** NodeShouldRunDaemonPod for a pod spec (its tolerations already including the defaults). */
    public static Decision decide(PodSpec spec, Node node) {
        if (!matchesNodeSelector(spec, node) || !matchesRequiredAffinity(spec, node)) {
            return new Decision(false, false);
        }
        List<Toleration> tolerations = spec.getTolerations() == null ? List.of() : spec.getTolerations();
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        boolean noExecuteUntolerated = taints.stream().anyMatch(t -> "NoExecute".equals(t.getEffect()) && !tolerated(t, tolerations));
        boolean noScheduleUntolerated = taints.stream().anyMatch(t -> "NoSchedule".equals(t.getEffect()) && !tolerated(t, tolerations));
        if (noExecuteUntolerated) {
            return new Decision(false, false);
        }
        return new Decision(!noScheduleUntolerated, true);
    }

    public static boolean matchesNodeSelector(PodSpec spec, Node node) {
        Map<String, String> selector = spec.getNodeSelector();
        if (selector == null || selector.isEmpty()) {
            return true;
        }
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** requiredDuringSchedulingIgnoredDuringExecution: the terms are ORed, an empty term matches nothing. */
    public static boolean matchesRequiredAffinity(PodSpec spec, Node node) {
        if (spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null
                || spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return true;
        }
        List<NodeSelectorTerm> terms = spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        if (terms == null) {
            return false;
        }
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        Map<String, String> fields = Map.of("metadata.name", node.getMetadata().getName());
        for (NodeSelectorTerm term : terms) {
            List<NodeSelectorRequirement> exprs = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
            List<NodeSelectorRequirement> fieldExprs = term.getMatchFields() == null ? List.of() : term.getMatchFields();
            if (exprs.isEmpty() && fieldExprs.isEmpty()) {
                continue;
            }
            if (exprs.stream().allMatch(r -> requirement(r, labels)) && fieldExprs.stream().allMatch(r -> requirement(r, fields))) {
                return true;
            }
        }
        return false;
    }

    private static boolean requirement(NodeSelectorRequirement r, Map<String, String> values) {
        String v = values.get(r.getKey());
        List<String> vs = r.getValues() == null ? List.of() : r.getValues();
        return switch (r.getOperator()) {
            case "In" -> v != null && vs.contains(v);
            case "NotIn" -> v == null || !vs.contains(v);
            case "Exists" -> v != null;
            case "DoesNotExist" -> v == null;
            case "Gt", "Lt" -> {
                if (v == null || vs.size() != 1) {
                    yield false;
                }
                try {
                    long have = Long.parseLong(v);
                    long want = Long.parseLong(vs.get(0));
                    yield "Gt".equals(r.getOperator()) ? have > want : have < want;
                } catch (NumberFormatException e) {
                    yield false;
                }
            }
            default -> false;
        };
    }

    /** v1helper.TolerationsTolerateTaint. */
    public static boolean tolerated(Taint taint, List<Toleration> tolerations) {
        for (Toleration t : tolerations) {
            if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) {
                continue;
            }
            String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
            boolean emptyKey = t.getKey() == null || t.getKey().isEmpty();
            if (emptyKey && "Exists".equals(op)) {
                return true;
            }
            if (!Objects.equals(t.getKey(), taint.getKey())) {
                continue;
            }
            if ("Exists".equals(op)) {
                return true;
            }
            String tv = t.getValue() == null ? "" : t.getValue();
            String kv = taint.getValue() == null ? "" : taint.getValue();
            if ("Equal".equals(op) && tv.equals(kv)) {
                return true;
            }
        }
        return false;
    }
}
