package io.capstan.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Null-tolerant navigation of object trees. Validation runs on whatever the client sent, so every
 * step may meet a missing field or a value of the wrong JSON type; these helpers treat both as
 * absent and leave type errors to the decoder, as kube-apiserver does.
 */
final class Trees {
    private Trees() {
    }

    static ObjectNode obj(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n instanceof ObjectNode o ? o : null;
    }

    /** The elements of an array field that are objects, in order; empty when absent. */
    static List<ObjectNode> objects(JsonNode parent, String field) {
        List<ObjectNode> out = new ArrayList<>();
        JsonNode n = parent == null ? null : parent.get(field);
        if (n instanceof ArrayNode a) {
            for (JsonNode e : a) {
                out.add(e instanceof ObjectNode o ? o : null);
            }
        }
        return out;
    }

    static ArrayNode arr(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n instanceof ArrayNode a ? a : null;
    }

    /** Text of a field; numbers and booleans are rendered, missing or null gives "". */
    static String str(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n == null || n.isNull() || n.isContainerNode() ? "" : n.asText();
    }

    static boolean has(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && !n.isNull();
    }

    /** A numeric field, or null when absent or not a number (a string there is a decoding error, not a validation one). */
    static Long num(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.isNumber() ? n.asLong() : null;
    }

    static boolean bool(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.asBoolean(false);
    }

    static ObjectNode with(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    /** Sets a field only when the client left it out, sent null or sent "" (Go's zero value, which its defaulters treat as unset). */
    static void def(ObjectNode o, String field, String value) {
        if (!has(o, field) || (o.get(field).isTextual() && o.get(field).asText().isEmpty())) {
            o.put(field, value);
        }
    }

    static void def(ObjectNode o, String field, long value) {
        if (!has(o, field)) {
            o.put(field, value);
        }
    }

    static void def(ObjectNode o, String field, int value) {
        if (!has(o, field)) {
            o.put(field, value);
        }
    }

    static void def(ObjectNode o, String field, boolean value) {
        if (!has(o, field)) {
            o.put(field, value);
        }
    }

    static void defObject(ObjectNode o, String field) {
        if (!(o.get(field) instanceof ObjectNode)) {
            o.putObject(field);
        }
    }
}
