package io.capstan.nodeagent.runtime.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Processes seen through {@code /proc}. A pid alone is not an identity (pids are reused, and after
 * a reboot start again from 1), so a process is named by pid, start time (clock ticks since boot)
 * and boot id, as the shim records them.
 */
final class ProcFs {
    private static final Path PROC = Path.of("/proc");
    /** {@code /proc/<pid>/stat} is one line of at most 52 numbers and a 16-byte name: well under this. */
    private static final int STAT_BUFFER = 1024;

    private ProcFs() {
    }

    static String bootId() {
        try {
            return Files.readString(PROC.resolve("sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** True when this very process (same start time, same boot) still runs and is not a zombie. */
    static boolean alive(long pid, long startTicks, String boot, String currentBoot) {
        if (pid <= 0 || !boot.equals(currentBoot)) {
            return false;
        }
        return stat(pid).filter(s -> s.startTicks() == startTicks && s.state() != 'Z' && s.state() != 'X').isPresent();
    }

    /** The fields of {@code /proc/<pid>/stat} the runtime uses. */
    record Stat(char state, long processGroup, long startTicks) {
    }

    /**
     * Reads {@code /proc/<pid>/stat} into a small buffer and picks its fields without building
     * strings: the runtime relist asks this of every container's process and shim every second,
     * and {@code Files.readString} and {@code split} cost about 11 KB of garbage per look (45% of an
     * idle agent's allocation with 50 pods).
     */
    static Optional<Stat> stat(long pid) {
        byte[] buf = new byte[STAT_BUFFER];
        int n;
        try (InputStream in = Files.newInputStream(PROC.resolve(pid + "/stat"))) {
            n = in.readNBytes(buf, 0, buf.length);
        } catch (IOException gone) {
            return Optional.empty();
        }
        return parseStat(buf, n);
    }

    /**
     * The fields after the command name, which sits in parentheses and may itself hold spaces and
     * parentheses (so the last ')' ends it): state (field 3 of proc(5)), process group (5) and
     * start time (22).
     */
    static Optional<Stat> parseStat(byte[] b, int n) {
        int close = n - 1;
        while (close >= 0 && b[close] != ')') {
            close--;
        }
        int i = close + 2;
        if (close < 0 || i >= n) {
            return Optional.empty();
        }
        char state = (char) b[i];
        long group = -1;
        for (int field = 0; i < n && field <= 19; field++) {
            int end = i;
            while (end < n && b[end] != ' ' && b[end] != '\n') {
                end++;
            }
            if (field == 2) {
                group = digits(b, i, end);
            } else if (field == 19) {
                long start = digits(b, i, end);
                return group < 0 || start < 0 ? Optional.empty() : Optional.of(new Stat(state, group, start));
            }
            i = end + 1;
        }
        return Optional.empty();
    }

    /** The non-negative decimal in {@code b[from, to)}, -1 if it is not one. */
    private static long digits(byte[] b, int from, int to) {
        if (from >= to || to - from > 18) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return -1;
            }
            value = value * 10 + (b[i] - '0');
        }
        return value;
    }

    /** Every process whose process group is {@code pgid}. */
    static List<Long> processGroup(long pgid) {
        List<Long> members = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path dir : dirs) {
                long pid = Long.parseLong(dir.getFileName().toString());
                stat(pid).filter(s -> s.processGroup() == pgid).ifPresent(s -> members.add(pid));
            }
        } catch (IOException ignored) {
            // /proc unreadable: nothing to add beyond what the cgroup lists
        }
        return members;
    }

    /** Pids listed in cgroup.procs files. */
    static List<Long> cgroupMembers(List<Path> procsFiles) {
        List<Long> pids = new ArrayList<>();
        for (Path file : procsFiles) {
            try {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        pids.add(Long.parseLong(line.trim()));
                    }
                }
            } catch (IOException | NumberFormatException gone) {
                // a removed cgroup has no members
            }
        }
        return pids;
    }

    /** SIGTERM (forcibly: SIGKILL) to one process; false when there is no such process. */
    static boolean signal(long pid, boolean kill) {
        return ProcessHandle.of(pid).map(h -> kill ? h.destroyForcibly() : h.destroy()).orElse(false);
    }
}
