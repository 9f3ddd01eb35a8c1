package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.util.ArrayList;
import java.util.List;

import static io.capstan.printers.Fields.present;
import static io.capstan.printers.Fields.text;

/**
 * The TARGETS cell of {@code formatHPAMetrics}. The apiserver prints the internal (v2-shaped) HPA,
 * so an autoscaling/v1 object is read as its conversion: one cpu utilization metric from
 * {@code targetCPUUtilizationPercentage}. Statuses are matched to specs by index, as Kubernetes does.
 */
final class HpaTargets {

    private static final int MAX = 2;
    private static final String UNKNOWN = "<unknown>";

    private HpaTargets() {
    }

    static String format(JsonNode hpa) {
        JsonNode spec = hpa.path("spec");
        JsonNode status = hpa.path("status");
        if ("autoscaling/v1".equals(text(hpa, "apiVersion")) || spec.has("targetCPUUtilizationPercentage")) {
            return v1(spec, status);
        }
        List<JsonNode> specs = Fields.list(spec, "metrics");
        List<JsonNode> statuses = Fields.list(status, "currentMetrics");
        if (specs.isEmpty()) {
            return "<none>";
        }
        List<String> list = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            list.add(metric(specs.get(i), i < statuses.size() ? statuses.get(i) : null));
        }
        int count = list.size();
        if (count > MAX) {
            return String.join(", ", list.subList(0, MAX)) + " + " + (count - MAX) + " more...";
        }
        return String.join(", ", list);
    }

    private static String v1(JsonNode spec, JsonNode status) {
        if (!spec.has("targetCPUUtilizationPercentage")) {
            return "<none>";
        }
        String current = status.has("currentCPUUtilizationPercentage")
                ? status.path("currentCPUUtilizationPercentage").asLong() + "%" : UNKNOWN;
        return "cpu: " + current + "/" + spec.path("targetCPUUtilizationPercentage").asLong() + "%";
    }

    private static String metric(JsonNode spec, JsonNode status) {
        JsonNode st = status == null ? MissingNode.getInstance() : status;
        switch (text(spec, "type")) {
            case "External": {
                JsonNode target = spec.path("external").path("target");
                JsonNode current = st.path("external").path("current");
                if (present(target, "averageValue")) {
                    String cur = present(current, "averageValue") ? text(current, "averageValue") : UNKNOWN;
                    return cur + "/" + text(target, "averageValue") + " (avg)";
                }
                String cur = present(st, "external") ? text(current, "value") : UNKNOWN;
                return cur + "/" + text(target, "value");
            }
            case "Pods": {
                String cur = present(st, "pods") ? text(st, "pods", "current", "averageValue") : UNKNOWN;
                return cur + "/" + text(spec, "pods", "target", "averageValue");
            }
            case "Object": {
                JsonNode target = spec.path("object").path("target");
                JsonNode current = st.path("object").path("current");
                if (present(target, "averageValue")) {
                    String cur = present(current, "averageValue") ? text(current, "averageValue") : UNKNOWN;
                    return cur + "/" + text(target, "averageValue") + " (avg)";
                }
                String cur = present(st, "object") ? text(current, "value") : UNKNOWN;
                return cur + "/" + text(target, "value");
            }
            case "Resource":
                return resource(spec.path("resource"), st, "resource");
            case "ContainerResource":
                return resource(spec.path("containerResource"), st, "containerResource");
            default:
                return "<unknown type>";
        }
    }

    private static String resource(JsonNode source, JsonNode status, String field) {
        JsonNode target = source.path("target");
        JsonNode current = status.path(field).path("current");
        String name = text(source, "name");
        if (present(target, "averageValue")) {
            String cur = present(status, field) ? Fields.orElse(text(current, "averageValue"), UNKNOWN) : UNKNOWN;
            return name + ": " + cur + "/" + text(target, "averageValue");
        }
        String cur = present(current, "averageUtilization") ? current.path("averageUtilization").asLong() + "%" : UNKNOWN;
        String tgt = present(target, "averageUtilization") ? target.path("averageUtilization").asLong() + "%" : "<auto>";
        return name + ": " + cur + "/" + tgt;
    }
}
