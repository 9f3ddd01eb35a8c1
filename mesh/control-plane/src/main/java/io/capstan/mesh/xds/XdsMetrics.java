package io.capstan.mesh.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control plane's meters: {@code capstan_mesh_xds_pushes_total{type}},
 * {@code capstan_mesh_xds_rejects_total{type}}, {@code capstan_mesh_xds_connected_proxies},
 * {@code capstan_mesh_xds_inconsistent_snapshots_total} and the
 * {@code capstan_mesh_proxy_convergence_seconds} histogram (Istio's
 * {@code pilot_proxy_convergence_time}, but measured from the informer event to the proxy's ACK).
 */
public final class XdsMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> pushes = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejects = new ConcurrentHashMap<>();
    private final AtomicInteger connected = new AtomicInteger();
    private final Counter inconsistent;
    private final Timer convergence;

    public XdsMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("capstan.mesh.xds.connected.proxies", connected, AtomicInteger::get)
                .description("xDS streams open").register(registry);
        inconsistent = Counter.builder("capstan.mesh.xds.inconsistent.snapshots")
                .description("Group snapshots not set because they failed the consistency check").register(registry);
        convergence = Timer.builder("capstan.mesh.proxy.convergence")
                .description("From an informer event to a proxy ACKing the version that contains it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        // Every type's counters exist from the start at 0, so a rate() or increase() over them is
        // defined before the first push or NACK (the alerts and dashboards read them).
        for (String typeUrl : List.of(Resources.V3.CLUSTER_TYPE_URL, Resources.V3.ENDPOINT_TYPE_URL,
                Resources.V3.LISTENER_TYPE_URL, Resources.V3.ROUTE_TYPE_URL)) {
            pushCounter(typeUrl);
            rejectCounter(typeUrl);
        }
    }

    private Counter pushCounter(String typeUrl) {
        return pushes.computeIfAbsent(XdsTypes.shortName(typeUrl), t -> Counter.builder("capstan.mesh.xds.pushes").tag("type", t)
                .description("xDS responses sent").register(registry));
    }

    private Counter rejectCounter(String typeUrl) {
        return rejects.computeIfAbsent(XdsTypes.shortName(typeUrl), t -> Counter.builder("capstan.mesh.xds.rejects").tag("type", t)
                .description("xDS responses NACKed by a client").register(registry));
    }

    void pushed(String typeUrl) {
        pushCounter(typeUrl).increment();
    }

    void rejected(String typeUrl) {
        rejectCounter(typeUrl).increment();
    }

    void streamOpened() {
        connected.incrementAndGet();
    }

    void streamClosed() {
        connected.decrementAndGet();
    }

    public int connectedProxies() {
        return connected.get();
    }

    void inconsistentSnapshot() {
        inconsistent.increment();
    }

    void converged(long nanos) {
        convergence.record(nanos, TimeUnit.NANOSECONDS);
    }
}
