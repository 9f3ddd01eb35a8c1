package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The subset of kubectl JSONPath that CRD additionalPrinterColumns use: {@code .field},
 * {@code ['field.with.dots']}, {@code [n]}, {@code [a:b]}, {@code [*]}, {@code .*} and filters
 * {@code [?(@.type=="Ready")]} comparing a relative path with a string, number or boolean literal
 * (or testing that it exists). Recursive descent ({@code ..}) and unions are not supported; a
 * path using them fails to compile.
 */
final class SimpleJsonPath {

    private sealed interface Step permits Field, Index, Slice, Wildcard, Filter {
    }

    private record Field(String name) implements Step {
    }

    private record Index(int index) implements Step {
    }

    private record Slice(Integer start, Integer end) implements Step {
    }

    private record Wildcard() implements Step {
    }

    /** {@code op} is null for an existence test. */
    private record Filter(SimpleJsonPath left, String op, JsonNode literal) implements Step {
    }

    private final List<Step> steps;

    private SimpleJsonPath(List<Step> steps) {
        this.steps = steps;
    }

    /** Parses a path such as {@code .status.conditions[?(@.type=="Ready")].status}, with or without braces. */
    static SimpleJsonPath compile(String path) {
        String p = path.strip();
        if (p.startsWith("{") && p.endsWith("}")) {
            p = p.substring(1, p.length() - 1).strip();
        }
        if (p.startsWith("$")) {
            p = p.substring(1);
        }
        return new SimpleJsonPath(parse(p));
    }

    private static List<Step> parse(String p) {
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '.') {
                if (i + 1 < p.length() && p.charAt(i + 1) == '.') {
                    throw new IllegalArgumentException("recursive descent is not supported: " + p);
                }
                int end = i + 1;
                while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
                    end++;
                }
                String name = p.substring(i + 1, end);
                if (name.equals("*")) {
                    steps.add(new Wildcard());
                } else if (!name.isEmpty()) {
                    steps.add(new Field(name));
                }
                i = end;
            } else if (c == '[') {
                int end = closingBracket(p, i);
                steps.add(bracket(p.substring(i + 1, end).strip()));
                i = end + 1;
            } else {
                int end = i;
                while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
                    end++;
                }
                steps.add(new Field(p.substring(i, end)));
                i = end;
            }
        }
        return steps;
    }

    private static int closingBracket(String p, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < p.length(); i++) {
            char c = p.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed bracket in " + p);
    }

    private static Step bracket(String inner) {
        if (inner.equals("*")) {
            return new Wildcard();
        }
        if (inner.startsWith("?(") && inner.endsWith(")")) {
            return filter(inner.substring(2, inner.length() - 1).strip());
        }
        if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith("\"") && inner.endsWith("\""))) {
            return new Field(inner.substring(1, inner.length() - 1));
        }
        if (inner.contains(",")) {
            throw new IllegalArgumentException("unions are not supported: " + inner);
        }
        if (inner.contains(":")) {
            String[] parts = inner.split(":", -1);
            return new Slice(parts[0].isBlank() ? null : Integer.valueOf(parts[0].strip()),
                    parts[1].isBlank() ? null : Integer.valueOf(parts[1].strip()));
        }
        return new Index(Integer.parseInt(inner));
    }

    private static Step filter(String expr) {
        for (String op : new String[]{"==", "!=", "<=", ">=", "<", ">"}) {
            int at = indexOutsideQuotes(expr, op);
            if (at > 0) {
                return new Filter(relative(expr.substring(0, at)), op, literal(expr.substring(at + op.length()).strip()));
            }
        }
        return new Filter(relative(expr), null, null);
    }

    private static int indexOutsideQuotes(String s, String op) {
        char quote = 0;
        for (int i = 0; i + op.length() <= s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (s.startsWith(op, i)) {
                return i;
            }
        }
        return -1;
    }

    private static SimpleJsonPath relative(String s) {
        String t = s.strip();
        if (!t.startsWith("@")) {
            throw new IllegalArgumentException("filter must start with @: " + s);
        }
        return new SimpleJsonPath(parse(t.substring(1)));
    }

    private static JsonNode literal(String s) {
        if ((s.startsWith("'") && s.endsWith("'")) || (s.startsWith("\"") && s.endsWith("\""))) {
            return io.capstan.api.json.KubeJson.NODES.textNode(s.substring(1, s.length() - 1));
        }
        if (s.equals("true") || s.equals("false")) {
            return io.capstan.api.json.KubeJson.NODES.booleanNode(Boolean.parseBoolean(s));
        }
        return io.capstan.api.json.KubeJson.NODES.numberNode(new BigDecimal(s));
    }

    /** Every value the path selects, in document order; empty when nothing matches. */
    List<JsonNode> find(JsonNode root) {
        List<JsonNode> current = new ArrayList<>();
        current.add(root);
        for (Step step : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : current) {
                apply(step, node, next);
            }
            current = next;
        }
        return current;
    }

    private static void apply(Step step, JsonNode node, List<JsonNode> out) {
        switch (step) {
            case Field f -> {
                JsonNode child = node.isObject() ? node.get(f.name()) : null;
                if (child != null) {
                    out.add(child);
                }
            }
            case Index ix -> {
                if (node.isArray()) {
                    int i = ix.index() < 0 ? node.size() + ix.index() : ix.index();
                    if (i >= 0 && i < node.size()) {
                        out.add(node.get(i));
                    }
                }
            }
            case Slice s -> {
                if (node.isArray()) {
                    int n = node.size();
                    int from = s.start() == null ? 0 : s.start() < 0 ? Math.max(0, n + s.start()) : Math.min(n, s.start());
                    int to = s.end() == null ? n : s.end() < 0 ? Math.max(0, n + s.end()) : Math.min(n, s.end());
                    for (int i = from; i < to; i++) {
                        out.add(node.get(i));
                    }
                }
            }
            case Wildcard w -> node.elements().forEachRemaining(out::add);
            case Filter f -> node.elements().forEachRemaining(element -> {
                if (matches(f, element)) {
                    out.add(element);
                }
            });
        }
    }

    private static boolean matches(Filter f, JsonNode element) {
        List<JsonNode> values = f.left().find(element);
        if (f.op() == null) {
            return !values.isEmpty();
        }
        if (values.isEmpty()) {
            return false;
        }
        JsonNode v = values.get(0);
        JsonNode lit = f.literal();
        int cmp;
        if (v.isNumber() && lit.isNumber()) {
            cmp = v.decimalValue().compareTo(lit.decimalValue());
        } else if (v.isTextual() && lit.isTextual()) {
            cmp = v.asText().compareTo(lit.asText());
        } else if (v.isBoolean() && lit.isBoolean()) {
            cmp = v.asBoolean() == lit.asBoolean() ? 0 : 1;
            if (!f.op().equals("==") && !f.op().equals("!=")) {
                return false;
            }
        } else {
            return f.op().equals("!=");
        }
        return switch (f.op()) {
            case "==" -> cmp == 0;
            case "!=" -> cmp != 0;
            case "<" -> cmp < 0;
            case ">" -> cmp > 0;
            case "<=" -> cmp <= 0;
            default -> cmp >= 0;
        };
    }
}
