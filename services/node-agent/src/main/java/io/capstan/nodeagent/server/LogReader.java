package io.capstan.nodeagent.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Reads a container's CRI log file the way the kubelet's ReadLogs does: from the start of the
 * last {@code tailLines} complete lines, skipping lines older than {@code since} and streams not
 * asked for, prefixing each output line with its timestamp when asked, cutting the output at
 * {@code limitBytes}. With {@code follow} it waits at the end of the file for more until the
 * container has exited and everything it wrote has been read. Blocking: run it on its own
 * (virtual) thread.
 */
final class LogReader {
    private static final int CHUNK = 64 * 1024;

    /** Where the output goes. */
    interface Sink {
        /** Writes output of one of the container's streams; false once the reader went away. */
        boolean write(CriLogLine.Source source, byte[] bytes);
    }

    private final LogOptions options;
    private final Sink sink;
    private long remaining;
    private boolean lineStart = true;

    private LogReader(LogOptions options, Sink sink) {
        this.options = options;
        this.sink = sink;
        this.remaining = options.limitBytes() == null ? Long.MAX_VALUE : options.limitBytes();
    }

    /**
     * Streams {@code file} to {@code sink}. {@code running} says whether the container still
     * writes to it (asked only when following, at the end of the file); {@code poll} is how long
     * to wait before looking for more.
     */
    static void read(Path file, LogOptions options, BooleanSupplier running, Duration poll, Sink sink)
            throws IOException, InterruptedException {
        new LogReader(options, sink).read(file, running, poll);
    }

    private void read(Path file, BooleanSupplier running, Duration poll) throws IOException, InterruptedException {
        while (!Files.exists(file)) {
            if (!options.follow() || !running.getAsBoolean()) {
                return;
            }
            Thread.sleep(poll.toMillis());
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long position = options.tailLines() == null ? 0 : tailStart(channel, options.tailLines());
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
            ByteArrayOutputStream partial = new ByteArrayOutputStream();
            boolean exited = false;
            while (true) {
                chunk.clear();
                int n = channel.read(chunk, position);
                if (n > 0) {
                    position += n;
                    if (!lines(chunk.array(), n, partial)) {
                        return;
                    }
                    continue;
                }
                if (!options.follow() || exited) {
                    break;
                }
                // Whatever the container wrote before it exited is in the file now: one more pass.
                exited = !running.getAsBoolean();
                if (!exited) {
                    Thread.sleep(poll.toMillis());
                }
            }
            if (partial.size() > 0) {
                line(partial.toByteArray(), partial.size());
            }
        } catch (NoSuchFileException gone) {
            // the sandbox was removed while reading: the log ends here
        }
    }

    /** Emits each complete line of the chunk; keeps an unfinished one in {@code partial}. */
    private boolean lines(byte[] data, int length, ByteArrayOutputStream partial) {
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (data[i] != '\n') {
                continue;
            }
            boolean more;
            if (partial.size() > 0) {
                partial.write(data, start, i + 1 - start);
                more = line(partial.toByteArray(), partial.size());
                partial.reset();
            } else {
                byte[] line = new byte[i + 1 - start];
                System.arraycopy(data, start, line, 0, line.length);
                more = line(line, line.length);
            }
            if (!more) {
                return false;
            }
            start = i + 1;
        }
        partial.write(data, start, length - start);
        return true;
    }

    /** Writes one log line; false when the output is complete (limit reached or reader gone). */
    private boolean line(byte[] raw, int length) {
        CriLogLine line = CriLogLine.parse(raw, length);
        if (line == null) {
            return true;
        }
        boolean startsLine = lineStart;
        lineStart = line.content().length == 0 || line.endsLine();
        if (options.since() != null && line.timestamp().isBefore(options.since())) {
            return true;
        }
        if (!options.stream().shows(line.source())) {
            return true;
        }
        byte[] out = line.content();
        if (options.timestamps() && startsLine) {
            byte[] prefix = line.timestampPrefix();
            byte[] joined = new byte[prefix.length + out.length];
            System.arraycopy(prefix, 0, joined, 0, prefix.length);
            System.arraycopy(out, 0, joined, prefix.length, out.length);
            out = joined;
        }
        if (out.length > remaining) {
            byte[] cut = new byte[(int) remaining];
            System.arraycopy(out, 0, cut, 0, cut.length);
            out = cut;
        }
        if (out.length > 0 && !sink.write(line.source(), out)) {
            return false;
        }
        remaining -= out.length;
        return remaining > 0;
    }

    /**
     * Where the last {@code lines} complete lines start, as the kubelet's FindTailLineStartIndex:
     * an unfinished last line does not count as a line (it is still shown, after them).
     */
    static long tailStart(FileChannel channel, long lines) throws IOException {
        long size = channel.size();
        long newlines = 0;
        long end = size;
        ByteBuffer block = ByteBuffer.allocate(4096);
        while (end > 0) {
            long begin = Math.max(0, end - block.capacity());
            block.clear().limit((int) (end - begin));
            channel.read(block, begin);
            for (int i = (int) (end - begin) - 1; i >= 0; i--) {
                if (block.get(i) == '\n' && ++newlines == lines + 1) {
                    return begin + i + 1;
                }
            }
            end = begin;
        }
        return 0;
    }
}
