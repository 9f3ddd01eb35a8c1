package io.capstan.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time and memory of the stack's processes from /proc: utime + stime of
 * {@code /proc/<pid>/stat} (clock ticks, 100 per second on Linux) and VmRSS/VmHWM of
 * {@code /proc/<pid>/status}, for the pids the benches track by role (the testkit's processes tell
 * theirs).
 */
public final class ProcessCpu {
    private static final double TICKS_PER_SECOND = 100.0;
    private final Map<String, Long> pids = new LinkedHashMap<>();

    public ProcessCpu track(String role, long pid) {
        pids.put(role, pid);
        return this;
    }

    /** CPU seconds used so far, by role. */
    public Map<String, Double> cpuSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        pids.forEach((role, pid) -> out.put(role, cpu(pid)));
        out.put("bench", cpu(ProcessHandle.current().pid()));
        return out;
    }

    /** Resident memory in MB, by role (current and peak). */
    public Map<String, long[]> memoryMb() {
        Map<String, long[]> out = new LinkedHashMap<>();
        pids.forEach((role, pid) -> out.put(role, new long[]{statusKb(pid, "VmRSS") / 1024, statusKb(pid, "VmHWM") / 1024}));
        return out;
    }

    private static double cpu(long pid) {
        return Math.max(0, cpuSeconds(pid));
    }

    /** utime + stime of a process (all its threads) in seconds, -1 when unreadable (gone). */
    public static double cpuSeconds(long pid) {
        return cpuSeconds(Path.of("/proc/" + pid + "/stat"));
    }

    /** utime + stime in seconds from a {@code stat} file (a process's, or a thread's under {@code task/}), -1 when unreadable. */
    public static double cpuSeconds(Path statFile) {
        try {
            String stat = Files.readString(statFile);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat are utime and stime; f starts at field 3
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU seconds of a JVM's JIT compiler threads ({@code C1 CompilerThre...}, {@code C2 CompilerThre...})
     * that exist now, 0 when none can be read. Compiler threads the JVM has retired take their time
     * with them, so over an interval this is a lower bound.
     */
    public static double compilerCpuSeconds(long pid) {
        double total = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm"));
                } catch (IOException gone) {
                    continue;
                }
                if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                    total += Math.max(0, cpuSeconds(task.resolve("stat")));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return total;
    }

    /** {@link #compilerCpuSeconds(long)} by role. */
    public Map<String, Double> compilerCpuSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        pids.forEach((role, pid) -> out.put(role, compilerCpuSeconds(pid)));
        return out;
    }

    /**
     * Busy CPU seconds of the whole machine so far (every field of {@code /proc/stat}'s cpu line but
     * idle and iowait): with the roles' own CPU it tells what the rest costs (the containers and
     * their shims, the kernel, anything else running).
     */
    public static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            // cpu user nice system idle iowait irq softirq steal (guest time is already in user)
            for (int i = 1; i <= 8 && i < f.length; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A {@code /proc/<pid>/status} field in kB (VmRSS, VmHWM, or a count such as Threads), -1 when unreadable (gone). */
    public static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
