package io.capstan.workloads.common;

import io.capstan.api.json.KubeJson;
import io.capstan.api.selector.LabelSelector;

import java.util.Map;
import java.util.function.Predicate;

/** metav1.LabelSelectorAsSelector for fabric8 selectors: null selects nothing, empty everything. */
public final class Selectors {
    private Selectors() {
    }

    public static boolean matches(io.fabric8.kubernetes.api.model.LabelSelector selector, Map<String, String> labels) {
        return matcher(selector).test(labels);
    }

    /** True for a non-null selector with neither matchLabels nor matchExpressions: it selects every object. */
    public static boolean selectsEverything(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        return selector != null
                && (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
    }

    /** {@link #matches} with the selector converted once, for matching many objects. */
    public static Predicate<Map<String, String>> matcher(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (selector == null) {
            return labels -> false;
        }
        LabelSelector s = LabelSelector.fromObject(KubeJson.tree(selector));
        return labels -> s.matches(labels == null ? Map.of() : labels);
    }
}
