package io.capstan.controllers.common;

import io.capstan.api.json.KubeJson;

/** Deep copies of fabric8 model objects, so that pure models never mutate their inputs. */
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
