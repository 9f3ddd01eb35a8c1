package io.capstan.bench;

import io.capstan.testkit.ProcessCpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Readings from /proc by thread (testkit's {@link ProcessCpu} reads a process's CPU time and memory). */
final class ProcStats {
    private ProcStats() {
    }

    /** utime + stime of a process (all threads) in milliseconds, or -1. */
    static double cpuMs(long pid) {
        return cpuMs(Path.of("/proc/" + pid + "/stat"));
    }

    private static double cpuMs(Path stat) {
        double seconds = ProcessCpu.cpuSeconds(stat);
        return seconds < 0 ? -1 : seconds * 1000;
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
