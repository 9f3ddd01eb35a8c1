package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The label and selector renderings of {@code k8s.io/apimachinery/pkg/labels} and {@code metav1}. */
final class Selectors {

    private Selectors() {
    }

    /** {@code labels.FormatLabels}: "a=1,b=2" sorted by key, "&lt;none&gt;" when empty. */
    static String formatLabels(JsonNode map) {
        String s = joinSorted(map);
        return s.isEmpty() ? "<none>" : s;
    }

    /** {@code metav1.FormatLabelSelector}: the selector string, "&lt;none&gt;" when it selects by nothing. */
    static String formatLabelSelector(JsonNode selector) {
        String s = selectorString(selector);
        return s.isEmpty() ? "<none>" : s;
    }

    /** {@code LabelSelectorAsSelector(s).String()}: requirements sorted by key, empty for nil or empty selectors. */
    static String selectorString(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return "";
        }
        List<String[]> requirements = new ArrayList<>(); // {key, rendering}
        selector.path("matchLabels").fields()
                .forEachRemaining(e -> requirements.add(new String[]{e.getKey(), e.getKey() + "=" + e.getValue().asText()}));
        for (JsonNode expr : selector.path("matchExpressions")) {
            String key = expr.path("key").asText();
            List<String> values = new ArrayList<>();
            expr.path("values").forEach(v -> values.add(v.asText()));
            values.sort(null);
            String rendered = switch (expr.path("operator").asText()) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key + " " + expr.path("operator").asText().toLowerCase() + " (" + String.join(",", values) + ")";
            };
            requirements.add(new String[]{key, rendered});
        }
        requirements.sort((a, b) -> a[0].compareTo(b[0]));
        List<String> parts = new ArrayList<>();
        requirements.forEach(r -> parts.add(r[1]));
        return String.join(",", parts);
    }

    private static String joinSorted(JsonNode map) {
        if (map == null || !map.isObject()) {
            return "";
        }
        Map<String, String> sorted = new TreeMap<>();
        map.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }
}
