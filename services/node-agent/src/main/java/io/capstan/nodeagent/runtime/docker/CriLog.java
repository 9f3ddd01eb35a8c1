package io.capstan.nodeagent.runtime.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One container attempt's log in the CRI format kubelet reads, written from Docker's log stream:
 * every Docker log entry ({@code <RFC 3339 nano timestamp> <text>}) becomes the line
 * {@code <timestamp> <stdout|stderr> <F|P> <text>}. Docker splits lines longer than 16 KiB into
 * entries of exactly 16 KiB without a newline; those are P (partial) parts. An entry without a
 * newline that is shorter is the output's last, unterminated line, written F as the process
 * runtime does.
 *
 * <p>The log is continued across passes over Docker's stream (a new runtime, a broken
 * connection). Docker stamps stdout and stderr entries in two copiers, so its log is ordered by
 * arrival, not by timestamp: an entry can carry a slightly earlier timestamp than the one before
 * it. A pass therefore starts {@link #OVERLAP} before the last timestamp written ({@link #since()})
 * and skips the lines of that window the file already holds, line for line; a line comes into the
 * file exactly once as long as Docker's disorder stays within the overlap. Not thread-safe: one
 * follower writes a log at a time.
 */
final class CriLog implements AutoCloseable {
    /** Docker's partial-message size: entries this long without a newline continue in the next. */
    static final int DOCKER_PARTIAL_SIZE = 16 * 1024;
    /** How far before the last timestamp written a pass starts again. */
    static final Duration OVERLAP = Duration.ofSeconds(2);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** At most this much of the file's end is read back to know which lines a pass must skip. */
    private static final int MAX_WINDOW_BYTES = 8 << 20;

    private final Path file;
    private OutputStream out;
    private Instant windowStart;
    private final Map<String, Integer> written = new HashMap<>();

    CriLog(Path file) {
        this.file = file;
    }

    /**
     * Starts a pass: reads the end of the file back (the lines from {@link #OVERLAP} before its
     * latest timestamp on), which the pass's entries of that window are matched against.
     */
    void rewind() throws IOException {
        flush();
        written.clear();
        windowStart = null;
        Instant last = null;
        List<String> tail = tail(file);
        for (String line : tail) {
            Instant at = timestamp(line);
            if (at != null && (last == null || at.isAfter(last))) {
                last = at;
            }
        }
        if (last == null) {
            return;
        }
        windowStart = last.minus(OVERLAP);
        for (String line : tail) {
            Instant at = timestamp(line);
            if (at != null && !at.isBefore(windowStart)) {
                written.merge(line, 1, Integer::sum);
            }
        }
    }

    /** Docker's {@code since} for the pass: seconds.nanoseconds since the epoch, or null for everything. */
    String since() {
        return windowStart == null ? null
                : windowStart.getEpochSecond() + "." + String.format("%09d", windowStart.getNano());
    }

    /**
     * Appends one Docker log entry ({@code <timestamp> <text>}, the text ending in a newline unless
     * it is a part or the last line). {@code framed} says the entry came whole in its own frame
     * (not a tty), so a missing newline is meaningful. An entry of the pass's window that the file
     * holds already is skipped. Returns whether the entry was written.
     */
    boolean append(String stream, byte[] entry, int length, boolean framed) throws IOException {
        int space = indexOf(entry, 0, length, (byte) ' ');
        Instant at = space < 0 ? null : parse(new String(entry, 0, space, StandardCharsets.US_ASCII));
        int textStart = at == null ? 0 : space + 1;
        if (at == null) {
            at = Instant.now();
        }
        if (windowStart != null && at.isBefore(windowStart)) {
            return false;
        }
        int textEnd = length;
        boolean complete = textEnd > textStart && entry[textEnd - 1] == '\n';
        if (complete) {
            textEnd--;
        }
        boolean partial = !complete && framed && textEnd - textStart >= DOCKER_PARTIAL_SIZE;
        ByteArrayOutputStream line = new ByteArrayOutputStream(textEnd - textStart + 48);
        line.writeBytes(format(at).getBytes(StandardCharsets.US_ASCII));
        line.writeBytes((" " + stream + (partial ? " P " : " F ")).getBytes(StandardCharsets.US_ASCII));
        line.write(entry, textStart, textEnd - textStart);
        if (!written.isEmpty()) {
            String key = line.toString(StandardCharsets.ISO_8859_1);
            Integer seen = written.get(key);
            if (seen != null) {
                if (seen == 1) {
                    written.remove(key);
                } else {
                    written.put(key, seen - 1);
                }
                return false;
            }
        }
        line.write('\n');
        if (out == null) {
            Files.createDirectories(file.getParent());
            out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        line.writeTo(out);
        return true;
    }

    void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    static String format(Instant at) {
        return TIMESTAMP.format(at);
    }

    /** The timestamp a CRI line starts with, or null. */
    private static Instant timestamp(String line) {
        int space = line.indexOf(' ');
        return space <= 0 ? null : parse(line.substring(0, space));
    }

    private static Instant parse(String stamp) {
        try {
            return Instant.parse(stamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The complete lines at the end of a file (without their newlines, bytes kept as ISO-8859-1
     * characters), enough of them to cover {@link #OVERLAP} before the last timestamp, at most
     * {@link #MAX_WINDOW_BYTES}.
     */
    private static List<String> tail(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            int chunk = 64 * 1024;
            while (true) {
                int n = (int) Math.min(size, chunk);
                byte[] bytes = new byte[n];
                raf.seek(size - n);
                raf.readFully(bytes);
                boolean whole = n == size;
                List<String> lines = lines(bytes, whole);
                if (whole || chunk >= MAX_WINDOW_BYTES || covers(lines)) {
                    return lines;
                }
                chunk *= 4;
            }
        }
    }

    private static boolean covers(List<String> lines) {
        if (lines.size() < 2) {
            return false;
        }
        Instant first = timestamp(lines.getFirst());
        Instant last = timestamp(lines.getLast());
        return first != null && last != null && first.isBefore(last.minus(OVERLAP));
    }

    /** Complete lines of a file's tail; the first line of a tail that starts inside the file may be cut and is left out. */
    private static List<String> lines(byte[] bytes, boolean whole) {
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        int start = 0;
        if (!whole) {
            start = indexOf(bytes, 0, end, (byte) '\n') + 1;
        }
        List<String> lines = new ArrayList<>();
        int lineStart = start;
        for (int i = start; i < end; i++) {
            if (bytes[i] == '\n') {
                lines.add(new String(bytes, lineStart, i - lineStart, StandardCharsets.ISO_8859_1));
                lineStart = i + 1;
            }
        }
        return lines;
    }

    private static int indexOf(byte[] bytes, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
