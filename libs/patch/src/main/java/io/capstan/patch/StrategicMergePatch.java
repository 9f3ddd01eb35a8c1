package io.capstan.patch;

import io.capstan.api.json.KubeJson;
import io.capstan.api.schema.FieldMeta;
import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Kubernetes strategic merge patch ({@code application/strategic-merge-patch+json}), following
 * k8s.io/apimachinery/pkg/util/strategicpatch: maps merge recursively and {@code null} deletes;
 * lists whose field has {@code patchStrategy=merge} merge by their merge key (or, for scalars,
 * as a union); every other list is replaced. The merge semantics of each field come from
 * {@link io.capstan.api.schema.PatchMeta}, found by walking the fabric8 model classes.
 *
 * <p>Directives: {@code $patch: replace|delete|merge} on maps and {@code replace|delete} on list
 * elements, {@code $retainKeys}, {@code $deleteFromPrimitiveList/<field>} and
 * {@code $setElementOrder/<field>}. None of them appear in the result.
 *
 * <p>Element order of merged lists is kube-apiserver's: a {@code $setElementOrder} list decides
 * the order of the elements it names; otherwise patched elements follow the patch order and are
 * interleaved with the untouched elements by their live position, so a patch holding only new
 * elements puts them before the existing ones (kubectl always sends {@code $setElementOrder}).
 */
public final class StrategicMergePatch {
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
    private static final String SET_ELEMENT_ORDER = "$setElementOrder/";

    private StrategicMergePatch() {
    }

    /**
     * Applies a strategic merge patch to a copy of {@code target}; the inputs are not modified.
     *
     * @param target     the current object (null is treated as {@code {}})
     * @param patch      the patch, a JSON object
     * @param modelClass the fabric8 class of the object (e.g. {@code Deployment.class}); null
     *                   merges maps and replaces every list, as for a schemaless object
     * @return the patched object
     * @throws ApiException 400 BadRequest when the patch is not an object, a directive has the
     *                      wrong shape or an unknown value, or a list element lacks its merge key
     */
    public static JsonNode apply(JsonNode target, JsonNode patch, Class<?> modelClass) {
        if (patch == null || !patch.isObject()) {
            throw ApiException.badRequest("a strategic merge patch must be a JSON object");
        }
        ObjectNode original = target != null && target.isObject() ? target.deepCopy() : KubeJson.object();
        return mergeMap(original, (ObjectNode) patch, ModelTypes.root(modelClass));
    }

    /** Merges {@code patch} into {@code original}, which is a private copy and is modified in place. */
    private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, JavaType type) {
        JsonNode directive = patch.get(PATCH);
        if (directive != null) {
            switch (directive.isTextual() ? directive.asText() : "") {
                case "replace" -> {
                    ObjectNode rest = patch.deepCopy();
                    rest.remove(PATCH);
                    return mergeMap(KubeJson.object(), rest, type);
                }
                case "delete" -> {
                    return KubeJson.object();
                }
                case "merge" -> {
                }
                default -> throw badPatchType(directive);
            }
        }
        JsonNode retain = patch.get(RETAIN_KEYS);
        if (retain != null) {
            if (!retain.isArray()) {
                throw ApiException.badRequest("invalid patch: " + RETAIN_KEYS + " must be a list of field names");
            }
            Set<String> keep = new HashSet<>();
            retain.forEach(k -> keep.add(k.asText()));
            original.retain(keep);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                continue;
            }
            String field = e.getKey().substring(DELETE_FROM_PRIMITIVE_LIST.length());
            if (!e.getValue().isArray()) {
                throw ApiException.badRequest("invalid patch: " + e.getKey() + " must be a list");
            }
            JsonNode current = original.get(field);
            if (current != null && current.isArray()) {
                ArrayNode kept = KubeJson.NODES.arrayNode();
                for (JsonNode item : current) {
                    if (!containsSame(e.getValue(), item)) {
                        kept.add(item);
                    }
                }
                original.set(field, kept);
            }
        }
        Set<String> ordered = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().startsWith(SET_ELEMENT_ORDER)) {
                continue;
            }
            String field = e.getKey().substring(SET_ELEMENT_ORDER.length());
            if (!e.getValue().isArray()) {
                throw ApiException.badRequest("invalid patch: " + e.getKey() + " must be a list");
            }
            JsonNode patchList = patch.get(field);
            if (patchList != null && !patchList.isArray()) {
                continue;
            }
            JsonNode current = original.get(field);
            ArrayNode originalList = current != null && current.isArray() ? (ArrayNode) current : KubeJson.NODES.arrayNode();
            if (patchList == null && current == null) {
                ordered.add(field);
                continue;
            }
            FieldMeta meta = ModelTypes.meta(type, field);
            JavaType listType = ModelTypes.field(type, field);
            List<JsonNode> merged = patchList == null ? elements(originalList)
                    : mergeList(originalList, (ArrayNode) patchList, listType, meta);
            Function<JsonNode, String> id = identity(meta);
            List<JsonNode> result = normalizeOrder(merged, elements((ArrayNode) e.getValue()), elements(originalList), id);
            original.set(field, array(result));
            ordered.add(field);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (isDirective(key) || ordered.contains(key)) {
                continue;
            }
            JsonNode value = e.getValue();
            if (value.isNull()) {
                original.remove(key);
                continue;
            }
            JsonNode current = original.get(key);
            JavaType childType = ModelTypes.field(type, key);
            if (value.isObject()) {
                ObjectNode base = current != null && current.isObject() ? (ObjectNode) current : KubeJson.object();
                original.set(key, mergeMap(base, (ObjectNode) value, childType));
            } else if (value.isArray()) {
                ArrayNode base = current != null && current.isArray() ? (ArrayNode) current : KubeJson.NODES.arrayNode();
                original.set(key, array(mergeList(base, (ArrayNode) value, childType, ModelTypes.meta(type, key))));
            } else {
                original.set(key, value.deepCopy());
            }
        }
        return original;
    }

    private static boolean isDirective(String key) {
        return key.equals(PATCH) || key.equals(RETAIN_KEYS) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)
                || key.startsWith(SET_ELEMENT_ORDER);
    }

    /** Merges a patch list into a list field; {@code original} is a private copy. */
    private static List<JsonNode> mergeList(ArrayNode original, ArrayNode patch, JavaType listType, FieldMeta meta) {
        JavaType element = ModelTypes.element(listType);
        if (meta == null || !"merge".equals(meta.patchStrategy())) {
            List<JsonNode> replaced = new ArrayList<>();
            for (JsonNode item : patch) {
                replaced.add(item.isObject() ? mergeMap(KubeJson.object(), (ObjectNode) item, element) : item.deepCopy());
            }
            return replaced;
        }
        if (meta.mergeKey() == null) {
            List<JsonNode> merged = new ArrayList<>();
            for (JsonNode item : original) {
                if (!containsSame(merged, item)) {
                    merged.add(item);
                }
            }
            for (JsonNode item : patch) {
                if (!containsSame(merged, item)) {
                    merged.add(item.deepCopy());
                }
            }
            Function<JsonNode, String> id = identity(meta);
            return normalizeOrder(merged, elements(patch), elements(original), id);
        }
        String key = meta.mergeKey();
        List<JsonNode> base = elements(original);
        List<JsonNode> plain = new ArrayList<>();
        boolean replace = false;
        for (JsonNode item : patch) {
            if (!item.isObject()) {
                throw ApiException.badRequest("invalid patch: elements of a list merged by \"" + key + "\" must be objects, got " + item);
            }
            JsonNode directive = item.get(PATCH);
            if (directive == null) {
                plain.add(item);
                continue;
            }
            switch (directive.isTextual() ? directive.asText() : "") {
                case "delete" -> {
                    JsonNode k = requireMergeKey(item, key);
                    base.removeIf(o -> Json.same(o.get(key), k));
                }
                case "replace" -> replace = true;
                case "merge" -> throw ApiException.badRequest("invalid patch: merging lists cannot yet be specified in the patch");
                default -> throw badPatchType(directive);
            }
        }
        if (replace) {
            List<JsonNode> replaced = new ArrayList<>();
            for (JsonNode item : plain) {
                replaced.add(mergeMap(KubeJson.object(), (ObjectNode) item, element));
            }
            return replaced;
        }
        List<JsonNode> merged = new ArrayList<>(base);
        for (JsonNode item : plain) {
            JsonNode k = requireMergeKey(item, key);
            int at = -1;
            for (int i = 0; i < merged.size(); i++) {
                if (Json.same(merged.get(i).get(key), k)) {
                    at = i;
                    break;
                }
            }
            if (at >= 0 && merged.get(at).isObject()) {
                merged.set(at, mergeMap((ObjectNode) merged.get(at), (ObjectNode) item, element));
            } else if (at >= 0) {
                merged.set(at, mergeMap(KubeJson.object(), (ObjectNode) item, element));
            } else {
                merged.add(mergeMap(KubeJson.object(), (ObjectNode) item, element));
            }
        }
        return normalizeOrder(merged, plain, base, identity(meta));
    }

    /**
     * Orders a merged list as strategicpatch's {@code normalizeElementOrder} does: elements named
     * in {@code order} (the patch list or a {@code $setElementOrder} list) follow that order, the
     * other elements keep their server order, and the two runs are interleaved by server position;
     * where either element is unknown to the server the patched one goes first (mergeSortedSlice).
     */
    private static List<JsonNode> normalizeOrder(List<JsonNode> merged, List<JsonNode> order, List<JsonNode> serverOrder,
                                                 Function<JsonNode, String> id) {
        List<String> orderIds = order.stream().map(id).toList();
        List<String> serverIds = serverOrder.stream().map(id).toList();
        List<JsonNode> fromPatch = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        for (JsonNode item : merged) {
            (orderIds.contains(id.apply(item)) ? fromPatch : serverOnly).add(item);
        }
        fromPatch.sort(Comparator.comparingInt(item -> orderIds.indexOf(id.apply(item))));
        serverOnly.sort(Comparator.comparingInt(item -> positionOrLast(serverIds, id.apply(item))));
        List<JsonNode> out = new ArrayList<>(merged.size());
        int i = 0;
        int j = 0;
        while (i < serverOnly.size() || j < fromPatch.size()) {
            if (j >= fromPatch.size()) {
                out.add(serverOnly.get(i++));
            } else if (i >= serverOnly.size()) {
                out.add(fromPatch.get(j++));
            } else {
                int left = serverIds.indexOf(id.apply(serverOnly.get(i)));
                int right = serverIds.indexOf(id.apply(fromPatch.get(j)));
                if (left >= 0 && right >= 0 && left < right) {
                    out.add(serverOnly.get(i++));
                } else {
                    out.add(fromPatch.get(j++));
                }
            }
        }
        return out;
    }

    private static int positionOrLast(List<String> ids, String id) {
        int at = ids.indexOf(id);
        return at < 0 ? Integer.MAX_VALUE : at;
    }

    /** Elements of a keyed list are identified by their merge key, scalars by their value. */
    private static Function<JsonNode, String> identity(FieldMeta meta) {
        String key = meta == null ? null : meta.mergeKey();
        if (key == null) {
            return Json::canonical;
        }
        return item -> item != null && item.isObject() ? Json.canonical(item.get(key)) : Json.canonical(item);
    }

    private static JsonNode requireMergeKey(JsonNode item, String key) {
        JsonNode k = item.get(key);
        if (Json.absent(k)) {
            throw ApiException.badRequest("invalid patch: map: " + KubeJson.string(item)
                    + " does not contain declared merge key: " + key);
        }
        return k;
    }

    private static ApiException badPatchType(JsonNode directive) {
        return ApiException.badRequest("invalid patch: unknown patch type: " + directive.asText() + " in " + PATCH);
    }

    private static boolean containsSame(Iterable<JsonNode> list, JsonNode item) {
        for (JsonNode candidate : list) {
            if (Json.same(candidate, item)) {
                return true;
            }
        }
        return false;
    }

    private static List<JsonNode> elements(ArrayNode list) {
        List<JsonNode> out = new ArrayList<>(list.size());
        list.forEach(out::add);
        return out;
    }

    private static ArrayNode array(List<JsonNode> items) {
        ArrayNode out = KubeJson.NODES.arrayNode();
        items.forEach(out::add);
        return out;
    }
}
