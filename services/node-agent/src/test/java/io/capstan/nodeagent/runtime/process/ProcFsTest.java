package io.capstan.nodeagent.runtime.process;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading {@code /proc/<pid>/stat} without building strings. */
class ProcFsTest {
    private static Optional<ProcFs.Stat> parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.US_ASCII);
        return ProcFs.parseStat(b, b.length);
    }

    @Test
    void theFieldsAfterACommandNameThatHoldsSpacesAndParentheses() {
        String line = "4242 (sh (x) y) S 1 4240 4240 0 -1 4194560 110 0 0 0 0 0 0 0 20 0 1 0 987654321 2539520 "
                + "207 18446744073709551615 1 1 0 0 0 0 0 0 65536 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        assertThat(parse(line)).contains(new ProcFs.Stat('S', 4240, 987654321L));
    }

    @Test
    void aZombieKeepsItsState() {
        assertThat(parse("7 (busybox) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0\n"))
                .contains(new ProcFs.Stat('Z', 7, 55));
    }

    @Test
    void aCutOrMalformedLineIsNoStat() {
        assertThat(parse("")).isEmpty();
        assertThat(parse("12 (cat")).isEmpty();
        assertThat(parse("12 (cat) R 1 12 12 0 -1")).isEmpty();
        assertThat(parse("12 (cat) R 1 x 12 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0\n")).isEmpty();
    }

    @Test
    void agreesWithThisProcessesOwnStatSplitTheSimpleWay() throws Exception {
        long self = ProcessHandle.current().pid();
        String text = Files.readString(Path.of("/proc/" + self + "/stat"));
        String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
        ProcFs.Stat stat = ProcFs.stat(self).orElseThrow();
        assertThat(stat.processGroup()).isEqualTo(Long.parseLong(f[2]));
        assertThat(stat.startTicks()).isEqualTo(Long.parseLong(f[19]));
        assertThat(ProcFs.stat(Integer.MAX_VALUE + 1L)).isEmpty();
    }
}
