package io.capstan.bench.proxy;

import java.util.Map;

/** Enough JSON for the results file (maps, strings, numbers). */
final class Json {
    private Json() {
    }

    static String write(Object o) {
        StringBuilder b = new StringBuilder();
        write(o, b, "");
        return b.append('\n').toString();
    }

    private static void write(Object o, StringBuilder b, String indent) {
        if (o instanceof Map<?, ?> m) {
            b.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(indent).append("  \"").append(e.getKey()).append("\": ");
                write(e.getValue(), b, indent + "  ");
                b.append(++i < m.size() ? ",\n" : "\n");
            }
            b.append(indent).append('}');
        } else if (o instanceof Number || o instanceof Boolean) {
            b.append(o);
        } else {
            b.append('"').append(String.valueOf(o).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
    }
}
