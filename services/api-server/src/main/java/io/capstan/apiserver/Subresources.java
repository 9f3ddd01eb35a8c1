package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.selector.LabelSelector;
import io.capstan.api.status.ApiException;
import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.stream.Collectors;

/** The {@code scale} subresource view of workloads, and pod {@code binding}. */
final class Subresources {
    private Subresources() {
    }

    /** The autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet (or a CR with a scale subresource). */
    static ObjectNode scaleOf(ResourceType type, ObjectNode obj) {
        ObjectNode scale = KubeJson.object();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        JsonNode m = obj.path("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (m.has(f)) {
                meta.set(f, m.get(f));
            }
        }
        scale.putObject("spec").put("replicas", readPath(obj, specReplicasPath(type)).asInt(0));
        ObjectNode status = scale.putObject("status");
        status.put("replicas", readPath(obj, statusReplicasPath(type)).asInt(0));
        String selector = selectorString(type, obj);
        if (selector != null) {
            status.put("selector", selector);
        }
        return scale;
    }

    /** Applies a Scale's spec.replicas to the object. */
    static ObjectNode applyScale(ResourceType type, ObjectNode obj, JsonNode scale) {
        JsonNode replicas = scale.path("spec").path("replicas");
        if (!replicas.isIntegralNumber() || replicas.asInt() < 0) {
            throw ApiException.invalid("autoscaling", "Scale", KubeJson.text(obj, "metadata", "name"),
                    List.of(FieldError.invalid("spec.replicas", replicas.isMissingNode() ? null : replicas,
                            "must be greater than or equal to 0")));
        }
        String[] path = specReplicasPath(type).substring(1).split("\\.");
        ObjectNode parent = obj;
        for (int i = 0; i < path.length - 1; i++) {
            parent = KubeJson.with(parent, path[i]);
        }
        parent.put(path[path.length - 1], replicas.asInt());
        return obj;
    }

    private static String specReplicasPath(ResourceType type) {
        if (type.isCustom()) {
            return type.crdVersion().path("subresources").path("scale").path("specReplicasPath").asText(".spec.replicas");
        }
        return ".spec.replicas";
    }

    private static String statusReplicasPath(ResourceType type) {
        if (type.isCustom()) {
            return type.crdVersion().path("subresources").path("scale").path("statusReplicasPath").asText(".status.replicas");
        }
        return ".status.replicas";
    }

    private static String selectorString(ResourceType type, ObjectNode obj) {
        if (type.isCustom()) {
            String path = type.crdVersion().path("subresources").path("scale").path("labelSelectorPath").asText("");
            return path.isEmpty() ? null : readPath(obj, path).asText(null);
        }
        JsonNode selector = obj.path("spec").path("selector");
        if (selector.isMissingNode()) {
            return null;
        }
        LabelSelector parsed = LabelSelector.fromObject(selector);
        return parsed.requirements().stream().map(r -> switch (r.op()) {
            case EQUALS -> r.key() + "=" + r.values().iterator().next();
            case NOT_EQUALS -> r.key() + "!=" + r.values().iterator().next();
            case IN -> r.key() + " in (" + String.join(",", r.values().stream().sorted().toList()) + ")";
            case NOT_IN -> r.key() + " notin (" + String.join(",", r.values().stream().sorted().toList()) + ")";
            case EXISTS -> r.key();
            case DOES_NOT_EXIST -> "!" + r.key();
        }).sorted().collect(Collectors.joining(","));
    }

    private static JsonNode readPath(JsonNode obj, String dotted) {
        JsonNode n = obj;
        for (String p : dotted.substring(dotted.startsWith(".") ? 1 : 0).split("\\.")) {
            n = n.path(p);
        }
        return n;
    }

    /** Binds a pending pod to the Binding's target node; a pod already bound is a 409. */
    static ObjectNode bind(ObjectNode pod, JsonNode binding) {
        String node = binding.path("target").path("name").asText("");
        String kind = binding.path("target").path("kind").asText("Node");
        String name = KubeJson.text(pod, "metadata", "name");
        if (node.isEmpty() || !(kind.isEmpty() || kind.equals("Node"))) {
            throw ApiException.invalid("", "Binding", name, List.of(FieldError.notSupported("target.kind", kind, List.of("Node"))));
        }
        if (pod.path("metadata").has("deletionTimestamp")) {
            throw ApiException.conflict("", "pods", name, "pod " + name + " is being deleted, cannot be assigned to a host");
        }
        String current = pod.path("spec").path("nodeName").asText("");
        if (!current.isEmpty()) {
            throw ApiException.conflict("", "pods/binding", name, "pod " + name + " is already assigned to node \"" + current + "\"");
        }
        KubeJson.with(pod, "spec").put("nodeName", node);
        JsonNode annotations = binding.path("metadata").path("annotations");
        if (annotations.isObject()) {
            annotations.fields().forEachRemaining(e -> KubeJson.with(pod, "metadata", "annotations").set(e.getKey(), e.getValue()));
        }
        setScheduled(pod);
        return pod;
    }

    /**
     * PodScheduled=True, as the binding storage does upstream ({@code podutil.UpdatePodCondition}):
     * the transition time moves only when the status changes, a reason or message of the failed
     * attempts is cleared.
     */
    private static void setScheduled(ObjectNode pod) {
        ObjectNode status = KubeJson.with(pod, "status");
        JsonNode existing = status.path("conditions");
        com.fasterxml.jackson.databind.node.ArrayNode conditions = existing.isArray()
                ? (com.fasterxml.jackson.databind.node.ArrayNode) existing : status.putArray("conditions");
        ObjectNode scheduled = null;
        for (JsonNode c : conditions) {
            if ("PodScheduled".equals(c.path("type").asText()) && c.isObject()) {
                scheduled = (ObjectNode) c;
            }
        }
        if (scheduled == null) {
            scheduled = conditions.addObject().put("type", "PodScheduled");
        }
        if (!"True".equals(scheduled.path("status").asText())) {
            scheduled.put("lastTransitionTime", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        }
        scheduled.put("status", "True");
        scheduled.putNull("lastProbeTime");
        scheduled.remove("reason");
        scheduled.remove("message");
    }
}
