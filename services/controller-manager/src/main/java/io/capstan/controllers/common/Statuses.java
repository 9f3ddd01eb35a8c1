package io.capstan.controllers.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.json.KubeJson;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Whether a planned status differs from the stored one in anything the api-server keeps. Nulls,
 * empty lists and empty objects are dropped on the way through etcd, and a condition's
 * {@code lastProbeTime} alone is no reason to write (models stamp it on every sync), so comparing
 * the fabric8 objects directly would write the same status forever.
 */
public final class Statuses {
    private Statuses() {
    }

    public static boolean same(Object planned, Object stored) {
        return normalize(planned == null ? null : KubeJson.tree(planned)).equals(normalize(stored == null ? null : KubeJson.tree(stored)));
    }

    private static JsonNode normalize(JsonNode node) {
        if (node == null || node.isNull()) {
            return KubeJson.object();
        }
        if (node.isObject()) {
            ObjectNode out = KubeJson.object();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("lastProbeTime") || e.getValue().isNull()) {
                    continue;
                }
                JsonNode v = normalize(e.getValue());
                if ((v.isObject() || v.isArray()) && v.isEmpty()) {
                    continue;
                }
                out.set(e.getKey(), v);
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = KubeJson.NODES.arrayNode();
            List<JsonNode> items = new ArrayList<>();
            node.forEach(items::add);
            items.forEach(i -> out.add(normalize(i)));
            return out;
        }
        return node;
    }
}
