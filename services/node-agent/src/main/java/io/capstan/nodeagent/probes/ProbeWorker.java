package io.capstan.nodeagent.probes;

import io.capstan.nodeagent.runtime.ContainerId;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Probes one run of one container every {@code periodSeconds}, as the kubelet's probe worker:
 * nothing happens before {@code initialDelaySeconds} after the container started; liveness and
 * readiness wait until the startup probe (if any) has succeeded, after which the startup probe
 * stops. Each attempt is bounded by {@code timeoutSeconds}. Ticks come from a shared scheduler
 * thread and attempts run on virtual threads, so a slow probe never delays another; a tick that
 * finds the previous attempt still running is skipped.
 *
 * <p>Thread-safety: {@link #result()} and {@link #stop()} may be called from any thread.
 */
public final class ProbeWorker {
    /** Told about every attempt (failures make the Unhealthy event) and every change of the published result. */
    public interface Listener {
        void attempted(ProbeWorker worker, Prober.Outcome outcome);

        void resultChanged(ProbeWorker worker);
    }

    private final ProbeState.Kind kind;
    private final Probe spec;
    private final ContainerId id;
    private final Container container;
    private final String podIp;
    private final Instant containerStartedAt;
    private final Prober prober;
    private final Executor runner;
    private final Listener listener;
    private final BooleanSupplier started;
    private final Clock clock;
    private final ProbeState state;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private volatile ProbeState.Result result = ProbeState.Result.UNKNOWN;
    private volatile boolean stopped;
    private volatile ScheduledFuture<?> ticks;

    /**
     * @param started whether the container has started (its startup probe succeeded, or it has none);
     *                liveness and readiness wait for it
     */
    public ProbeWorker(ProbeState.Kind kind, Probe spec, ContainerId id, Container container, String podIp,
                       Instant containerStartedAt, Prober prober, Executor runner, Listener listener,
                       BooleanSupplier started, Clock clock) {
        this.kind = kind;
        this.spec = spec;
        this.id = id;
        this.container = container;
        this.podIp = podIp;
        this.containerStartedAt = containerStartedAt;
        this.prober = prober;
        this.runner = runner;
        this.listener = listener;
        this.started = started;
        this.clock = clock;
        this.state = new ProbeState(kind, orDefault(spec.getSuccessThreshold(), 1), orDefault(spec.getFailureThreshold(), 3));
    }

    /** Starts ticking: the first tick at once (or when the initial delay ends), then every period. */
    public void start(ScheduledExecutorService timer) {
        long period = Math.max(1, orDefault(spec.getPeriodSeconds(), 10)) * 1000L;
        long sinceStart = containerStartedAt == null ? 0 : Duration.between(containerStartedAt, clock.instant()).toMillis();
        long firstDelay = Math.max(0, orDefault(spec.getInitialDelaySeconds(), 0) * 1000L - sinceStart);
        ticks = timer.scheduleAtFixedRate(this::tick, firstDelay, period, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        stopped = true;
        ScheduledFuture<?> t = ticks;
        if (t != null) {
            t.cancel(false);
        }
    }

    public ProbeState.Kind kind() {
        return kind;
    }

    public ContainerId containerId() {
        return id;
    }

    public ProbeState.Result result() {
        return result;
    }

    /** The probe's own terminationGracePeriodSeconds, for the kill after a liveness or startup failure; null if unset. */
    public Long terminationGracePeriodSeconds() {
        return spec.getTerminationGracePeriodSeconds();
    }

    private void tick() {
        if (stopped || !inFlight.compareAndSet(false, true)) {
            return;
        }
        try {
            runner.execute(() -> {
                try {
                    probeOnce();
                } finally {
                    inFlight.set(false);
                }
            });
        } catch (RuntimeException rejected) {
            inFlight.set(false);
        }
    }

    private void probeOnce() {
        if (stopped || state.onHold()) {
            return;
        }
        if (kind == ProbeState.Kind.STARTUP ? state.succeeded() : !started.getAsBoolean()) {
            return;
        }
        Prober.Outcome outcome = run();
        if (stopped) {
            return;
        }
        listener.attempted(this, outcome);
        if (state.record(outcome.success())) {
            result = state.result();
            listener.resultChanged(this);
        }
    }

    private Prober.Outcome run() {
        Duration timeout = Duration.ofSeconds(Math.max(1, orDefault(spec.getTimeoutSeconds(), 1)));
        if (spec.getHttpGet() != null) {
            return prober.http(spec.getHttpGet(), podIp, container, timeout);
        }
        if (spec.getTcpSocket() != null) {
            return prober.tcp(spec.getTcpSocket().getPort(), spec.getTcpSocket().getHost(), podIp, container, timeout);
        }
        if (spec.getExec() != null && spec.getExec().getCommand() != null) {
            return prober.exec(id, spec.getExec().getCommand(), timeout);
        }
        if (spec.getGrpc() != null) {
            return new Prober.Outcome(false, "gRPC probes are not supported by this node-agent");
        }
        return new Prober.Outcome(false, "probe has no handler");
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
