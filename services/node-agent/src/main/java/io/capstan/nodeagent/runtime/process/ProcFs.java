package io.capstan.nodeagent.runtime.process;

import java.io.IOException;
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

    static Optional<Stat> stat(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[19])));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
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
