package io.capstan.apiserver;

import io.capstan.api.selector.FieldSelector;
import io.capstan.api.selector.LabelSelector;

/**
 * The options of a LIST or WATCH: selectors, paging and the resourceVersion semantics of
 * k8s ListOptions ({@code resourceVersion}, {@code resourceVersionMatch}).
 */
public record ListQuery(LabelSelector labels, FieldSelector fields, int limit, String continueToken,
                        String resourceVersion, String resourceVersionMatch) {
    public static ListQuery all() {
        return new ListQuery(LabelSelector.everything(), FieldSelector.everything(), 0, null, null, null);
    }

    public boolean filters() {
        return !labels.isEverything() || !fields.isEverything();
    }
}
