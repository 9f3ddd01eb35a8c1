package io.capstan.controllers.common;

import io.capstan.api.json.KubeJson;
import io.capstan.api.selector.LabelSelector;

import java.util.Map;

/** metav1.LabelSelectorAsSelector for fabric8 selectors. */
public final class Selectors {
    private Selectors() {
    }

    /**
     * Converts a fabric8 selector; null selects nothing (returns null), an empty one everything,
     * as in Kubernetes.
     */
    public static LabelSelector of(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (selector == null) {
            return null;
        }
        return LabelSelector.fromObject(KubeJson.tree(selector));
    }

    /** Whether {@code selector} selects {@code labels}; a null selector selects nothing. */
    public static boolean matches(io.fabric8.kubernetes.api.model.LabelSelector selector, Map<String, String> labels) {
        LabelSelector s = of(selector);
        return s != null && s.matches(labels == null ? Map.of() : labels);
    }

    /** True for a non-null selector with neither matchLabels nor matchExpressions. */
    public static boolean selectsEverything(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        return selector != null
                && (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
    }
}
