package io.capstan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Readings from /proc: resident memory and CPU time of a process and of its threads. */
final class ProcStats {
    /** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel. */
    static final double TICK_MS = 10.0;

    private ProcStats() {
    }

    /** A field of /proc/pid/status in kB (VmRSS, VmHWM), or -1 when unreadable. */
    static long statusKb(long pid, String field) {
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

    /** utime + stime of a process (all threads) in milliseconds, or -1. */
    static double cpuMs(long pid) {
        return cpuMs(Path.of("/proc/" + pid + "/stat"));
    }

    private static double cpuMs(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after the comm field: state is index 0, utime is field 14 (index 11), stime 15 (index 12)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_MS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU milliseconds per thread group of a process: thread names (comm, at most 15 characters)
     * with trailing digits and separators stripped, so "vert.x-eventloo" and "grpc-default-ex"
     * each sum their pool.
     */
    static Map<String, Double> threadCpuMs(long pid) {
        return threads(pid, true);
    }

    /** CPU milliseconds of each thread, keyed "comm[tid]". */
    static Map<String, Double> perThreadCpuMs(long pid) {
        return threads(pid, false);
    }

    private static Map<String, Double> threads(long pid, boolean grouped) {
        Map<String, Double> out = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String s = Files.readString(task.resolve("stat"));
                    String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                    String group = comm.replaceAll("[-#_ ]*\\d+$", "").replaceAll("[-#_ ]+$", "");
                    double ms = cpuMs(task.resolve("stat"));
                    if (ms >= 0) {
                        String key = grouped ? (group.isEmpty() ? comm : group) : comm + "[" + task.getFileName() + "]";
                        out.merge(key, ms, Double::sum);
                    }
                } catch (IOException | RuntimeException threadGone) {
                    // a thread ended between listing and reading
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The difference of two thread-group readings, largest first, groups under 1% dropped. */
    static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        double total = 0;
        Map<String, Double> d = new HashMap<>();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            double v = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
            if (v > 0) {
                d.put(e.getKey(), v);
                total += v;
            }
        }
        double cutoff = total * 0.01;
        Map<String, Double> sorted = new LinkedHashMap<>();
        d.entrySet().stream()
                .filter(e -> e.getValue() >= cutoff)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Child process id whose command line contains the given word, or -1. */
    static long childPid(String word) {
        List<ProcessHandle> children = ProcessHandle.current().children().toList();
        for (ProcessHandle p : children) {
            String cmd = p.info().command().orElse("");
            if (cmd.endsWith("/" + word) || cmd.equals(word)) {
                return p.pid();
            }
        }
        return -1;
    }
}
