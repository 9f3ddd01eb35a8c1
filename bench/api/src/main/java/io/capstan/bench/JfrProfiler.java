package io.capstan.bench;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Profiles the api-server with the JDK's own Flight Recorder (no async-profiler): starts a
 * recording with the "profile" settings over jcmd, runs a load, stops it, and summarises the
 * execution samples (self frames, inclusive io.capstan methods, package buckets, threads), the
 * allocation samples and GC pauses. Used only in windows that are not measured.
 */
final class JfrProfiler {
    private JfrProfiler() {
    }

    static ObjectNode profile(long pid, Path dir, String name, ThrowingRunnable load) throws Exception {
        Path file = dir.resolve(name + ".jfr");
        String jcmd = System.getProperty("java.home") + "/bin/jcmd";
        ObjectNode out = KubeJson.object();
        String started = run(jcmd, String.valueOf(pid), "JFR.start", "name=" + name, "settings=profile", "filename=" + file);
        if (!started.contains("Started recording")) {
            out.put("error", "JFR.start failed: " + ApiBench.truncate(started));
            load.run();
            return out;
        }
        try {
            load.run();
        } finally {
            run(jcmd, String.valueOf(pid), "JFR.stop", "name=" + name);
        }
        if (!Files.isRegularFile(file)) {
            out.put("error", "no recording written");
            return out;
        }
        summarise(file, out);
        out.put("recording", file.toString());
        return out;
    }

    private static void summarise(Path file, ObjectNode out) throws IOException {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> capstanInclusive = new HashMap<>();
        Map<String, Long> packages = new HashMap<>();
        Map<String, Long> threads = new HashMap<>();
        Map<String, Long> allocByClass = new HashMap<>();
        Map<String, Long> allocByCapstan = new HashMap<>();
        long samples = 0;
        long allocTotal = 0;
        long gcCount = 0;
        Duration gcPause = Duration.ZERO;
        Duration longest = Duration.ZERO;
        Duration span = null;
        java.time.Instant first = null;
        java.time.Instant last = null;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (first == null || e.getStartTime().isBefore(first)) {
                first = e.getStartTime();
            }
            if (last == null || e.getEndTime().isAfter(last)) {
                last = e.getEndTime();
            }
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    RecordedStackTrace st = e.getStackTrace();
                    if (st == null || st.getFrames().isEmpty()) {
                        continue;
                    }
                    samples++;
                    List<RecordedFrame> frames = st.getFrames();
                    String top = method(frames.get(0));
                    self.merge(top, 1L, Long::sum);
                    packages.merge(bucket(frames.get(0).getMethod().getType().getName()), 1L, Long::sum);
                    RecordedThread t = e.getThread("sampledThread");
                    String tn = t == null || t.getJavaName() == null ? "?" : t.getJavaName().replaceAll("[-#_ ]*\\d+$", "");
                    threads.merge(tn, 1L, Long::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame f : frames) {
                        String m = method(f);
                        if (m.startsWith("io.capstan.") && seen.add(m)) {
                            capstanInclusive.merge(m, 1L, Long::sum);
                        }
                    }
                }
                case "jdk.ObjectAllocationSample" -> {
                    long weight = e.getLong("weight");
                    allocTotal += weight;
                    if (e.getClass("objectClass") != null) {
                        allocByClass.merge(e.getClass("objectClass").getName(), weight, Long::sum);
                    }
                    RecordedStackTrace st = e.getStackTrace();
                    if (st != null) {
                        for (RecordedFrame f : st.getFrames()) {
                            String m = method(f);
                            if (m.startsWith("io.capstan.")) {
                                allocByCapstan.merge(m, weight, Long::sum);
                                break;
                            }
                        }
                    }
                }
                case "jdk.GarbageCollection" -> {
                    gcCount++;
                    Duration d = e.getDuration("sumOfPauses");
                    gcPause = gcPause.plus(d);
                    if (e.getDuration("longestPause").compareTo(longest) > 0) {
                        longest = e.getDuration("longestPause");
                    }
                }
                default -> {
                }
            }
        }
        if (first != null) {
            span = Duration.between(first, last);
        }
        out.put("executionSamples", samples);
        out.set("threads", top(threads, 8, samples));
        out.set("selfFrames", top(self, 20, samples));
        out.set("selfByPackage", top(packages, 12, samples));
        out.set("capstanInclusive", top(capstanInclusive, 25, samples));
        double seconds = span == null ? 0 : span.toMillis() / 1e3;
        out.put("recordingSeconds", ApiBench.round(seconds, 1));
        out.put("allocatedMBPerSecond", seconds == 0 ? 0 : ApiBench.round(allocTotal / 1e6 / seconds, 1));
        ObjectNode ac = out.putObject("allocatedByClassMB");
        topRaw(allocByClass, 10).forEach((k, v) -> ac.put(k, ApiBench.round(v / 1e6, 1)));
        ObjectNode acs = out.putObject("allocatedByInnermostCapstanFrameMB");
        topRaw(allocByCapstan, 12).forEach((k, v) -> acs.put(k, ApiBench.round(v / 1e6, 1)));
        out.put("gcCount", gcCount).put("gcPauseMs", gcPause.toMillis()).put("gcLongestPauseMs", ApiBench.round(longest.toNanos() / 1e6, 1));
    }

    private static String method(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** The package of a class, cut to three segments (io.netty.handler, com.fasterxml.jackson). */
    private static String bucket(String className) {
        String[] p = className.split("\\.");
        int n = Math.min(3, Math.max(1, p.length - 1));
        return String.join(".", java.util.Arrays.copyOf(p, n));
    }

    /** Counts as "count (percent%)" strings, largest first. */
    private static ObjectNode top(Map<String, Long> m, int n, long total) {
        ObjectNode o = KubeJson.object();
        topRaw(m, n).forEach((k, v) -> o.put(k, v + " (" + Report.f(100.0 * v / Math.max(1, total), 1) + "%)"));
        return o;
    }

    private static Map<String, Long> topRaw(Map<String, Long> m, int n) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
