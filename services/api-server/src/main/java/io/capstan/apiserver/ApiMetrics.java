package io.capstan.apiserver;

import io.capstan.api.registry.ResourceType;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The api-server's Prometheus metrics, named as kube-apiserver names them so existing
 * dashboards read them: {@code apiserver_request_total} by verb, group, resource, subresource
 * and code; {@code apiserver_request_duration_seconds} histograms; and
 * {@code apiserver_registered_watchers} per resource.
 */
public final class ApiMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, AtomicInteger> watchers = new ConcurrentHashMap<>();

    public ApiMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void request(String verb, ResourceType type, String subresource, int code, long nanos) {
        String upperVerb = verb.toUpperCase();
        Counter.builder("apiserver_request_total")
                .description("Requests by verb, group, resource, subresource and HTTP code")
                .tag("verb", upperVerb)
                .tag("group", type.group())
                .tag("version", type.version())
                .tag("resource", type.plural())
                .tag("subresource", subresource == null ? "" : subresource)
                .tag("code", String.valueOf(code))
                .register(registry)
                .increment();
        Timer.builder("apiserver_request_duration_seconds")
                .description("Request latency by verb, group and resource")
                .tag("verb", upperVerb)
                .tag("group", type.group())
                .tag("resource", type.plural())
                .tag("subresource", subresource == null ? "" : subresource)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry)
                .record(Duration.ofNanos(nanos));
    }

    void watchStarted(ResourceType type) {
        gauge(type).incrementAndGet();
    }

    void watchEnded(ResourceType type) {
        gauge(type).decrementAndGet();
    }

    private AtomicInteger gauge(ResourceType type) {
        return watchers.computeIfAbsent(type.group() + "/" + type.plural(), k -> {
            AtomicInteger value = new AtomicInteger();
            registry.gauge("apiserver_registered_watchers",
                    io.micrometer.core.instrument.Tags.of("group", type.group(), "resource", type.plural()), value);
            return value;
        });
    }
}
