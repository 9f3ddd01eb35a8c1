package io.capstan.bench.controllers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Readings of a child process from /proc: resident memory and CPU time. */
final class Proc {
    /** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel. */
    private static final double TICK_MS = 10.0;

    private Proc() {
    }

    /** A field of /proc/pid/status in MB (VmRSS, VmHWM, Threads as a plain count), or -1 when unreadable. */
    static double statusMb(long pid, String field) {
        long kb = status(pid, field);
        return kb < 0 ? -1 : kb / 1024.0;
    }

    static long status(long pid, String field) {
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
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_MS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU milliseconds per thread group of a process: thread names (comm) with trailing digits and
     * separators stripped, so each pool ("controller-replicaset", "C2 CompilerThre") sums its threads.
     */
    static Map<String, Double> threadGroupCpuMs(long pid) {
        Map<String, Double> out = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String s = Files.readString(task.resolve("stat"));
                    String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                    String group = comm.replaceAll("[-#_ ]*\\d+$", "").replaceAll("[-#_ ]+$", "");
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    out.merge(group.isEmpty() ? comm : group, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_MS, Double::sum);
                } catch (IOException | RuntimeException threadGone) {
                    // a thread ended between listing and reading
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
