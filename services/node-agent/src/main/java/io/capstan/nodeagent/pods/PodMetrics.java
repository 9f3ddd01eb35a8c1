package io.capstan.nodeagent.pods;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * The kubelet's metrics that mean something for this agent, under the kubelet's names:
 * {@code kubelet_running_pods}, {@code kubelet_running_containers{container_state}},
 * {@code kubelet_pod_start_duration_seconds} (first seen to running),
 * {@code kubelet_pod_worker_duration_seconds{operation}}, {@code kubelet_started_pods_total},
 * {@code kubelet_started_containers_total{container_type}},
 * {@code kubelet_started_containers_errors_total{code,container_type}},
 * {@code prober_probe_total{probe_type,result}}.
 */
public final class PodMetrics {
    private final MeterRegistry registry;
    private final Timer podStart;
    private final Counter startedPods;

    public PodMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.podStart = Timer.builder("kubelet_pod_start_duration_seconds")
                .description("Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run")
                .publishPercentileHistogram().register(registry);
        this.startedPods = Counter.builder("kubelet_started_pods_total").description("Cumulative number of pods started")
                .register(registry);
    }

    /** Registers the gauges that read the pod manager's counts. */
    public void gauges(PodManager pods) {
        Gauge.builder("kubelet_running_pods", pods::runningPods).description("Number of pods that have a running pod sandbox")
                .register(registry);
        Gauge.builder("kubelet_running_containers", () -> pods.containers("running")).tag("container_state", "running")
                .description("Number of containers currently running").register(registry);
        Gauge.builder("kubelet_running_containers", () -> pods.containers("exited")).tag("container_state", "exited")
                .description("Number of containers currently running").register(registry);
    }

    public void podStarted(Duration sinceFirstSeen) {
        podStart.record(sinceFirstSeen);
        startedPods.increment();
    }

    public void containerStarted(boolean init) {
        Counter.builder("kubelet_started_containers_total").tag("container_type", init ? "init_container" : "container")
                .description("Cumulative number of containers started").register(registry).increment();
    }

    public void containerStartFailed(boolean init, String code) {
        Counter.builder("kubelet_started_containers_errors_total").tag("container_type", init ? "init_container" : "container")
                .tag("code", code).description("Cumulative number of errors when starting containers").register(registry).increment();
    }

    public void probed(String probeType, boolean success) {
        Counter.builder("prober_probe_total").tag("probe_type", probeType).tag("result", success ? "successful" : "failed")
                .description("Cumulative number of a liveness, readiness or startup probe for a container by result.")
                .register(registry).increment();
    }

    public void sync(String operation, Duration took) {
        Timer.builder("kubelet_pod_worker_duration_seconds").tag("operation", operation)
                .description("Duration in seconds to sync a single pod").register(registry).record(took);
    }
}
