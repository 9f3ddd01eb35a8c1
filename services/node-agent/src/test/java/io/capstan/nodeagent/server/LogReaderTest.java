package io.capstan.nodeagent.server;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading CRI log files as the kubelet does: tail, since, limit, timestamps, partial lines, follow. */
class LogReaderTest {
    private static final String LOG = """
            2024-05-01T10:00:00.000000001Z stdout F one
            2024-05-01T10:00:01.5Z stderr F two
            2024-05-01T10:00:02Z stdout P thr
            2024-05-01T10:00:02.1Z stdout F ee
            2024-05-01T10:00:03Z stdout F four
            """;

    @TempDir
    Path dir;

    private String read(String content, String query) throws Exception {
        Path file = dir.resolve("0.log");
        Files.writeString(file, content);
        return read(file, options(query));
    }

    private static LogOptions options(String query) throws KubeletError {
        MultiMap params = MultiMap.caseInsensitiveMultiMap();
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            String[] kv = pair.split("=", 2);
            params.add(kv[0], kv[1]);
        }
        return LogOptions.parse(params, Instant.parse("2024-05-01T10:00:05Z"));
    }

    private static String read(Path file, LogOptions options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogReader.read(file, options, () -> false, Duration.ofMillis(10), (source, bytes) -> {
            out.writeBytes(bytes);
            return true;
        });
        return out.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "everything              |                               | one\\ntwo\\nthree\\nfour\\n",
            "tail 2                  | tailLines=2                   | ee\\nfour\\n",
            "tail 0                  | tailLines=0                   | ''",
            "tail more than there is | tailLines=99                  | one\\ntwo\\nthree\\nfour\\n",
            "since seconds           | sinceSeconds=4                | two\\nthree\\nfour\\n",
            "since time              | sinceTime=2024-05-01T10:00:02Z | three\\nfour\\n",
            "limit bytes             | limitBytes=6                  | one\\ntw",
            "stdout only             | stream=Stdout                 | one\\nthree\\nfour\\n",
            "stderr only             | stream=Stderr                 | two\\n",
    })
    void readsTheWayTheKubeletDoes(String name, String query, String expected) throws Exception {
        assertThat(read(LOG, query == null ? "" : query)).isEqualTo(expected.replace("\\n", "\n"));
    }

    @Test
    void timestampsPrefixEachOutputLineOnceWithNineDigits() throws Exception {
        assertThat(read(LOG, "timestamps=true")).isEqualTo("""
                2024-05-01T10:00:00.000000001Z one
                2024-05-01T10:00:01.500000000Z two
                2024-05-01T10:00:02.000000000Z three
                2024-05-01T10:00:03.000000000Z four
                """);
    }

    @Test
    void timestampsAndLimitCountTheWholeOutput() throws Exception {
        assertThat(read(LOG, "timestamps=true&limitBytes=34")).isEqualTo("2024-05-01T10:00:00.000000001Z one");
    }

    @Test
    void anUnfinishedLastLineIsShownButNotCountedByTail() throws Exception {
        String content = LOG + "2024-05-01T10:00:04Z stdout F fi";
        assertThat(read(content, "tailLines=1")).isEqualTo("four\nfi");
    }

    @Test
    void linesThatAreNotCriLogLinesAreSkipped() throws Exception {
        assertThat(read("garbage\n2024-05-01T10:00:00Z stdout F ok\nnot-a-time stdout F x\n", "")).isEqualTo("ok\n");
    }

    @Test
    void aMissingFileIsAnEmptyLog() throws Exception {
        assertThat(read(dir.resolve("none.log"), options(""))).isEmpty();
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> options("tailLines=-1")).isInstanceOf(KubeletError.class).hasMessageContaining("tailLines");
        assertThatThrownBy(() -> options("limitBytes=0")).isInstanceOf(KubeletError.class).hasMessageContaining("limitBytes");
        assertThatThrownBy(() -> options("tailLines=x")).isInstanceOf(KubeletError.class).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> options("sinceTime=yesterday")).isInstanceOf(KubeletError.class).hasMessageContaining("RFC 3339");
        assertThatThrownBy(() -> options("stream=Both")).isInstanceOf(KubeletError.class).hasMessageContaining("Unsupported value");
    }

    @Test
    void followWaitsForMoreUntilTheContainerExitsAndReadsWhatItWroteLast() throws Exception {
        Path file = dir.resolve("1.log");
        Files.writeString(file, "2024-05-01T10:00:00Z stdout F first\n");
        AtomicBoolean running = new AtomicBoolean(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                LogReader.read(file, options("follow=true"), running::get, Duration.ofMillis(20), (source, bytes) -> {
                    synchronized (out) {
                        out.writeBytes(bytes);
                    }
                    return true;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        append(file, "2024-05-01T10:00:01Z stdout F sec");
        Thread.sleep(100);
        append(file, "ond\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!text(out).contains("second") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(text(out)).isEqualTo("first\nsecond\n");
        assertThat(reader.isAlive()).isTrue();
        append(file, "2024-05-01T10:00:02Z stderr F last words\n");
        running.set(false);
        reader.join(Duration.ofSeconds(10));
        assertThat(reader.isAlive()).isFalse();
        assertThat(text(out)).isEqualTo("first\nsecond\nlast words\n");
    }

    @Test
    void followStopsWhenTheReaderGoesAway() throws Exception {
        Path file = dir.resolve("2.log");
        Files.writeString(file, "2024-05-01T10:00:00Z stdout F a\n2024-05-01T10:00:00Z stdout F b\n");
        int[] writes = {0};
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                LogReader.read(file, options("follow=true"), () -> true, Duration.ofMillis(20), (source, bytes) -> ++writes[0] < 1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        reader.join(Duration.ofSeconds(10));
        assertThat(reader.isAlive()).isFalse();
        assertThat(writes[0]).isEqualTo(1);
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static void append(Path file, String text) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
