package io.capstan.workloads.common;

import io.capstan.api.json.KubeJson;

/**
 * Deep copies of fabric8 model objects, so the pure models never mutate their inputs.
 * (Duplicates io.capstan.controllers.common.Copies until the helpers move to a shared lib.)
 */
public final class Copies {
    private Copies() {
    }

    @SuppressWarnings("unchecked")
    public static <T> T deepCopy(T value) {
        if (value == null) {
            return null;
        }
        return (T) KubeJson.MAPPER.convertValue(KubeJson.tree(value), value.getClass());
    }
}
