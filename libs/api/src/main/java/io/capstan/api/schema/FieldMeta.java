package io.capstan.api.schema;

import java.util.List;

/**
 * How one list or map field merges, from the {@code patchStrategy}/{@code patchMergeKey} struct
 * tags and {@code +listType}/{@code +listMapKeys} markers of Kubernetes' Go types.
 *
 * @param patchStrategy "merge" or "replace" (strategic merge patch), null for the default (replace)
 * @param mergeKey      the strategic-merge-patch key of list elements, or null
 * @param retainKeys    true for fields with the {@code retainKeys} strategy
 * @param listType      "map", "set" or "atomic" for server-side apply
 * @param mapKeys       the server-side apply keys of a "map" list
 */
public record FieldMeta(String patchStrategy, String mergeKey, boolean retainKeys, String listType, List<String> mapKeys) {

    public static FieldMeta mergeByKey(String key, List<String> applyKeys) {
        return new FieldMeta("merge", key, false, "map", applyKeys);
    }

    public static FieldMeta mergeByKey(String key) {
        return mergeByKey(key, List.of(key));
    }

    public static FieldMeta mergeByKeyRetainingKeys(String key) {
        return new FieldMeta("merge", key, true, "map", List.of(key));
    }

    public static FieldMeta primitiveSet() {
        return new FieldMeta("merge", null, false, "set", List.of());
    }

    public static FieldMeta atomic() {
        return new FieldMeta(null, null, false, "atomic", List.of());
    }

    public static FieldMeta retainKeysOnly() {
        return new FieldMeta("retainKeys", null, true, null, List.of());
    }

    public boolean mergesByKey() {
        return "merge".equals(patchStrategy) && mergeKey != null;
    }

    /** The value kube-openapi writes as {@code x-kubernetes-patch-strategy}. */
    public String openApiPatchStrategy() {
        if (retainKeys && "merge".equals(patchStrategy)) {
            return "merge,retainKeys";
        }
        return patchStrategy;
    }
}
