package io.capstan.patch;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/**
 * RFC 7386 JSON Merge Patch, for {@code application/merge-patch+json}: objects merge key by key,
 * {@code null} deletes a key, anything else (lists included) replaces.
 */
public final class MergePatch {
    private MergePatch() {
    }

    /**
     * Returns {@code target} with {@code patch} merged in; the inputs are not modified. Never fails:
     * every JSON value is a valid merge patch (a non-object patch replaces the whole target).
     */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            return patch == null ? (target == null ? null : target.deepCopy()) : patch.deepCopy();
        }
        ObjectNode out = target != null && target.isObject() ? target.deepCopy() : KubeJson.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), apply(out.get(e.getKey()), e.getValue()));
            }
        }
        return out;
    }
}
