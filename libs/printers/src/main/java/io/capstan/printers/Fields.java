package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Null-tolerant reads from the JSON form of an object, mirroring Go's zero values for absent fields. */
final class Fields {

    private Fields() {
    }

    static JsonNode at(JsonNode node, String... path) {
        JsonNode current = node;
        for (String p : path) {
            current = current.path(p);
        }
        return current;
    }

    static String text(JsonNode node, String... path) {
        JsonNode n = at(node, path);
        return n.isValueNode() && !n.isNull() ? n.asText() : "";
    }

    static long integer(JsonNode node, String... path) {
        return at(node, path).asLong(0);
    }

    static boolean present(JsonNode node, String... path) {
        JsonNode n = at(node, path);
        return !n.isMissingNode() && !n.isNull();
    }

    static List<JsonNode> list(JsonNode node, String... path) {
        List<JsonNode> out = new ArrayList<>();
        at(node, path).forEach(out::add);
        return out;
    }

    static int size(JsonNode node, String... path) {
        JsonNode n = at(node, path);
        return n.isContainerNode() ? n.size() : 0;
    }

    /** An RFC 3339 timestamp (with or without fractional seconds), or null when absent or unparseable. */
    static Instant time(JsonNode node, String... path) {
        String s = text(node, path);
        if (s.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String age(JsonNode obj, Instant now) {
        return HumanDuration.since(time(obj, "metadata", "creationTimestamp"), now);
    }

    static String name(JsonNode obj) {
        return text(obj, "metadata", "name");
    }

    static String orElse(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
