package io.capstan.nodeagent.runtime.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CriLogTest {
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.000000001Z");

    @TempDir
    Path dir;

    @Test
    void eachDockerEntryBecomesACriLineWithItsStreamAndTimestamp() throws IOException {
        Path file = dir.resolve("logs/main/0.log");
        try (CriLog log = new CriLog(file)) {
            log.rewind();
            append(log, "stdout", T0, "out\n");
            append(log, "stderr", T0.plusNanos(5), "err\n");
            append(log, "stdout", T0.plusNanos(9), "  spaced  \n");
            append(log, "stdout", T0.plusMillis(1), "no newline");
        }
        assertThat(Files.readAllLines(file)).containsExactly(
                "2026-01-02T03:04:05.000000001Z stdout F out",
                "2026-01-02T03:04:05.000000006Z stderr F err",
                "2026-01-02T03:04:05.000000010Z stdout F   spaced  ",
                "2026-01-02T03:04:05.001000001Z stdout F no newline");
    }

    @Test
    void dockersSixteenKibibytePartsArePartialLinesAndTheirLastPartIsFull() throws IOException {
        Path file = dir.resolve("0.log");
        String part = "x".repeat(CriLog.DOCKER_PARTIAL_SIZE);
        try (CriLog log = new CriLog(file)) {
            log.rewind();
            append(log, "stdout", T0, part);
            append(log, "stdout", T0.plusNanos(1), "end\n");
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines.get(0)).startsWith("2026-01-02T03:04:05.000000001Z stdout P xxx").hasSize(31 + 9 + part.length());
        assertThat(lines.get(1)).isEqualTo("2026-01-02T03:04:05.000000002Z stdout F end");
    }

    @Test
    void aNewPassStartsBeforeTheLastTimestampAndWritesNothingTwiceEvenOutOfOrder() throws IOException {
        Path file = dir.resolve("0.log");
        try (CriLog log = new CriLog(file)) {
            log.rewind();
            assertThat(log.since()).isNull();
            append(log, "stdout", T0, "tick 1\n");
            append(log, "stdout", T0.plusMillis(10), "tick 2\n");
            // Docker's stderr copier stamped this one before the stdout entry it logged first
            append(log, "stderr", T0.plusMillis(9), "tock 1\n");
        }
        try (CriLog log = new CriLog(file)) {
            log.rewind();
            assertThat(log.since()).isEqualTo(T0.plusMillis(10).minus(CriLog.OVERLAP).getEpochSecond() + ".010000001");
            // Docker sends everything since then again, in its own order, and what came meanwhile
            assertThat(append(log, "stdout", T0, "tick 1\n")).isFalse();
            assertThat(append(log, "stdout", T0.plusMillis(10), "tick 2\n")).isFalse();
            assertThat(append(log, "stdout", T0.plusMillis(12), "tick 3\n")).isTrue();
            assertThat(append(log, "stderr", T0.plusMillis(9), "tock 1\n")).isFalse();
            assertThat(append(log, "stderr", T0.plusMillis(11), "tock 2\n")).isTrue();
        }
        assertThat(Files.readAllLines(file)).extracting(l -> l.substring(31)).containsExactly(
                "stdout F tick 1", "stdout F tick 2", "stderr F tock 1", "stdout F tick 3", "stderr F tock 2");
    }

    @Test
    void identicalLinesAreCountedNotMerged() throws IOException {
        Path file = dir.resolve("0.log");
        try (CriLog log = new CriLog(file)) {
            log.rewind();
            append(log, "stdout", T0, "same\n");
            append(log, "stdout", T0, "same\n");
        }
        try (CriLog log = new CriLog(file)) {
            log.rewind();
            assertThat(append(log, "stdout", T0, "same\n")).isFalse();
            assertThat(append(log, "stdout", T0, "same\n")).isFalse();
            assertThat(append(log, "stdout", T0, "same\n")).isTrue();
        }
        assertThat(Files.readAllLines(file)).hasSize(3);
    }

    @Test
    void entriesOlderThanThePassesWindowAreLeftOut() throws IOException {
        Path file = dir.resolve("0.log");
        Files.writeString(file, CriLog.format(T0.plusSeconds(10)) + " stdout F late\n");
        try (CriLog log = new CriLog(file)) {
            log.rewind();
            assertThat(append(log, "stdout", T0, "long before\n")).isFalse();
        }
    }

    private static boolean append(CriLog log, String stream, Instant at, String text) throws IOException {
        byte[] entry = (CriLog.format(at) + " " + text).getBytes(StandardCharsets.UTF_8);
        return log.append(stream, entry, entry.length, true);
    }
}
