package io.capstan.validation;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

import static io.capstan.validation.Trees.arr;
import static io.capstan.validation.Trees.has;
import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;

/**
 * Converts objects between the served versions of one resource, on the wire JSON.
 *
 * <p>HorizontalPodAutoscaler autoscaling/v1 and v2 follow k8s.io/kubernetes
 * pkg/apis/autoscaling/v1/conversion.go: v1's {@code targetCPUUtilizationPercentage} is v2's CPU
 * utilization metric, and what v1 cannot express (other metrics, current metrics, conditions,
 * behavior) travels in the {@code autoscaling.alpha.kubernetes.io/*} annotations, so v2 → v1 → v2
 * loses nothing. Every other pair of versions Capstan serves (the Istio v1, v1beta1 and v1alpha3
 * kinds) shares one schema, so only apiVersion changes.
 */
public final class Conversion {
    static final String METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
    static final String CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics";
    static final String CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";
    static final String BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";
    private static final List<String> ROUND_TRIP_ANNOTATIONS =
            List.of(METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION);

    private Conversion() {
    }

    /**
     * Returns a copy of {@code obj} written in {@code to}'s version; {@code obj} is not modified.
     *
     * @param obj an object of resource {@code from}
     * @param from the resource and version {@code obj} is written in
     * @param to the same resource (group and kind) at the version wanted
     * @throws IllegalArgumentException when {@code from} and {@code to} are different resources
     */
    public static ObjectNode convert(ObjectNode obj, ResourceType from, ResourceType to) {
        if (!from.group().equals(to.group()) || !from.kind().equals(to.kind())) {
            throw new IllegalArgumentException("cannot convert " + from.gvk() + " to " + to.gvk());
        }
        ObjectNode out = obj.deepCopy();
        boolean hpa = from.group().equals("autoscaling") && from.kind().equals("HorizontalPodAutoscaler");
        if (hpa && from.version().equals("v2") && to.version().equals("v1")) {
            out = hpaV2ToV1(out);
        } else if (hpa && from.version().equals("v1") && to.version().equals("v2")) {
            out = hpaV1ToV2(out);
        }
        out.put("apiVersion", to.apiVersion());
        if (!out.has("kind")) {
            out.put("kind", to.kind());
        }
        return out;
    }

    // --- v2 -> v1 ---

    private static ObjectNode hpaV2ToV1(ObjectNode v2) {
        ObjectNode metadata = Trees.with(v2, "metadata");
        ObjectNode annotations = obj(metadata, "annotations");
        // Annotations a client copied from an earlier v1 read must not shadow the real fields.
        if (annotations != null) {
            annotations.remove(ROUND_TRIP_ANNOTATIONS);
        }
        ObjectNode spec = obj(v2, "spec");
        if (spec != null) {
            ArrayNode others = KubeJson.NODES.arrayNode();
            for (ObjectNode metric : objects(spec, "metrics")) {
                if (isCpuUtilization(metric) && !spec.has("targetCPUUtilizationPercentage")) {
                    spec.set("targetCPUUtilizationPercentage", obj(obj(metric, "resource"), "target").get("averageUtilization"));
                } else if (!isCpuUtilization(metric)) {
                    others.add(metricSpecToV1(metric));
                }
            }
            if (!others.isEmpty()) {
                annotate(v2, METRICS_ANNOTATION, others);
            }
            spec.remove("metrics");
            if (has(spec, "behavior")) {
                annotate(v2, BEHAVIOR_ANNOTATION, spec.remove("behavior"));
            }
        }
        ObjectNode status = obj(v2, "status");
        if (status != null) {
            ArrayNode current = arr(status, "currentMetrics");
            if (current != null && !current.isEmpty()) {
                ArrayNode converted = KubeJson.NODES.arrayNode();
                for (ObjectNode metric : objects(status, "currentMetrics")) {
                    converted.add(metricStatusToV1(metric));
                    ObjectNode resource = obj(metric, "resource");
                    if (str(metric, "type").equals("Resource") && str(resource, "name").equals("cpu")
                            && has(obj(resource, "current"), "averageUtilization") && !status.has("currentCPUUtilizationPercentage")) {
                        status.set("currentCPUUtilizationPercentage", obj(resource, "current").get("averageUtilization"));
                    }
                }
                annotate(v2, CURRENT_METRICS_ANNOTATION, converted);
            }
            status.remove("currentMetrics");
            ArrayNode conditions = arr(status, "conditions");
            if (conditions != null && !conditions.isEmpty()) {
                annotate(v2, CONDITIONS_ANNOTATION, conditions);
            }
            status.remove("conditions");
            // v1 status requires these, with no omitempty.
            Trees.def(status, "currentReplicas", 0);
            Trees.def(status, "desiredReplicas", 0);
        }
        return v2;
    }

    private static boolean isCpuUtilization(ObjectNode metric) {
        ObjectNode resource = obj(metric, "resource");
        return str(metric, "type").equals("Resource") && str(resource, "name").equals("cpu")
                && has(obj(resource, "target"), "averageUtilization");
    }

    private static void annotate(ObjectNode obj, String key, JsonNode value) {
        Trees.with(Trees.with(obj, "metadata"), "annotations").put(key, KubeJson.string(value));
    }

    /** A v2 MetricSpec in the v1 (v2beta1-shaped) form the metrics annotation holds. */
    private static ObjectNode metricSpecToV1(ObjectNode metric) {
        return metricToV1(metric, "target");
    }

    /** A v2 MetricStatus in the v1 (v2beta1-shaped) form the current-metrics annotation holds. */
    private static ObjectNode metricStatusToV1(ObjectNode metric) {
        return metricToV1(metric, "current");
    }

    /**
     * A spec's {@code target} or a status's {@code current} (the {@code value} object, named the
     * same as the prefix its fields get in v1: {@code target.averageValue} becomes
     * {@code targetAverageValue}), in the v1 shape.
     */
    private static ObjectNode metricToV1(ObjectNode metric, String value) {
        ObjectNode out = KubeJson.object();
        String type = str(metric, "type");
        out.put("type", type);
        switch (type) {
            case "Resource", "ContainerResource" -> {
                String field = type.equals("Resource") ? "resource" : "containerResource";
                ObjectNode source = obj(metric, field);
                ObjectNode values = obj(source, value);
                ObjectNode r = out.putObject(field);
                copy(source, "name", r, "name");
                copy(source, "container", r, "container");
                copy(values, "averageUtilization", r, value + "AverageUtilization");
                copy(values, "averageValue", r, value + "AverageValue");
            }
            case "Pods" -> {
                ObjectNode source = obj(metric, "pods");
                ObjectNode p = out.putObject("pods");
                copy(obj(source, "metric"), "name", p, "metricName");
                copy(obj(source, value), "averageValue", p, value + "AverageValue");
                copy(obj(source, "metric"), "selector", p, "selector");
            }
            case "Object" -> {
                ObjectNode source = obj(metric, "object");
                ObjectNode o = out.putObject("object");
                copy(source, "describedObject", o, "target");
                copy(obj(source, "metric"), "name", o, "metricName");
                copy(obj(source, value), "value", o, value + "Value");
                copy(obj(source, "metric"), "selector", o, "selector");
                copy(obj(source, value), "averageValue", o, "averageValue");
            }
            case "External" -> {
                ObjectNode source = obj(metric, "external");
                ObjectNode e = out.putObject("external");
                copy(obj(source, "metric"), "name", e, "metricName");
                copy(obj(source, "metric"), "selector", e, "metricSelector");
                copy(obj(source, value), "value", e, value + "Value");
                copy(obj(source, value), "averageValue", e, value + "AverageValue");
            }
            default -> {
                return metric.deepCopy();
            }
        }
        return out;
    }

    // --- v1 -> v2 ---

    private static ObjectNode hpaV1ToV2(ObjectNode v1) {
        ObjectNode annotations = obj(obj(v1, "metadata"), "annotations");
        ObjectNode spec = obj(v1, "spec");
        if (spec != null) {
            ArrayNode metrics = KubeJson.NODES.arrayNode();
            ArrayNode others = annotationArray(annotations, METRICS_ANNOTATION);
            if (others != null) {
                for (JsonNode m : others) {
                    if (m instanceof ObjectNode o) {
                        metrics.add(metricSpecToV2(o));
                    }
                }
            }
            JsonNode cpu = spec.remove("targetCPUUtilizationPercentage");
            if (cpu != null && !cpu.isNull()) {
                ObjectNode metric = metrics.addObject().put("type", "Resource");
                ObjectNode resource = metric.putObject("resource").put("name", "cpu");
                resource.putObject("target").put("type", "Utilization").set("averageUtilization", cpu);
            }
            if (!metrics.isEmpty()) {
                spec.set("metrics", metrics);
            }
            JsonNode behavior = annotationValue(annotations, BEHAVIOR_ANNOTATION);
            if (behavior instanceof ObjectNode) {
                spec.set("behavior", behavior);
            }
        }
        ObjectNode status = obj(v1, "status");
        if (status != null) {
            JsonNode cpu = status.remove("currentCPUUtilizationPercentage");
            ArrayNode current = annotationArray(annotations, CURRENT_METRICS_ANNOTATION);
            ArrayNode metrics = KubeJson.NODES.arrayNode();
            if (current != null) {
                // The annotation holds every current metric, the CPU one included.
                for (JsonNode m : current) {
                    if (m instanceof ObjectNode o) {
                        metrics.add(metricStatusToV2(o));
                    }
                }
            } else if (cpu != null && !cpu.isNull()) {
                ObjectNode metric = metrics.addObject().put("type", "Resource");
                metric.putObject("resource").put("name", "cpu").putObject("current").set("averageUtilization", cpu);
            }
            if (!metrics.isEmpty()) {
                status.set("currentMetrics", metrics);
            }
            ArrayNode conditions = annotationArray(annotations, CONDITIONS_ANNOTATION);
            if (conditions != null) {
                status.set("conditions", conditions);
            }
        }
        if (annotations != null) {
            annotations.remove(ROUND_TRIP_ANNOTATIONS);
            if (annotations.isEmpty()) {
                obj(v1, "metadata").remove("annotations");
            }
        }
        return v1;
    }

    private static JsonNode annotationValue(ObjectNode annotations, String key) {
        String text = str(annotations, key);
        if (text.isEmpty()) {
            return null;
        }
        try {
            return KubeJson.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            // kube ignores an annotation it cannot parse, and so does Capstan.
            return null;
        }
    }

    private static ArrayNode annotationArray(ObjectNode annotations, String key) {
        return annotationValue(annotations, key) instanceof ArrayNode a ? a : null;
    }

    private static ObjectNode metricSpecToV2(ObjectNode metric) {
        ObjectNode out = KubeJson.object();
        String type = str(metric, "type");
        out.put("type", type);
        switch (type) {
            case "Resource", "ContainerResource" -> {
                String field = type.equals("Resource") ? "resource" : "containerResource";
                ObjectNode source = obj(metric, field);
                ObjectNode r = out.putObject(field);
                copy(source, "name", r, "name");
                copy(source, "container", r, "container");
                ObjectNode target = r.putObject("target");
                if (has(source, "targetAverageUtilization")) {
                    target.put("type", "Utilization");
                    copy(source, "targetAverageUtilization", target, "averageUtilization");
                } else {
                    target.put("type", "AverageValue");
                    copy(source, "targetAverageValue", target, "averageValue");
                }
            }
            case "Pods" -> {
                ObjectNode source = obj(metric, "pods");
                ObjectNode p = out.putObject("pods");
                ObjectNode m = p.putObject("metric");
                copy(source, "metricName", m, "name");
                copy(source, "selector", m, "selector");
                ObjectNode target = p.putObject("target").put("type", "AverageValue");
                copy(source, "targetAverageValue", target, "averageValue");
            }
            case "Object" -> {
                ObjectNode source = obj(metric, "object");
                ObjectNode o = out.putObject("object");
                copy(source, "target", o, "describedObject");
                ObjectNode m = o.putObject("metric");
                copy(source, "metricName", m, "name");
                copy(source, "selector", m, "selector");
                ObjectNode target = o.putObject("target").put("type", has(source, "averageValue") ? "AverageValue" : "Value");
                copy(source, "targetValue", target, "value");
                copy(source, "averageValue", target, "averageValue");
            }
            case "External" -> {
                ObjectNode source = obj(metric, "external");
                ObjectNode e = out.putObject("external");
                ObjectNode m = e.putObject("metric");
                copy(source, "metricName", m, "name");
                copy(source, "metricSelector", m, "selector");
                ObjectNode target = e.putObject("target").put("type", has(source, "targetValue") ? "Value" : "AverageValue");
                copy(source, "targetValue", target, "value");
                copy(source, "targetAverageValue", target, "averageValue");
            }
            default -> {
                return metric.deepCopy();
            }
        }
        return out;
    }

    private static ObjectNode metricStatusToV2(ObjectNode metric) {
        ObjectNode out = KubeJson.object();
        String type = str(metric, "type");
        out.put("type", type);
        switch (type) {
            case "Resource", "ContainerResource" -> {
                String field = type.equals("Resource") ? "resource" : "containerResource";
                ObjectNode source = obj(metric, field);
                ObjectNode r = out.putObject(field);
                copy(source, "name", r, "name");
                copy(source, "container", r, "container");
                ObjectNode current = r.putObject("current");
                copy(source, "currentAverageUtilization", current, "averageUtilization");
                copy(source, "currentAverageValue", current, "averageValue");
            }
            case "Pods" -> {
                ObjectNode source = obj(metric, "pods");
                ObjectNode p = out.putObject("pods");
                ObjectNode m = p.putObject("metric");
                copy(source, "metricName", m, "name");
                copy(source, "selector", m, "selector");
                copy(source, "currentAverageValue", p.putObject("current"), "averageValue");
            }
            case "Object" -> {
                ObjectNode source = obj(metric, "object");
                ObjectNode o = out.putObject("object");
                copy(source, "target", o, "describedObject");
                ObjectNode m = o.putObject("metric");
                copy(source, "metricName", m, "name");
                copy(source, "selector", m, "selector");
                ObjectNode current = o.putObject("current");
                copy(source, "currentValue", current, "value");
                copy(source, "averageValue", current, "averageValue");
            }
            case "External" -> {
                ObjectNode source = obj(metric, "external");
                ObjectNode e = out.putObject("external");
                ObjectNode m = e.putObject("metric");
                copy(source, "metricName", m, "name");
                copy(source, "metricSelector", m, "selector");
                ObjectNode current = e.putObject("current");
                copy(source, "currentValue", current, "value");
                copy(source, "currentAverageValue", current, "averageValue");
            }
            default -> {
                return metric.deepCopy();
            }
        }
        return out;
    }

    private static void copy(ObjectNode from, String fromField, ObjectNode to, String toField) {
        if (has(from, fromField)) {
            to.set(toField, from.get(fromField).deepCopy());
        }
    }
}
