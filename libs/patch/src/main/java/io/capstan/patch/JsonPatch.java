package io.capstan.patch;

import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6902 JSON Patch, for {@code application/json-patch+json}.
 */
public final class JsonPatch {
    /**
     * kube-apiserver answers a patch that cannot be applied with
     * {@code NewGenericServerResponse(422, ...)}, whose message is this fixed sentence; the
     * operation's own error is appended so the client learns which operation failed.
     */
    static final String REJECTED = "the server rejected our request due to an error in our request";

    private JsonPatch() {
    }

    /**
     * Applies the operations in order to a copy of {@code target}; the inputs are not modified.
     *
     * @param target the document to patch
     * @param ops    a JSON array of operations ({@code add, remove, replace, move, copy, test})
     * @return the patched document
     * @throws ApiException 400 BadRequest when {@code ops} is not a well-formed patch document
     *                      (not an array, unknown op, missing or malformed path/from/value);
     *                      422 Invalid when an operation cannot apply (path absent, index out of
     *                      range, test failed, move into its own child)
     */
    public static JsonNode apply(JsonNode target, JsonNode ops) {
        List<Op> parsed = parse(ops);
        JsonNode doc = target == null ? null : target.deepCopy();
        for (int i = 0; i < parsed.size(); i++) {
            doc = parsed.get(i).apply(doc, i);
        }
        return doc;
    }

    private record Op(String op, List<String> path, String rawPath, List<String> from, String rawFrom, JsonNode value) {

        JsonNode apply(JsonNode doc, int index) {
            return switch (op) {
                case "add" -> add(doc, path, rawPath, value.deepCopy(), index);
                case "remove" -> {
                    remove(doc, path, rawPath, index);
                    yield doc;
                }
                case "replace" -> {
                    if (path.isEmpty()) {
                        yield value.deepCopy();
                    }
                    get(doc, path, rawPath, index);
                    remove(doc, path, rawPath, index);
                    yield add(doc, path, rawPath, value.deepCopy(), index);
                }
                case "move" -> {
                    if (rawPath.startsWith(rawFrom + "/")) {
                        throw unprocessable(index, "move", "cannot move " + rawFrom + " into its own child " + rawPath);
                    }
                    JsonNode moved = get(doc, from, rawFrom, index);
                    if (rawPath.equals(rawFrom)) {
                        yield doc;
                    }
                    remove(doc, from, rawFrom, index);
                    yield add(doc, path, rawPath, moved, index);
                }
                case "copy" -> add(doc, path, rawPath, get(doc, from, rawFrom, index).deepCopy(), index);
                case "test" -> {
                    JsonNode actual = get(doc, path, rawPath, index);
                    if (!Json.same(actual, value)) {
                        throw unprocessable(index, "test", "testing value " + rawPath + " failed");
                    }
                    yield doc;
                }
                default -> throw new IllegalStateException(op);
            };
        }

        private JsonNode add(JsonNode doc, List<String> p, String raw, JsonNode v, int index) {
            if (p.isEmpty()) {
                return v;
            }
            JsonNode parent = parent(doc, p, raw, index);
            String last = p.get(p.size() - 1);
            if (parent instanceof ObjectNode o) {
                o.set(last, v);
            } else if (parent instanceof ArrayNode a) {
                if ("-".equals(last)) {
                    a.add(v);
                } else {
                    int at = arrayIndex(last, raw, index);
                    if (at > a.size()) {
                        throw unprocessable(index, op, "index " + at + " is out of bounds for array of size " + a.size() + " at " + raw);
                    }
                    a.insert(at, v);
                }
            } else {
                throw unprocessable(index, op, "parent of " + raw + " is not an object or array");
            }
            return doc;
        }

        private void remove(JsonNode doc, List<String> p, String raw, int index) {
            if (p.isEmpty()) {
                throw unprocessable(index, op, "cannot remove the whole document");
            }
            JsonNode parent = parent(doc, p, raw, index);
            String last = p.get(p.size() - 1);
            if (parent instanceof ObjectNode o && o.has(last)) {
                o.remove(last);
                return;
            }
            if (parent instanceof ArrayNode a && !"-".equals(last)) {
                int at = arrayIndex(last, raw, index);
                if (at < a.size()) {
                    a.remove(at);
                    return;
                }
            }
            throw unprocessable(index, op, "path " + raw + " does not exist");
        }

        private JsonNode parent(JsonNode doc, List<String> p, String raw, int index) {
            JsonNode parent = walk(doc, p.subList(0, p.size() - 1));
            if (parent == null) {
                throw unprocessable(index, op, "parent of path " + raw + " does not exist");
            }
            return parent;
        }

        private JsonNode get(JsonNode doc, List<String> p, String raw, int index) {
            JsonNode found = walk(doc, p);
            if (found == null) {
                throw unprocessable(index, op, "path " + raw + " does not exist");
            }
            return found;
        }
    }

    private static JsonNode walk(JsonNode doc, List<String> tokens) {
        JsonNode n = doc;
        for (String t : tokens) {
            if (n == null) {
                return null;
            }
            if (n.isObject()) {
                n = n.get(t);
            } else if (n.isArray()) {
                if (!t.matches("0|[1-9][0-9]{0,9}")) {
                    return null;
                }
                long i = Long.parseLong(t);
                n = i < n.size() ? n.get((int) i) : null;
            } else {
                return null;
            }
        }
        return n;
    }

    private static int arrayIndex(String token, String raw, int index) {
        if (!token.matches("0|[1-9][0-9]{0,8}")) {
            throw unprocessable(index, null, "invalid array index " + token + " in " + raw);
        }
        return Integer.parseInt(token);
    }

    private static List<Op> parse(JsonNode ops) {
        if (ops == null || !ops.isArray()) {
            throw ApiException.badRequest("a JSON patch must be an array of operations");
        }
        List<Op> out = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            JsonNode o = ops.get(i);
            if (!o.isObject()) {
                throw malformed(i, "an operation must be an object");
            }
            String op = text(o, "op", i);
            String rawPath = text(o, "path", i);
            List<String> path = pointer(rawPath, i);
            String rawFrom = null;
            List<String> from = null;
            JsonNode value = null;
            switch (op) {
                case "add", "replace", "test" -> {
                    value = o.get("value");
                    if (value == null) {
                        throw malformed(i, "\"" + op + "\" requires a \"value\"");
                    }
                }
                case "move", "copy" -> {
                    rawFrom = text(o, "from", i);
                    from = pointer(rawFrom, i);
                }
                case "remove" -> {
                }
                default -> throw malformed(i, "unknown op \"" + op + "\"");
            }
            out.add(new Op(op, path, rawPath, from, rawFrom, value));
        }
        return out;
    }

    private static String text(JsonNode o, String field, int i) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw malformed(i, "missing or non-string \"" + field + "\"");
        }
        return v.asText();
    }

    /** Splits an RFC 6901 pointer into unescaped tokens. */
    private static List<String> pointer(String raw, int i) {
        List<String> tokens = new ArrayList<>();
        if (raw.isEmpty()) {
            return tokens;
        }
        if (raw.charAt(0) != '/') {
            throw malformed(i, "JSON pointer \"" + raw + "\" must start with /");
        }
        for (String t : raw.substring(1).split("/", -1)) {
            if (t.matches(".*~([^01]|$).*")) {
                throw malformed(i, "JSON pointer \"" + raw + "\" has an invalid ~ escape");
            }
            tokens.add(t.replace("~1", "/").replace("~0", "~"));
        }
        return tokens;
    }

    private static ApiException malformed(int index, String why) {
        return ApiException.badRequest("invalid JSON patch: operation " + index + ": " + why);
    }

    private static ApiException unprocessable(int index, String op, String why) {
        return new ApiException(422, "Invalid", REJECTED + ": operation " + index
                + (op == null ? "" : " (" + op + ")") + ": " + why);
    }
}
