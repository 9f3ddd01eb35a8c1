package io.capstan.validation;

import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;

/** ValidateObjectMeta and ValidateObjectMetaUpdate of apimachinery, for every kind. */
final class MetadataValidation {
    private MetadataValidation() {
    }

    static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

    static void validate(List<FieldError> errs, ResourceType type, ObjectNode metadata, Function<String, List<String>> nameRule) {
        String name = str(metadata, "name");
        if (name.isEmpty()) {
            errs.add(FieldError.required("metadata.name", "name or generateName is required"));
        } else {
            Checks.each(errs, "metadata.name", name, nameRule.apply(name));
        }
        String namespace = str(metadata, "namespace");
        if (type.namespaced()) {
            if (namespace.isEmpty()) {
                errs.add(FieldError.required("metadata.namespace", ""));
            } else {
                Checks.each(errs, "metadata.namespace", namespace, Names.dns1123Label(namespace));
            }
        } else if (!namespace.isEmpty()) {
            errs.add(FieldError.forbidden("metadata.namespace", "not allowed on this type"));
        }
        Checks.nonNegative(errs, metadata, "generation", "metadata.generation");
        Checks.labels(errs, obj(metadata, "labels"), "metadata.labels");
        annotations(errs, obj(metadata, "annotations"), "metadata.annotations");
        ownerReferences(errs, metadata);
        finalizers(errs, Trees.arr(metadata, "finalizers"));
    }

    /** ValidateAnnotations: keys are qualified names (checked lower-cased), 256 KiB in all. */
    static void annotations(List<FieldError> errs, ObjectNode annotations, String path) {
        if (annotations == null) {
            return;
        }
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = annotations.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Checks.each(errs, path, e.getKey(), Names.qualifiedName(e.getKey().toLowerCase()));
            total += e.getKey().getBytes(StandardCharsets.UTF_8).length
                    + e.getValue().asText().getBytes(StandardCharsets.UTF_8).length;
        }
        if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
            errs.add(new FieldError(FieldError.Type.TOO_LONG, path, null,
                    "must have at most " + TOTAL_ANNOTATION_SIZE_LIMIT + " bytes"));
        }
    }

    private static void ownerReferences(List<FieldError> errs, ObjectNode metadata) {
        String path = "metadata.ownerReferences";
        List<String> controllers = new ArrayList<>();
        for (ObjectNode ref : objects(metadata, "ownerReferences")) {
            String apiVersion = str(ref, "apiVersion");
            String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
            if (version.isEmpty()) {
                errs.add(FieldError.invalid(path + ".apiVersion", apiVersion, "version must not be empty"));
            }
            if (str(ref, "kind").isEmpty()) {
                errs.add(FieldError.invalid(path + ".kind", "", "kind must not be empty"));
            }
            if (str(ref, "name").isEmpty()) {
                errs.add(FieldError.invalid(path + ".name", "", "name must not be empty"));
            }
            if (str(ref, "uid").isEmpty()) {
                errs.add(FieldError.invalid(path + ".uid", "", "uid must not be empty"));
            }
            if (Trees.bool(ref, "controller")) {
                controllers.add(str(ref, "name"));
            }
        }
        if (controllers.size() > 1) {
            errs.add(FieldError.invalid(path, metadata.get("ownerReferences"),
                    "Only one reference can have Controller set to true. Found \"true\" in references for "
                            + String.join(" and ", controllers)));
        }
    }

    private static void finalizers(List<FieldError> errs, ArrayNode finalizers) {
        if (finalizers == null) {
            return;
        }
        boolean orphan = false;
        boolean foreground = false;
        for (JsonNode f : finalizers) {
            String name = f.asText();
            Checks.each(errs, "metadata.finalizers", name, Names.qualifiedName(name));
            orphan |= name.equals("orphan");
            foreground |= name.equals("foregroundDeletion");
        }
        if (orphan && foreground) {
            errs.add(FieldError.invalid("metadata.finalizers", finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
        }
    }

    /** ValidateObjectMetaUpdate: identity and creation fields never change. */
    static void validateUpdate(List<FieldError> errs, ObjectNode metadata, ObjectNode oldMetadata) {
        for (String field : List.of("name", "namespace", "uid", "creationTimestamp")) {
            // An update that leaves uid or creationTimestamp out keeps the stored ones (the server
            // fills them in), so only a different value is a change.
            if (field.equals("uid") || field.equals("creationTimestamp")) {
                if (!str(metadata, field).isEmpty() && !str(metadata, field).equals(str(oldMetadata, field))) {
                    errs.add(FieldError.invalid("metadata." + field, str(metadata, field), Checks.IMMUTABLE));
                }
            } else if (!str(metadata, field).equals(str(oldMetadata, field))) {
                errs.add(FieldError.invalid("metadata." + field, str(metadata, field), Checks.IMMUTABLE));
            }
        }
    }
}
