package io.capstan.workloads.common;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps as Kubernetes writes them ({@code metav1.Time}: second precision, UTC). */
public final class Times {
    private Times() {
    }

    /** Parses a timestamp; null, empty or malformed text is the zero time (null). */
    public static Instant parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Formats like metav1.Time: truncated to whole seconds. */
    public static String format(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
