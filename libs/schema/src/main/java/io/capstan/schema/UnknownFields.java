package io.capstan.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.registry.ResourceType;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Finds the fields of an object that its kind's schema does not declare: what kube-apiserver
 * rejects under {@code fieldValidation=Strict} ({@code strict decoding error: unknown field
 * "spec.replicass"}) and warns about under {@code Warn}.
 *
 * <p>Built-in kinds are checked against their fabric8 model's schema ({@link ModelSchemas});
 * custom resources against the CRD version's structural schema, where
 * {@code x-kubernetes-preserve-unknown-fields}, {@code additionalProperties} and
 * {@code x-kubernetes-embedded-resource} allow fields as the apiextensions-apiserver's pruning
 * does. {@code metadata} is ObjectMeta for both, so unknown metadata fields are found too.
 * Values of the wrong JSON type are not this class's concern and are skipped.
 *
 * <p>Duplicate fields cannot be detected here: they are gone once the body is parsed to a tree.
 */
public final class UnknownFields {
    private static final String OBJECT_META = ModelSchemas.componentName(ObjectMeta.class);

    private final Map<String, ObjectNode> components;
    private final List<String> found = new ArrayList<>();

    private UnknownFields(Map<String, ObjectNode> components) {
        this.components = components;
    }

    /**
     * The paths of the undeclared fields of {@code object}, in document order, formatted as
     * kube-apiserver's strict decoding errors format them: dot-separated from the root without a
     * leading dot, list elements by index ({@code spec.template.spec.containers[0].imagee}).
     * Empty when every field is declared. Never throws for a malformed object.
     */
    public static List<String> find(ResourceType type, JsonNode object) {
        UnknownFields walk = new UnknownFields(ModelSchemas.closure(closureRoot(type)));
        ObjectNode root = type.isCustom() ? OpenApiV3.customResourceSchema(type)
                : walk.components.get(ModelSchemas.componentName(type.modelClass()));
        walk.visit(root, object, "");
        return List.copyOf(walk.found);
    }

    /**
     * Builds now the schemas {@link #find} walks for {@code type}, instead of at the first write
     * of the kind: for Pod about half a second of CPU on a fresh JVM, paid by the first pods.
     */
    public static void prepare(ResourceType type) {
        ModelSchemas.closure(closureRoot(type));
    }

    /** The model whose schema closure a kind is checked against: custom kinds only declare their metadata. */
    private static Class<?> closureRoot(ResourceType type) {
        return type.isCustom() ? ObjectMeta.class : type.modelClass();
    }

    private void visit(JsonNode schema, JsonNode value, String path) {
        schema = resolve(schema);
        if (schema == null || value == null) {
            return;
        }
        if (value.isObject()) {
            visitObject(schema, value, path);
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                visit(schema.get("items"), value.get(i), path + "[" + i + "]");
            }
        }
    }

    private void visitObject(JsonNode schema, JsonNode value, String path) {
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        boolean embedded = schema.path("x-kubernetes-embedded-resource").asBoolean(false);
        if (properties == null && additional == null && !"object".equals(schema.path("type").asText())) {
            // An untyped schema (int-or-string, free-form JSON) says nothing about fields.
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            // Only objects and lists have fields below them: a scalar's path is built only when
            // it is itself unknown.
            boolean container = field.getValue().isContainerNode();
            JsonNode declared = properties == null ? null : properties.get(name);
            if (declared != null) {
                if (container) {
                    visit(declared, field.getValue(), path(path, name));
                }
            } else if (embedded && (name.equals("apiVersion") || name.equals("kind"))) {
                continue;
            } else if (embedded && name.equals("metadata")) {
                if (container) {
                    visit(ModelSchemas.ref(OBJECT_META), field.getValue(), path(path, name));
                }
            } else if (additional != null && additional.isObject()) {
                if (container) {
                    visit(additional, field.getValue(), path(path, name));
                }
            } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
                found.add(path(path, name));
            }
        }
    }

    private static String path(String parent, String name) {
        return parent.isEmpty() ? name : parent + "." + name;
    }

    /** Follows {@code $ref} and kube-openapi's single-element {@code allOf} wrapping of a reference. */
    private JsonNode resolve(JsonNode schema) {
        JsonNode s = schema;
        for (int depth = 0; s != null && depth < 8; depth++) {
            if (s.has("$ref")) {
                String ref = s.get("$ref").asText();
                s = ref.startsWith(ModelSchemas.REF_PREFIX)
                        ? components.get(ref.substring(ModelSchemas.REF_PREFIX.length())) : null;
            } else if (s.has("allOf") && s.get("allOf").size() == 1 && !s.has("properties")) {
                s = s.get("allOf").get(0);
            } else {
                return s;
            }
        }
        return s;
    }
}
