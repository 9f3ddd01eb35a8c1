package io.capstan.api.selector;

import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed label selector in the string syntax of {@code ?labelSelector=} (k8s.io/apimachinery
 * labels.Parse): equality ({@code a=b}, {@code a==b}, {@code a!=b}), set-based
 * ({@code a in (x,y)}, {@code a notin (x)}), existence ({@code a}, {@code !a}), comma-joined.
 * Immutable and thread-safe.
 */
public final class LabelSelector {
    private static final Pattern KEY = Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    /** One requirement of a selector. */
    public record Requirement(String key, Operator op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> labels.containsKey(key);
                case DOES_NOT_EXIST -> !labels.containsKey(key);
            };
        }
    }

    public enum Operator { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = List.copyOf(requirements);
    }

    public static LabelSelector everything() {
        return EVERYTHING;
    }

    public boolean isEverything() {
        return requirements.isEmpty();
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    /** Parses the query-string syntax; a malformed selector is a 400 BadRequest. */
    public static LabelSelector parse(String selector) {
        if (selector == null || selector.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        for (String term : splitTerms(selector)) {
            out.add(parseTerm(term.trim(), selector));
        }
        return new LabelSelector(out);
    }

    /**
     * Builds a selector from a {@code metav1.LabelSelector} object ({@code matchLabels} and
     * {@code matchExpressions}); a null or empty object selects everything.
     */
    public static LabelSelector fromObject(JsonNode selector) {
        if (selector == null || selector.isNull()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        JsonNode ml = selector.get("matchLabels");
        if (ml != null) {
            ml.fields().forEachRemaining(e -> out.add(new Requirement(e.getKey(), Operator.EQUALS, Set.of(e.getValue().asText()))));
        }
        JsonNode me = selector.get("matchExpressions");
        if (me != null) {
            for (JsonNode expr : me) {
                Set<String> values = new LinkedHashSet<>();
                JsonNode vs = expr.get("values");
                if (vs != null) {
                    vs.forEach(v -> values.add(v.asText()));
                }
                Operator op = switch (expr.path("operator").asText()) {
                    case "In" -> Operator.IN;
                    case "NotIn" -> Operator.NOT_IN;
                    case "Exists" -> Operator.EXISTS;
                    case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
                    default -> throw ApiException.badRequest("invalid label selector operator: " + expr.path("operator").asText());
                };
                out.add(new Requirement(expr.path("key").asText(), op, values));
            }
        }
        return new LabelSelector(out);
    }

    public boolean matches(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** Matches the {@code metadata.labels} of a JSON object. */
    public boolean matches(JsonNode object) {
        if (requirements.isEmpty()) {
            return true;
        }
        return matches(Labels.of(object));
    }

    private static List<String> splitTerms(String s) {
        List<String> terms = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                terms.add(s.substring(start, i));
                start = i + 1;
            }
        }
        terms.add(s.substring(start));
        return terms;
    }

    private static Requirement parseTerm(String term, String whole) {
        if (term.isEmpty()) {
            throw invalid(whole, "found '', expected: identifier");
        }
        if (term.startsWith("!")) {
            return new Requirement(key(term.substring(1).trim(), whole), Operator.DOES_NOT_EXIST, Set.of());
        }
        var set = Pattern.compile("^(\\S+)\\s+(in|notin)\\s*\\((.*)\\)$").matcher(term);
        if (set.matches()) {
            Set<String> values = new LinkedHashSet<>();
            for (String v : set.group(3).split(",")) {
                values.add(value(v.trim(), whole));
            }
            return new Requirement(key(set.group(1), whole), set.group(2).equals("in") ? Operator.IN : Operator.NOT_IN, values);
        }
        int idx;
        if ((idx = term.indexOf("!=")) > 0) {
            return new Requirement(key(term.substring(0, idx).trim(), whole), Operator.NOT_EQUALS,
                    Set.of(value(term.substring(idx + 2).trim(), whole)));
        }
        if ((idx = term.indexOf("==")) > 0) {
            return new Requirement(key(term.substring(0, idx).trim(), whole), Operator.EQUALS,
                    Set.of(value(term.substring(idx + 2).trim(), whole)));
        }
        if ((idx = term.indexOf('=')) > 0) {
            return new Requirement(key(term.substring(0, idx).trim(), whole), Operator.EQUALS,
                    Set.of(value(term.substring(idx + 1).trim(), whole)));
        }
        return new Requirement(key(term, whole), Operator.EXISTS, Set.of());
    }

    private static String key(String k, String whole) {
        if (!KEY.matcher(k).matches() || k.length() > 316) {
            throw invalid(whole, "invalid label key \"" + k + "\"");
        }
        return k;
    }

    private static String value(String v, String whole) {
        if (!VALUE.matcher(v).matches() || v.length() > 63) {
            throw invalid(whole, "invalid label value: \"" + v + "\"");
        }
        return v;
    }

    private static ApiException invalid(String selector, String why) {
        return ApiException.badRequest("unable to parse requirement: " + why + " in selector \"" + selector + "\"");
    }
}
