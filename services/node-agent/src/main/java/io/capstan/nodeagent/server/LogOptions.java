package io.capstan.nodeagent.server;

import io.vertx.core.MultiMap;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * The query of {@code /containerLogs} (core/v1 PodLogOptions as the kubelet reads it).
 * {@code since} is absolute: sinceSeconds counts back from the moment the request arrived.
 * {@code tailLines} and {@code limitBytes} are null when not asked for.
 */
record LogOptions(boolean follow, boolean previous, boolean timestamps, Long tailLines, Instant since,
                  Long limitBytes, Stream stream) {

    /** Which of the container's streams to show ({@code stream=}, newer kubectl). */
    enum Stream {
        ALL, STDOUT, STDERR;

        boolean shows(CriLogLine.Source source) {
            return this == ALL || (this == STDOUT) == (source == CriLogLine.Source.STDOUT);
        }
    }

    /** Output of the container from now on, as {@code attach} shows it. */
    static LogOptions attach() {
        return new LogOptions(true, false, false, 0L, null, null, Stream.ALL);
    }

    static LogOptions parse(MultiMap query, Instant now) throws KubeletError {
        Long sinceSeconds = number(query, "sinceSeconds");
        Instant since = null;
        if (sinceSeconds != null) {
            since = now.minusSeconds(sinceSeconds);
        } else if (query.get("sinceTime") != null) {
            try {
                since = OffsetDateTime.parse(query.get("sinceTime")).toInstant();
            } catch (DateTimeParseException e) {
                throw KubeletError.badRequest("sinceTime: cannot parse \"" + query.get("sinceTime") + "\" as RFC 3339");
            }
        }
        Long tail = number(query, "tailLines");
        Long limit = number(query, "limitBytes");
        if (tail != null && tail < 0) {
            throw KubeletError.badRequest("tailLines: must be greater than or equal to 0");
        }
        if (limit != null && limit < 1) {
            throw KubeletError.badRequest("limitBytes: must be greater than 0");
        }
        return new LogOptions(flag(query, "follow"), flag(query, "previous"), flag(query, "timestamps"), tail, since,
                limit, stream(query.get("stream")));
    }

    /** Kubernetes' query booleans: absent, "0" and "false" are false, anything else true. */
    static boolean flag(MultiMap query, String name) {
        String v = query.get(name);
        return v != null && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    private static Long number(MultiMap query, String name) throws KubeletError {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw KubeletError.badRequest(name + ": \"" + v + "\" is not an integer");
        }
    }

    private static Stream stream(String value) throws KubeletError {
        if (value == null || value.isEmpty() || value.equals("All")) {
            return Stream.ALL;
        }
        return switch (value) {
            case "Stdout" -> Stream.STDOUT;
            case "Stderr" -> Stream.STDERR;
            default -> throw KubeletError.badRequest("stream: Unsupported value: \"" + value + "\": supported values: \"All\", \"Stdout\", \"Stderr\"");
        };
    }
}
