package io.capstan.patch;

import io.capstan.api.json.KubeJson;
import io.capstan.api.schema.FieldMeta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** How server-side apply treats a list field ({@code +listType}), and how it names list elements. */
enum ListKind {
    /** Elements are identified by their key fields: path element {@code k:{"name":"web"}}. */
    MAP,
    /** Elements are scalars identified by value: path element {@code v:"value"}. */
    SET,
    /** The list is one value, owned and replaced whole. */
    ATOMIC;

    /** Key fields that Kubernetes defaults, so an element that omits them still has a full key. */
    private static final Map<String, JsonNode> KEY_DEFAULTS = Map.of("protocol", KubeJson.NODES.textNode("TCP"));

    static ListKind of(FieldMeta meta) {
        if (meta == null || meta.listType() == null) {
            return ATOMIC;
        }
        return switch (meta.listType()) {
            case "map" -> meta.mapKeys() == null || meta.mapKeys().isEmpty() ? ATOMIC : MAP;
            case "set" -> SET;
            default -> ATOMIC;
        };
    }

    /**
     * The fieldsV1 path element of a list element. A map element lacking every key falls back to
     * its index so a malformed stored object cannot break apply; validation reports it instead.
     */
    static String pathElement(ListKind kind, FieldMeta meta, JsonNode item, int index) {
        if (kind == SET) {
            return FieldSet.VALUE + Json.canonical(item);
        }
        if (kind == MAP && item != null && item.isObject()) {
            List<String> keys = meta.mapKeys();
            ObjectNode key = KubeJson.object();
            for (String k : new TreeSet<>(keys)) {
                JsonNode v = item.get(k);
                if (Json.absent(v)) {
                    v = KEY_DEFAULTS.get(k);
                }
                if (v != null) {
                    key.set(k, v);
                }
            }
            if (!key.isEmpty()) {
                return FieldSet.KEY + Json.canonical(key);
            }
        }
        return FieldSet.INDEX + index;
    }
}
