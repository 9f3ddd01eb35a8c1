package io.capstan.scheduler.framework;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled {@code metav1.LabelSelector} (metav1.LabelSelectorAsSelector): a null selector
 * selects nothing, an empty one everything; {@code matchLabels} and {@code matchExpressions} are
 * ANDed. Compiled once per pod so the filter and score hot paths only do map look-ups.
 * Immutable and thread-safe.
 */
public final class Selector {
    public static final Selector NOTHING = new Selector(null);
    public static final Selector EVERYTHING = new Selector(List.of());

    private enum Op { IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    private record Requirement(String key, Op op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case IN -> v != null && values.contains(v);
                case NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null || labels.containsKey(key);
                case DOES_NOT_EXIST -> !labels.containsKey(key);
            };
        }
    }

    // null: matches nothing
    private final List<Requirement> requirements;

    private Selector(List<Requirement> requirements) {
        this.requirements = requirements;
    }

    public static Selector of(LabelSelector selector) {
        return of(selector, Map.of());
    }

    /**
     * @param extraLabels {@code key=value} requirements added to the selector, as Kubernetes does
     *                    with a topology spread constraint's {@code matchLabelKeys}
     */
    public static Selector of(LabelSelector selector, Map<String, String> extraLabels) {
        if (selector == null) {
            return NOTHING;
        }
        List<Requirement> out = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> out.add(new Requirement(k, Op.IN, Set.of(v == null ? "" : v))));
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                Set<String> values = r.getValues() == null ? Set.of() : Set.copyOf(r.getValues());
                Op op = switch (r.getOperator() == null ? "" : r.getOperator()) {
                    case "In" -> Op.IN;
                    case "NotIn" -> Op.NOT_IN;
                    case "Exists" -> Op.EXISTS;
                    case "DoesNotExist" -> Op.DOES_NOT_EXIST;
                    // an invalid selector matches nothing rather than everything
                    default -> null;
                };
                if (op == null) {
                    return NOTHING;
                }
                out.add(new Requirement(r.getKey(), op, values));
            }
        }
        extraLabels.forEach((k, v) -> out.add(new Requirement(k, Op.IN, Set.of(v))));
        return out.isEmpty() ? EVERYTHING : new Selector(List.copyOf(out));
    }

    public boolean isNothing() {
        return requirements == null;
    }

    public boolean isEverything() {
        return requirements != null && requirements.isEmpty();
    }

    public boolean matches(Map<String, String> labels) {
        if (requirements == null) {
            return false;
        }
        for (int i = 0; i < requirements.size(); i++) {
            if (!requirements.get(i).matches(labels)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return requirements == null ? "<nothing>" : requirements.toString();
    }
}
