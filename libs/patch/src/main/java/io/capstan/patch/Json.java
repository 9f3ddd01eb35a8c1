package io.capstan.patch;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** JSON tree helpers shared by the patch engines. */
final class Json {
    private Json() {
    }

    static boolean absent(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    /** True for null, a missing node, {@code {}} and {@code []}: Kubernetes treats these alike when comparing. */
    static boolean emptyOrAbsent(JsonNode n) {
        return absent(n) || (n.isContainerNode() && n.isEmpty());
    }

    /**
     * Deep equality where numbers compare by value: a client may send {@code 1.0} where the stored
     * object has {@code 1}, and Go's decoder would see the same float64.
     */
    static boolean same(JsonNode a, JsonNode b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            return decimal(a).compareTo(decimal(b)) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!same(e.getValue(), b.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static BigDecimal decimal(JsonNode n) {
        return n.isBigDecimal() ? n.decimalValue() : new BigDecimal(n.asText());
    }

    /**
     * A canonical compact JSON text: object keys sorted, integral numbers without a fraction. Used
     * as identity of list elements and in {@code k:}/{@code v:} path elements, which Kubernetes
     * also serializes with sorted keys.
     */
    static String canonical(JsonNode n) {
        return KubeJson.string(normalize(n));
    }

    private static JsonNode normalize(JsonNode n) {
        if (n == null) {
            return KubeJson.NODES.nullNode();
        }
        if (n.isNumber()) {
            BigDecimal d = decimal(n);
            if (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0) {
                return KubeJson.NODES.numberNode(d.toBigIntegerExact());
            }
            return n;
        }
        if (n.isObject()) {
            List<String> names = new ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode out = KubeJson.object();
            for (String name : names) {
                out.set(name, normalize(n.get(name)));
            }
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = KubeJson.NODES.arrayNode();
            n.forEach(e -> out.add(normalize(e)));
            return out;
        }
        return n;
    }

    /** A deep copy without object members whose value is null; null array elements are kept. */
    static JsonNode withoutNulls(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isObject()) {
            ObjectNode out = KubeJson.object();
            n.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    out.set(e.getKey(), withoutNulls(e.getValue()));
                }
            });
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = KubeJson.NODES.arrayNode();
            n.forEach(e -> out.add(withoutNulls(e)));
            return out;
        }
        return n.deepCopy();
    }
}
