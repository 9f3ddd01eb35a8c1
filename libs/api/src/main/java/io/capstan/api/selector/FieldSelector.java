package io.capstan.api.selector;

import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed field selector ({@code ?fieldSelector=metadata.name=web,status.phase!=Running}).
 * Which fields can be selected depends on the kind, as in Kubernetes: {@code metadata.name} and
 * {@code metadata.namespace} everywhere, plus the kind's own fields ({@link #SUPPORTED}).
 */
public final class FieldSelector {
    /** Selectable fields beyond metadata.name and metadata.namespace, by kind (k8s' field label conversion funcs). */
    public static final Map<String, Set<String>> SUPPORTED = Map.ofEntries(
            Map.entry("Pod", Set.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                    "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName")),
            Map.entry("Event", Set.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                    "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                    "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")),
            Map.entry("Secret", Set.of("type")),
            Map.entry("Namespace", Set.of("status.phase")),
            Map.entry("Node", Set.of("spec.unschedulable")),
            Map.entry("ReplicaSet", Set.of("status.replicas")),
            Map.entry("Job", Set.of("status.successful")),
            Map.entry("PersistentVolumeClaim", Set.of("spec.volumeName")),
            Map.entry("CertificateSigningRequest", Set.of("spec.signerName")));

    private record Term(String field, boolean equals, String value) {
    }

    private static final FieldSelector EVERYTHING = new FieldSelector(List.of());
    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = terms;
    }

    public static FieldSelector everything() {
        return EVERYTHING;
    }

    public boolean isEverything() {
        return terms.isEmpty();
    }

    /**
     * Parses the selector for a kind; a field the kind does not support is a 400 BadRequest
     * ({@code field label not supported: x}). Custom resources support only the metadata fields.
     */
    public static FieldSelector parse(String selector, String kind) {
        if (selector == null || selector.isBlank()) {
            return EVERYTHING;
        }
        List<Term> terms = new ArrayList<>();
        for (String raw : selector.split(",")) {
            String term = raw.trim();
            if (term.isEmpty()) {
                continue;
            }
            int idx;
            String field;
            String value;
            boolean eq;
            if ((idx = term.indexOf("!=")) > 0) {
                field = term.substring(0, idx);
                value = term.substring(idx + 2);
                eq = false;
            } else if ((idx = term.indexOf("==")) > 0) {
                field = term.substring(0, idx);
                value = term.substring(idx + 2);
                eq = true;
            } else if ((idx = term.indexOf('=')) > 0) {
                field = term.substring(0, idx);
                value = term.substring(idx + 1);
                eq = true;
            } else {
                throw ApiException.badRequest("invalid field selector: '" + term + "': does not contain an operator");
            }
            field = field.trim();
            if (!field.equals("metadata.name") && !field.equals("metadata.namespace")
                    && !SUPPORTED.getOrDefault(kind, Set.of()).contains(field)) {
                throw ApiException.badRequest("field label not supported: " + field);
            }
            terms.add(new Term(field, eq, value.trim()));
        }
        return new FieldSelector(terms);
    }

    /** Fields whose selectable value is not a JSON string of the object (booleans, numbers). */
    private static final Set<String> NOT_STRINGS = Set.of("spec.unschedulable", "spec.hostNetwork", "status.replicas",
            "status.successful");
    /** Values a JSON writer puts into a string literal as they are (no escapes). */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:-]+");

    /**
     * The JSON string literals (quoted) that an object's JSON text must contain to match: one for
     * each equality term on a string field whose value needs no escaping. A text without one of
     * them cannot match, so a reader of many objects (an informer's feed) may skip it unparsed.
     * Empty when no term allows this ({@code spec.nodeName=} matches a missing field).
     */
    public List<String> requiredLiterals() {
        List<String> literals = new ArrayList<>();
        for (Term t : terms) {
            if (t.equals && !NOT_STRINGS.contains(t.field) && PLAIN.matcher(t.value).matches()) {
                literals.add("\"" + t.value + "\"");
            }
        }
        return List.copyOf(literals);
    }

    /**
     * The JSON string literals (quoted) whose absence from an object's JSON text proves that the
     * object matches: when every term is an inequality on a string field with a value that needs
     * no escaping, a text that contains none of the values cannot hold one of them in a selected
     * field. Null when a term does not allow this (an equality, a boolean or number field, a value
     * with other characters). A reader of many objects may then decode a matching one without
     * building a tree to test it first ({@code status.phase!=Succeeded,status.phase!=Failed}).
     */
    public List<String> excludedLiterals() {
        List<String> literals = new ArrayList<>();
        for (Term t : terms) {
            if (t.equals || NOT_STRINGS.contains(t.field) || !PLAIN.matcher(t.value).matches()) {
                return null;
            }
            literals.add("\"" + t.value + "\"");
        }
        return List.copyOf(literals);
    }

    /** The name this selector pins with {@code metadata.name=x}, or null. */
    public String exactName() {
        for (Term t : terms) {
            if (t.equals && t.field.equals("metadata.name")) {
                return t.value;
            }
        }
        return null;
    }

    public boolean matches(JsonNode object) {
        for (Term t : terms) {
            String actual = valueOf(object, t.field);
            boolean same = actual.equals(t.value);
            if (same != t.equals) {
                return false;
            }
        }
        return true;
    }

    /** The field's value as Kubernetes renders it for selection: missing fields are "". */
    static String valueOf(JsonNode object, String field) {
        if (field.equals("source")) {
            return object.path("source").path("component").asText("");
        }
        if (field.equals("spec.unschedulable") || field.equals("spec.hostNetwork")) {
            return String.valueOf(object.path("spec").path(field.substring(5)).asBoolean(false));
        }
        if (field.equals("status.podIPs")) {
            JsonNode ips = object.path("status").path("podIPs");
            return ips.isArray() && !ips.isEmpty() ? ips.get(0).path("ip").asText("") : "";
        }
        JsonNode n = object;
        for (String part : field.split("\\.")) {
            n = n.path(part);
        }
        if (n.isMissingNode() || n.isNull()) {
            return field.equals("status.replicas") || field.equals("status.successful") ? "0" : "";
        }
        return n.asText();
    }
}
