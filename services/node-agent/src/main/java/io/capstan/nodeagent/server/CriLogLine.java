package io.capstan.nodeagent.server;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * One line of a container log in the CRI format, {@code <RFC3339Nano> <stdout|stderr> <F|P> <text>},
 * parsed as the kubelet does: the text of a full line ({@code F}) keeps its newline, a partial
 * one ({@code P}) loses it, so writing the texts one after another gives the container's output.
 */
record CriLogLine(Instant timestamp, Source source, boolean partial, byte[] content) {
    /** The kubelet's output format for {@code --timestamps}: nanoseconds always nine digits. */
    private static final DateTimeFormatter OUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnnX")
            .withZone(ZoneOffset.UTC);

    enum Source { STDOUT, STDERR }

    /** Parses one line (with or without its trailing newline); null when it is not a CRI log line. */
    static CriLogLine parse(byte[] line, int length) {
        int ts = indexOf(line, 0, length);
        if (ts < 0) {
            return null;
        }
        int src = indexOf(line, ts + 1, length);
        if (src < 0) {
            return null;
        }
        int tag = indexOf(line, src + 1, length);
        if (tag < 0) {
            return null;
        }
        Instant timestamp;
        try {
            timestamp = OffsetDateTime.parse(new String(line, 0, ts, StandardCharsets.US_ASCII)).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
        String stream = new String(line, ts + 1, src - ts - 1, StandardCharsets.US_ASCII);
        Source source = switch (stream) {
            case "stdout" -> Source.STDOUT;
            case "stderr" -> Source.STDERR;
            default -> null;
        };
        if (source == null) {
            return null;
        }
        String tags = new String(line, src + 1, tag - src - 1, StandardCharsets.US_ASCII);
        boolean partial = tags.split(":")[0].equals("P");
        int end = length;
        if (partial && end > tag + 1 && line[end - 1] == '\n') {
            end--;
        }
        return new CriLogLine(timestamp, source, partial, Arrays.copyOfRange(line, tag + 1, end));
    }

    /** The prefix {@code --timestamps} puts before a line: the timestamp and a space. */
    byte[] timestampPrefix() {
        return (OUT.format(timestamp) + " ").getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether the text ends a line of output (a full line that ended with its newline). */
    boolean endsLine() {
        return content.length > 0 && content[content.length - 1] == '\n';
    }

    private static int indexOf(byte[] line, int from, int length) {
        for (int i = from; i < length; i++) {
            if (line[i] == ' ') {
                return i;
            }
        }
        return -1;
    }
}
