package io.capstan.proxy.dataplane;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.ConcurrentHashMap;

/** The per-destination meters, shared by every cluster of one Service host (Istio labels by host). */
public final class ProxyMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, ClusterStats> byDestination = new ConcurrentHashMap<>();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    ClusterStats forDestination(String destinationService) {
        return byDestination.computeIfAbsent(destinationService, d -> new ClusterStats(registry, d));
    }
}
