package io.capstan.bench.controllers;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/** CPU time of the processes under test (and of the bench itself) over a measured window. */
final class Cpu {
    private final Map<String, Long> pids = new LinkedHashMap<>();
    private long threadsOf = -1;

    /** Adds a process to account for; a pid of -1 (not found) is skipped. */
    Cpu track(String name, long pid) {
        if (pid > 0) {
            pids.put(name, pid);
        }
        return this;
    }

    /** Also breaks the CPU of {@code pid} down by thread pool in each window. */
    Cpu threadsOf(long pid) {
        threadsOf = pid;
        return this;
    }

    Window start() {
        Map<String, Double> before = new LinkedHashMap<>();
        pids.forEach((name, pid) -> before.put(name, Proc.cpuMs(pid)));
        return new Window(before, threadsOf > 0 ? Proc.threadGroupCpuMs(threadsOf) : Map.of(), System.nanoTime());
    }

    final class Window {
        private final Map<String, Double> before;
        private final Map<String, Double> threadsBefore;
        private final long startNanos;

        private Window(Map<String, Double> before, Map<String, Double> threadsBefore, long startNanos) {
            this.before = before;
            this.threadsBefore = threadsBefore;
            this.startNanos = startNanos;
        }

        /** Per process: CPU ms, cores (CPU time / wall time) and, when {@code ops > 0}, CPU ms per operation. */
        ObjectNode stop(long ops) {
            double wallMs = (System.nanoTime() - startNanos) / 1e6;
            ObjectNode out = KubeJson.object();
            out.put("wallSeconds", ControllerBench.round(wallMs / 1000, 2));
            pids.forEach((name, pid) -> {
                double ms = Proc.cpuMs(pid) - before.get(name);
                ObjectNode p = out.putObject(name);
                p.put("cpuMs", ControllerBench.round(ms, 0));
                p.put("cores", ControllerBench.round(ms / wallMs, 2));
                if (ops > 0) {
                    p.put("cpuMsPerOp", ControllerBench.round(ms / ops, 3));
                }
            });
            if (threadsOf > 0) {
                ObjectNode pools = out.putObject("threadPoolsCpuMs");
                Map<String, Double> after = Proc.threadGroupCpuMs(threadsOf);
                after.entrySet().stream()
                        .map(e -> Map.entry(e.getKey(), e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0.0)))
                        .filter(e -> e.getValue() >= 100)
                        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                        .forEach(e -> pools.put(e.getKey(), ControllerBench.round(e.getValue(), 0)));
            }
            return out;
        }
    }
}
