package io.capstan.scheduler;

import io.capstan.scheduler.queue.SchedulingQueue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * kube-scheduler's metrics under their Prometheus names: {@code scheduler_schedule_attempts_total
 * {result,profile}}, {@code scheduler_scheduling_attempt_duration_seconds{result,profile}},
 * {@code scheduler_e2e_scheduling_duration_seconds{result,profile}} (attempt start to bind),
 * {@code scheduler_pod_scheduling_sli_duration_seconds{attempts}} (first attempt to bound),
 * {@code scheduler_pending_pods{queue}}, {@code scheduler_queue_incoming_pods_total{queue,event}} and
 * {@code scheduler_preemption_attempts_total}.
 * Histogram buckets follow Kubernetes' (exponential from 1 ms). Meters of one leadership term are
 * removed when it ends. Thread-safe.
 */
public final class SchedulerMetrics implements SchedulingQueue.Listener {
    public static final String SCHEDULED = "scheduled";
    public static final String UNSCHEDULABLE = "unschedulable";
    public static final String ERROR = "error";
    private static final Duration[] BUCKETS = buckets();

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<String, Timer> attemptDurations = new ConcurrentHashMap<>();
    private final Map<String, Timer> e2eDurations = new ConcurrentHashMap<>();
    private final Map<String, Timer> sliDurations = new ConcurrentHashMap<>();
    private final Map<String, Counter> incoming = new ConcurrentHashMap<>();
    private final Counter preemptionAttempts;

    public SchedulerMetrics(MeterRegistry registry, Supplier<Map<SchedulingQueue.Where, Integer>> pending) {
        this.registry = registry;
        for (SchedulingQueue.Where w : SchedulingQueue.Where.values()) {
            meters.add(Gauge.builder("scheduler.pending.pods", () -> pending.get().getOrDefault(w, 0))
                    .description("Number of pending pods, by the queue type.")
                    .tag("queue", queueLabel(w)).register(registry));
        }
        preemptionAttempts = track(Counter.builder("scheduler.preemption.attempts")
                .description("Total preemption attempts in the cluster till now").register(registry));
    }

    private static Duration[] buckets() {
        Duration[] b = new Duration[15];
        double s = 0.001;
        for (int i = 0; i < b.length; i++) {
            b[i] = Duration.ofNanos((long) (s * 1e9));
            s *= 2;
        }
        return b;
    }

    private static String queueLabel(SchedulingQueue.Where w) {
        return switch (w) {
            case ACTIVE -> "active";
            case BACKOFF -> "backoff";
            case UNSCHEDULABLE -> "unschedulable";
        };
    }

    private <M extends Meter> M track(M m) {
        synchronized (meters) {
            meters.add(m);
        }
        return m;
    }

    /** One scheduling attempt ended with {@code result}, taking {@code nanos} of the scheduling cycle. */
    public void attempt(String result, String profile, long nanos) {
        attempts.computeIfAbsent(result + "|" + profile, k -> track(Counter.builder("scheduler.schedule.attempts")
                .description("Number of attempts to schedule pods, by the result.")
                .tag("result", result).tag("profile", profile).register(registry))).increment();
        attemptDurations.computeIfAbsent(result + "|" + profile, k -> track(Timer.builder("scheduler.scheduling.attempt.duration")
                .description("Scheduling attempt latency in seconds (scheduling algorithm + binding)")
                .tag("result", result).tag("profile", profile).serviceLevelObjectives(BUCKETS).register(registry)))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A pod was bound: a "scheduled" attempt of {@code attemptNanos} (its last attempt's start to
     * bound), and {@code sliNanos} since its first attempt.
     */
    public void bound(String profile, int attemptsMade, long attemptNanos, long sliNanos) {
        attempt(SCHEDULED, profile, attemptNanos);
        e2eDurations.computeIfAbsent(profile, k -> track(Timer.builder("scheduler.e2e.scheduling.duration")
                .description("E2e scheduling latency in seconds (scheduling algorithm + binding)")
                .tag("result", SCHEDULED).tag("profile", profile).serviceLevelObjectives(BUCKETS).register(registry)))
                .record(attemptNanos, TimeUnit.NANOSECONDS);
        String a = attemptsMade >= 16 ? "16+" : Integer.toString(attemptsMade);
        sliDurations.computeIfAbsent(a, k -> track(Timer.builder("scheduler.pod.scheduling.sli.duration")
                .description("E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue")
                .tag("attempts", a).serviceLevelObjectives(BUCKETS).register(registry)))
                .record(sliNanos, TimeUnit.NANOSECONDS);
    }

    public void preemptionAttempt() {
        preemptionAttempts.increment();
    }

    @Override
    public void incoming(SchedulingQueue.Where where, String event) {
        incoming.computeIfAbsent(where + "|" + event, k -> track(Counter.builder("scheduler.queue.incoming.pods")
                .description("Number of pods added to scheduling queues by event and queue type.")
                .tag("queue", queueLabel(where)).tag("event", event).register(registry))).increment();
    }

    /** Removes this term's meters, so a new term starts from fresh ones. */
    public void close() {
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
