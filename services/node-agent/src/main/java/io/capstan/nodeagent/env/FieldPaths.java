package io.capstan.nodeagent.env;

import io.capstan.nodeagent.node.Quantities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;

/**
 * The downward API values the kubelet computes for env vars and downwardAPI volumes
 * (pkg/fieldpath and pkg/api/v1/resource): pod fields by path, and container resources with a
 * divisor, where a limit that is not set means the node's allocatable.
 */
public final class FieldPaths {
    private FieldPaths() {
    }

    /** The value of a fieldRef; an unsupported path is a {@link ConfigError}. */
    public static String podField(Pod pod, String path, String podIp, String hostIp) {
        switch (path) {
            case "metadata.name":
                return pod.getMetadata().getName();
            case "metadata.namespace":
                return pod.getMetadata().getNamespace();
            case "metadata.uid":
                return pod.getMetadata().getUid();
            case "metadata.labels":
                return formatMap(pod.getMetadata().getLabels());
            case "metadata.annotations":
                return formatMap(pod.getMetadata().getAnnotations());
            case "spec.nodeName":
                return nullToEmpty(pod.getSpec().getNodeName());
            case "spec.serviceAccountName":
                return nullToEmpty(pod.getSpec().getServiceAccountName());
            case "status.hostIP", "status.hostIPs":
                return nullToEmpty(hostIp);
            case "status.podIP", "status.podIPs":
                return nullToEmpty(podIp);
            default:
                break;
        }
        String labels = subscript(path, "metadata.labels");
        if (labels != null) {
            return nullToEmpty(pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(labels));
        }
        String annotations = subscript(path, "metadata.annotations");
        if (annotations != null) {
            return nullToEmpty(pod.getMetadata().getAnnotations() == null ? null : pod.getMetadata().getAnnotations().get(annotations));
        }
        throw new ConfigError("unsupported fieldPath: " + path);
    }

    /** {@code metadata.labels['app']} gives {@code app}; null when the path is not that form. */
    private static String subscript(String path, String prefix) {
        if (path.startsWith(prefix + "['") && path.endsWith("']")) {
            return path.substring(prefix.length() + 2, path.length() - 2);
        }
        return null;
    }

    /** A resourceFieldRef's value for {@code container}: limits default to the node's allocatable. */
    public static String resource(Container container, ResourceFieldSelector selector, Map<String, Quantity> allocatable) {
        String resource = selector.getResource();
        int dot = resource.indexOf('.');
        if (dot < 0) {
            throw new ConfigError("unsupported container resource: " + resource);
        }
        String kind = resource.substring(0, dot);
        String name = resource.substring(dot + 1);
        Map<String, Quantity> values = container.getResources() == null ? null
                : "limits".equals(kind) ? container.getResources().getLimits()
                : "requests".equals(kind) ? container.getResources().getRequests() : null;
        if (!"limits".equals(kind) && !"requests".equals(kind)) {
            throw new ConfigError("unsupported container resource: " + resource);
        }
        Quantity value = values == null ? null : values.get(name);
        if (value == null && "limits".equals(kind)) {
            value = allocatable.get(name);
        }
        if (value == null && "requests".equals(kind)) {
            // requests default to the limit (API defaulting), else nothing
            Map<String, Quantity> limits = container.getResources() == null ? null : container.getResources().getLimits();
            value = limits == null ? null : limits.get(name);
        }
        BigDecimal amount = value == null ? BigDecimal.ZERO : Quantities.value(value);
        BigDecimal divisor = selector.getDivisor() == null || Quantities.value(selector.getDivisor()).signum() == 0
                ? BigDecimal.ONE : Quantities.value(selector.getDivisor());
        if ("cpu".equals(name)) {
            // CPU is counted in millicores before dividing, as convertResourceCPUToString does
            BigDecimal millis = amount.movePointRight(3).setScale(0, RoundingMode.CEILING);
            BigDecimal divisorMillis = divisor.movePointRight(3).setScale(0, RoundingMode.CEILING);
            return millis.divide(divisorMillis, 0, RoundingMode.CEILING).toPlainString();
        }
        return amount.setScale(0, RoundingMode.CEILING).divide(divisor.setScale(0, RoundingMode.CEILING).max(BigDecimal.ONE),
                0, RoundingMode.CEILING).toPlainString();
    }

    /** Labels and annotations as the downward API writes them: sorted {@code key="value"} lines (Go's %q). */
    public static String formatMap(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(e.getKey()).append('=').append(goQuote(e.getValue()));
        }
        return out.toString();
    }

    static String goQuote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
