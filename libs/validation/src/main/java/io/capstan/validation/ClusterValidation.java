package io.capstan.validation;

import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.capstan.validation.Trees.arr;
import static io.capstan.validation.Trees.has;
import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;

/** Namespace, Node, Lease, HorizontalPodAutoscaler and CustomResourceDefinition validation. */
final class ClusterValidation {
    private ClusterValidation() {
    }

    private static final Set<String> STANDARD_FINALIZERS = Set.of("kubernetes", "orphan", "foregroundDeletion");
    private static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
    private static final List<String> METRIC_TYPES = List.of("Object", "Pods", "Resource", "ContainerResource", "External");
    private static final List<String> TARGET_TYPES = List.of("Utilization", "Value", "AverageValue");
    private static final List<String> SCOPES = List.of("Cluster", "Namespaced");

    static void namespace(List<FieldError> errs, ObjectNode ns) {
        ArrayNode finalizers = arr(obj(ns, "spec"), "finalizers");
        if (finalizers == null) {
            return;
        }
        for (JsonNode f : finalizers) {
            String name = f.asText();
            List<String> msgs = Names.qualifiedName(name);
            Checks.each(errs, "spec.finalizers", name, msgs);
            if (msgs.isEmpty() && !name.contains("/") && !STANDARD_FINALIZERS.contains(name)) {
                errs.add(FieldError.invalid("spec.finalizers", name, "name is neither a standard finalizer name nor is it fully qualified"));
            }
        }
    }

    static void node(List<FieldError> errs, ObjectNode node) {
        ObjectNode spec = obj(node, "spec");
        String podCidr = str(spec, "podCIDR");
        if (!podCidr.isEmpty() && !Names.isCidr(podCidr)) {
            errs.add(FieldError.invalid("spec.podCIDR", podCidr, "must be a valid CIDR"));
        }
        ArrayNode podCidrs = arr(spec, "podCIDRs");
        if (podCidrs != null) {
            for (int i = 0; i < podCidrs.size(); i++) {
                if (!Names.isCidr(podCidrs.get(i).asText())) {
                    errs.add(FieldError.invalid("spec.podCIDRs[" + i + "]", podCidrs.get(i).asText(), "must be a valid CIDR"));
                }
            }
            if (podCidrs.size() > 2) {
                errs.add(FieldError.invalid("spec.podCIDRs", podCidrs, "may specify no more than one CIDR for each IP family"));
            }
        }
        List<ObjectNode> taints = objects(spec, "taints");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < taints.size(); i++) {
            ObjectNode t = taints.get(i);
            String p = "spec.taints[" + i + "]";
            String key = str(t, "key");
            if (key.isEmpty()) {
                errs.add(FieldError.required(p + ".key", ""));
            } else {
                Checks.each(errs, p + ".key", key, Names.qualifiedName(key));
            }
            if (!str(t, "value").isEmpty()) {
                Checks.each(errs, p + ".value", str(t, "value"), Names.labelValue(str(t, "value")));
            }
            Checks.oneOf(errs, t, "effect", p + ".effect", TAINT_EFFECTS);
            if (!seen.add(key + ":" + str(t, "effect"))) {
                errs.add(FieldError.duplicate(p, key + ":" + str(t, "effect")));
            }
        }
    }

    static void lease(List<FieldError> errs, ObjectNode lease) {
        ObjectNode spec = obj(lease, "spec");
        Long duration = Trees.num(spec, "leaseDurationSeconds");
        if (duration != null && duration <= 0) {
            errs.add(FieldError.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
        }
        Checks.nonNegative(errs, spec, "leaseTransitions", "spec.leaseTransitions");
    }

    /** The largest value a user's PriorityClass may have; higher ones are the system classes'. */
    static final long HIGHEST_USER_PRIORITY = 1_000_000_000L;
    private static final java.util.Map<String, Long> SYSTEM_PRIORITY_CLASSES = java.util.Map.of(
            "system-cluster-critical", 2_000_000_000L, "system-node-critical", 2_000_001_000L);

    /** scheduling.k8s.io PriorityClass: a value, user values up to 1e9, "system-" names reserved. */
    static void priorityClass(List<FieldError> errs, ObjectNode pc) {
        String name = pc.path("metadata").path("name").asText("");
        Long value = Trees.num(pc, "value");
        if (value == null) {
            errs.add(FieldError.required("value", ""));
        }
        Long system = SYSTEM_PRIORITY_CLASSES.get(name);
        if (system != null) {
            if (value != null && !value.equals(system)) {
                errs.add(FieldError.forbidden("metadata.name", "priority class " + name + " is reserved for the system with value " + system));
            }
        } else if (name.startsWith("system-")) {
            errs.add(FieldError.forbidden("metadata.name", "priority class names with 'system-' prefix are reserved"));
        } else if (value != null && value > HIGHEST_USER_PRIORITY) {
            errs.add(FieldError.forbidden("value", "maximum allowed value of a user defined priority is " + HIGHEST_USER_PRIORITY));
        }
        String policy = pc.path("preemptionPolicy").asText("PreemptLowerPriority");
        if (!List.of("PreemptLowerPriority", "Never").contains(policy)) {
            errs.add(FieldError.notSupported("preemptionPolicy", policy, List.of("Never", "PreemptLowerPriority")));
        }
    }

    /** value and preemptionPolicy cannot change once created. */
    static void priorityClassUpdate(List<FieldError> errs, ObjectNode pc, ObjectNode old) {
        if (!pc.path("value").equals(old.path("value"))) {
            errs.add(FieldError.forbidden("value", "may not be changed in an update."));
        }
        if (!pc.path("preemptionPolicy").equals(old.path("preemptionPolicy"))) {
            errs.add(FieldError.invalid("preemptionPolicy", pc.path("preemptionPolicy").asText(), "field is immutable"));
        }
    }

    /** autoscaling/v1 and v2 share the bounds and the target reference; v2 adds metrics. */
    static void horizontalPodAutoscaler(List<FieldError> errs, ObjectNode spec, String version) {
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        Long min = Trees.num(spec, "minReplicas");
        long max = Trees.num(spec, "maxReplicas") == null ? 0 : Trees.num(spec, "maxReplicas");
        if (min != null && min < 1) {
            errs.add(FieldError.invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
        }
        if (max < 1) {
            errs.add(FieldError.invalid("spec.maxReplicas", max, "must be greater than 0"));
        }
        if (min != null && max < min) {
            errs.add(FieldError.invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
        }
        ObjectNode ref = obj(spec, "scaleTargetRef");
        for (String field : List.of("kind", "name")) {
            String v = str(ref, field);
            if (v.isEmpty()) {
                errs.add(FieldError.required("spec.scaleTargetRef." + field, ""));
            } else if (v.equals(".") || v.equals("..") || v.contains("/") || v.contains("%")) {
                errs.add(FieldError.invalid("spec.scaleTargetRef." + field, v, "may not contain '/' or '%', and may not be '.' or '..'"));
            }
        }
        if (version.equals("v1")) {
            Long target = Trees.num(spec, "targetCPUUtilizationPercentage");
            if (target != null && target < 1) {
                errs.add(FieldError.invalid("spec.targetCPUUtilizationPercentage", target, "must be greater than 0"));
            }
            return;
        }
        List<ObjectNode> metrics = objects(spec, "metrics");
        for (int i = 0; i < metrics.size(); i++) {
            metric(errs, metrics.get(i), "spec.metrics[" + i + "]");
        }
    }

    private static void metric(List<FieldError> errs, ObjectNode metric, String path) {
        String type = str(metric, "type");
        if (type.isEmpty()) {
            errs.add(FieldError.required(path + ".type", "must specify a metric source type"));
            return;
        }
        if (!METRIC_TYPES.contains(type)) {
            errs.add(FieldError.notSupported(path + ".type", type, METRIC_TYPES));
            return;
        }
        String source = Character.toLowerCase(type.charAt(0)) + type.substring(1);
        ObjectNode s = obj(metric, source);
        if (s == null) {
            errs.add(FieldError.required(path + "." + source, "must populate information for the given metric source"));
            return;
        }
        String p = path + "." + source;
        if (type.equals("Resource") || type.equals("ContainerResource")) {
            if (str(s, "name").isEmpty()) {
                errs.add(FieldError.required(p + ".name", "must specify a resource name"));
            }
            if (type.equals("ContainerResource") && str(s, "container").isEmpty()) {
                errs.add(FieldError.required(p + ".container", "must specify a container"));
            }
        } else {
            if (str(obj(s, "metric"), "name").isEmpty()) {
                errs.add(FieldError.required(p + ".metric.name", "must specify a metric name"));
            }
            if (type.equals("Object") && str(obj(s, "describedObject"), "kind").isEmpty()) {
                errs.add(FieldError.required(p + ".describedObject.kind", ""));
            }
        }
        ObjectNode target = obj(s, "target");
        String targetType = str(target, "type");
        if (targetType.isEmpty()) {
            errs.add(FieldError.required(p + ".target.type", "must specify a metric target type"));
        } else if (!TARGET_TYPES.contains(targetType)) {
            errs.add(FieldError.notSupported(p + ".target.type", targetType, TARGET_TYPES));
        }
        Long utilization = Trees.num(target, "averageUtilization");
        if (utilization != null && utilization < 1) {
            errs.add(FieldError.invalid(p + ".target.averageUtilization", utilization, "must be greater than 0"));
        }
        for (String field : List.of("value", "averageValue")) {
            if (has(target, field)) {
                java.math.BigDecimal q = Checks.quantity(errs, target.get(field), p + ".target." + field);
                if (q != null && q.signum() == 0) {
                    errs.add(FieldError.invalid(p + ".target." + field, target.get(field), "must be positive"));
                }
            }
        }
    }

    static void customResourceDefinition(List<FieldError> errs, ObjectNode crd) {
        ObjectNode spec = obj(crd, "spec");
        String group = str(spec, "group");
        ObjectNode names = obj(spec, "names");
        String plural = str(names, "plural");
        String name = str(obj(crd, "metadata"), "name");
        if (!name.isEmpty() && !name.equals(plural + "." + group)) {
            errs.add(FieldError.invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }
        if (group.isEmpty()) {
            errs.add(FieldError.required("spec.group", ""));
        } else {
            Checks.each(errs, "spec.group", group, Names.dns1123Subdomain(group));
            if (!group.contains(".")) {
                errs.add(FieldError.invalid("spec.group", group, "should be a domain with at least one dot"));
            }
        }
        Checks.oneOf(errs, spec, "scope", "spec.scope", SCOPES);
        List<ObjectNode> versions = objects(spec, "versions");
        if (versions.isEmpty()) {
            errs.add(FieldError.required("spec.versions", "must have at least one version"));
        }
        int storage = 0;
        Set<String> versionNames = new HashSet<>();
        boolean unique = true;
        for (int i = 0; i < versions.size(); i++) {
            ObjectNode v = versions.get(i);
            if (Trees.bool(v, "storage")) {
                storage++;
            }
            String versionName = str(v, "name");
            unique &= versionNames.add(versionName);
            List<String> msgs = Names.dns1035Label(versionName);
            if (!msgs.isEmpty()) {
                errs.add(FieldError.invalid("spec.versions[" + i + "].name", versionName, String.join(",", msgs)));
            }
        }
        if (!unique) {
            errs.add(FieldError.invalid("spec.versions", spec.get("versions"), "must contain unique version names"));
        }
        if (!versions.isEmpty() && storage != 1) {
            errs.add(FieldError.invalid("spec.versions", spec.get("versions"), "must have exactly one version marked as storage version"));
        }
        crdNames(errs, names);
    }

    private static void crdNames(List<FieldError> errs, ObjectNode names) {
        String p = "spec.names";
        for (String field : List.of("plural", "singular", "kind", "listKind")) {
            String v = str(names, field);
            if (v.isEmpty()) {
                errs.add(FieldError.required(p + "." + field, ""));
                continue;
            }
            boolean mixedCase = field.equals("kind") || field.equals("listKind");
            List<String> msgs = Names.dns1035Label(mixedCase ? v.toLowerCase() : v);
            if (!msgs.isEmpty()) {
                errs.add(FieldError.invalid(p + "." + field, v,
                        (mixedCase ? "may have mixed case, but should otherwise match: " : "") + String.join(",", msgs)));
            }
        }
        if (!str(names, "kind").isEmpty() && str(names, "kind").equals(str(names, "listKind"))) {
            errs.add(FieldError.invalid(p + ".listKind", str(names, "listKind"), "kind and listKind may not be the same"));
        }
        ArrayNode shortNames = arr(names, "shortNames");
        if (shortNames != null) {
            for (int i = 0; i < shortNames.size(); i++) {
                List<String> msgs = Names.dns1035Label(shortNames.get(i).asText());
                if (!msgs.isEmpty()) {
                    errs.add(FieldError.invalid(p + ".shortNames[" + i + "]", shortNames.get(i).asText(), String.join(",", msgs)));
                }
            }
        }
    }

    static void customResourceDefinitionUpdate(List<FieldError> errs, ObjectNode spec, ObjectNode oldSpec) {
        Checks.immutable(errs, spec == null ? null : spec.get("group"), oldSpec == null ? null : oldSpec.get("group"), "spec.group");
        Checks.immutable(errs, spec == null ? null : spec.get("scope"), oldSpec == null ? null : oldSpec.get("scope"), "spec.scope");
        Checks.immutable(errs, obj(spec, "names") == null ? null : obj(spec, "names").get("plural"),
                obj(oldSpec, "names") == null ? null : obj(oldSpec, "names").get("plural"), "spec.names.plural");
    }
}
