package io.capstan.workloads.common;

import io.capstan.api.json.KubeJson;
import io.capstan.api.selector.LabelSelector;

import java.util.Map;

/** metav1.LabelSelectorAsSelector for fabric8 selectors: null selects nothing, empty everything. */
public final class Selectors {
    private Selectors() {
    }

    public static boolean matches(io.fabric8.kubernetes.api.model.LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        return LabelSelector.fromObject(KubeJson.tree(selector)).matches(labels == null ? Map.of() : labels);
    }
}
