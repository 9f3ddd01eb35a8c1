package io.capstan.testkit;

import java.util.ArrayList;
import java.util.List;

/** The JVM flags the testkit starts a role with: its defaults, then a benchmark's extra flags (a later flag wins). */
final class JvmFlags {
    private JvmFlags() {
    }

    /** {@code defaults}, then the whitespace-separated flags of system property {@code property}, else of environment variable {@code env}. */
    static List<String> withExtra(List<String> defaults, String property, String env) {
        String extra = System.getProperty(property, System.getenv(env));
        if (extra == null || extra.isBlank()) {
            return defaults;
        }
        List<String> flags = new ArrayList<>(defaults);
        flags.addAll(List.of(extra.trim().split("\\s+")));
        return flags;
    }
}
