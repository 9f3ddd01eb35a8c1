package io.capstan.proxy.dataplane;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Istio's standard metrics for one destination_service. Meters are created on first use (most of
 * 1,000 Services never see traffic through one node, and a histogram costs kilobytes) and then
 * cached: a request costs an array read, a counter increment and a histogram record, with no map
 * lookups and no tag allocation. Racing creators get the same meter back from the registry.
 */
public final class ClusterStats {
    /** Istio's duration buckets (istio_stats), in milliseconds. */
    private static final double[] DURATION_BUCKETS_MS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

    private final MeterRegistry registry;
    private final String destination;
    private volatile AtomicReferenceArray<Counter> requestsByCode;
    private volatile DistributionSummary duration;
    private volatile Tcp tcp;

    /** The TCP meters, created together on the first connection. */
    static final class Tcp {
        final Counter opened;
        final Counter closed;
        final Counter sent;
        final Counter received;

        Tcp(MeterRegistry registry, String destination) {
            opened = Counter.builder("istio.tcp.connections.opened").tag("destination_service", destination).register(registry);
            closed = Counter.builder("istio.tcp.connections.closed").tag("destination_service", destination).register(registry);
            sent = Counter.builder("istio.tcp.sent.bytes").baseUnit("bytes")
                    .description("Bytes sent to the downstream (from the upstream)").tag("destination_service", destination).register(registry);
            received = Counter.builder("istio.tcp.received.bytes").baseUnit("bytes")
                    .description("Bytes received from the downstream (to the upstream)").tag("destination_service", destination).register(registry);
        }
    }

    ClusterStats(MeterRegistry registry, String destination) {
        this.registry = registry;
        this.destination = destination;
    }

    Tcp tcp() {
        Tcp t = tcp;
        if (t == null) {
            t = new Tcp(registry, destination);
            tcp = t;
        }
        return t;
    }

    /** One HTTP request done, with the response code sent downstream. */
    void request(int code, long startNanos) {
        int c = code >= 100 && code < 600 ? code : 0;
        AtomicReferenceArray<Counter> byCode = requestsByCode;
        if (byCode == null) {
            byCode = new AtomicReferenceArray<>(600);
            requestsByCode = byCode;
        }
        Counter counter = byCode.get(c);
        if (counter == null) {
            counter = Counter.builder("istio.requests")
                    .tag("destination_service", destination)
                    .tag("response_code", Integer.toString(c))
                    .register(registry);
            byCode.set(c, counter);
        }
        counter.increment();
        DistributionSummary d = duration;
        if (d == null) {
            d = DistributionSummary.builder("istio.request.duration")
                    .baseUnit("milliseconds")
                    .description("Duration of requests through the node proxy")
                    .tag("destination_service", destination)
                    .serviceLevelObjectives(DURATION_BUCKETS_MS)
                    .register(registry);
            duration = d;
        }
        d.record((System.nanoTime() - startNanos) / 1_000_000.0);
    }
}
