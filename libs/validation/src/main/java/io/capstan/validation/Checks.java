package io.capstan.validation;

import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;

/** Checks shared by several kinds, each appending kube-apiserver's errors to {@code errs}. */
final class Checks {
    private Checks() {
    }

    static final String NON_NEGATIVE = "must be greater than or equal to 0";
    static final String IMMUTABLE = "field is immutable";
    static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");

    /** ValidateNonnegativeField, for an optional numeric field. */
    static void nonNegative(List<FieldError> errs, JsonNode parent, String field, String path) {
        Long v = Trees.num(parent, field);
        if (v != null && v < 0) {
            errs.add(FieldError.invalid(path, v, NON_NEGATIVE));
        }
    }

    static void each(List<FieldError> errs, String path, Object value, List<String> messages) {
        for (String m : messages) {
            errs.add(FieldError.invalid(path, value, m));
        }
    }

    /** An enum field that must be set: Required when empty, NotSupported when unknown. */
    static void oneOf(List<FieldError> errs, JsonNode parent, String field, String path, List<String> allowed) {
        String v = str(parent, field);
        if (v.isEmpty()) {
            errs.add(FieldError.required(path, ""));
        } else if (!allowed.contains(v)) {
            errs.add(FieldError.notSupported(path, v, allowed));
        }
    }

    /** An enum field that may be left out. */
    static void optionalOneOf(List<FieldError> errs, JsonNode parent, String field, String path, List<String> allowed) {
        String v = str(parent, field);
        if (Trees.has(parent, field) && !allowed.contains(v)) {
            errs.add(FieldError.notSupported(path, v, allowed));
        }
    }

    /** ValidateLabels: keys are qualified names, values label values; errors name the map, not the key. */
    static void labels(List<FieldError> errs, ObjectNode labels, String path) {
        if (labels == null) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            each(errs, path, e.getKey(), Names.qualifiedName(e.getKey()));
            String value = e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString();
            each(errs, path, value, Names.labelValue(value));
        }
    }

    /** ValidateLabelSelector: matchLabels and matchExpressions. */
    static void labelSelector(List<FieldError> errs, ObjectNode selector, String path) {
        if (selector == null) {
            return;
        }
        labels(errs, obj(selector, "matchLabels"), path + ".matchLabels");
        List<ObjectNode> expressions = objects(selector, "matchExpressions");
        for (int i = 0; i < expressions.size(); i++) {
            ObjectNode e = expressions.get(i);
            String p = path + ".matchExpressions[" + i + "]";
            int values = Trees.arr(e, "values") == null ? 0 : Trees.arr(e, "values").size();
            switch (str(e, "operator")) {
                case "In", "NotIn" -> {
                    if (values == 0) {
                        errs.add(FieldError.required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (values > 0) {
                        errs.add(FieldError.forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                }
                default -> errs.add(FieldError.invalid(p + ".operator", str(e, "operator"), "not a valid selector operator"));
            }
            each(errs, p + ".key", str(e, "key"), Names.qualifiedName(str(e, "key")));
        }
    }

    static boolean selectorEmpty(ObjectNode selector) {
        return selector == null || (size(obj(selector, "matchLabels")) == 0 && size(Trees.arr(selector, "matchExpressions")) == 0);
    }

    private static int size(JsonNode n) {
        return n == null ? 0 : n.size();
    }

    /** Whether a label selector selects the given labels; an absent selector selects nothing. */
    static boolean selects(ObjectNode selector, ObjectNode labels) {
        if (selector == null) {
            return false;
        }
        ObjectNode matchLabels = obj(selector, "matchLabels");
        if (matchLabels != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = matchLabels.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (labels == null || !e.getValue().asText().equals(str(labels, e.getKey())) || !labels.has(e.getKey())) {
                    return false;
                }
            }
        }
        for (ObjectNode e : objects(selector, "matchExpressions")) {
            String key = str(e, "key");
            boolean present = labels != null && labels.has(key);
            String value = str(labels, key);
            List<String> values = new ArrayList<>();
            if (Trees.arr(e, "values") != null) {
                Trees.arr(e, "values").forEach(v -> values.add(v.asText()));
            }
            boolean ok = switch (str(e, "operator")) {
                case "In" -> present && values.contains(value);
                case "NotIn" -> !present || !values.contains(value);
                case "Exists" -> present;
                case "DoesNotExist" -> !present;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** ValidatePortNumOrName, for an int-or-string port. */
    static void portNumOrName(List<FieldError> errs, JsonNode port, String path) {
        if (port == null || port.isNull()) {
            return;
        }
        if (port.isNumber()) {
            each(errs, path, port.asLong(), Names.portNum(port.asLong()));
        } else {
            each(errs, path, port.asText(), Names.portName(port.asText()));
        }
    }

    /** ValidatePositiveIntOrPercent. */
    static void intOrPercent(List<FieldError> errs, JsonNode value, String path) {
        if (value == null || value.isNull()) {
            return;
        }
        if (value.isTextual()) {
            each(errs, path, value.asText(), Names.percent(value.asText()));
        } else if (value.asLong() < 0) {
            errs.add(FieldError.invalid(path, value.asLong(), NON_NEGATIVE));
        }
    }

    /** getIntOrPercentValue: the number, with the percent sign dropped. */
    static long intOrPercentValue(JsonNode value) {
        if (value == null || value.isNull()) {
            return 0;
        }
        if (value.isTextual()) {
            String s = value.asText().replace("%", "");
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return value.asLong();
    }

    static void notMoreThan100Percent(List<FieldError> errs, JsonNode value, String path) {
        if (value != null && value.isTextual() && Names.percent(value.asText()).isEmpty() && intOrPercentValue(value) > 100) {
            errs.add(FieldError.invalid(path, value.asText(), "must not be greater than 100%"));
        }
    }

    /** A quantity that parses and is not negative; returns its value or null. */
    static BigDecimal quantity(List<FieldError> errs, JsonNode value, String path) {
        BigDecimal q = Quantities.parse(value);
        if (q == null) {
            errs.add(FieldError.invalid(path, value, Quantities.PARSE_ERROR));
        } else if (q.signum() < 0) {
            errs.add(FieldError.invalid(path, value, NON_NEGATIVE));
        }
        return q;
    }

    static void immutable(List<FieldError> errs, JsonNode now, JsonNode before, String path) {
        JsonNode a = now == null || now.isNull() ? null : now;
        JsonNode b = before == null || before.isNull() ? null : before;
        if (a == null ? b != null : !a.equals(b)) {
            errs.add(FieldError.invalid(path, a, IMMUTABLE));
        }
    }

    static Set<String> fieldNames(ObjectNode o) {
        Set<String> names = new java.util.LinkedHashSet<>();
        if (o != null) {
            o.fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    static String quoted(Collection<String> values) {
        return String.join(", ", values.stream().map(v -> "\"" + v + "\"").toList());
    }
}
