package io.capstan.apiserver;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * Times every unary etcd call as {@code etcd_request_duration_seconds{operation,code}} (the
 * name kube-apiserver uses), operation being the etcd RPC (Txn, Range, Compaction, LeaseGrant).
 * Watch streams are long-lived and not timed.
 */
final class EtcdMetricsInterceptor implements ClientInterceptor {
    private final MeterRegistry registry;

    EtcdMetricsInterceptor(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            return next.newCall(method, options);
        }
        String operation = method.getBareMethodName();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            private final long start = System.nanoTime();

            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        Timer.builder("etcd_request_duration_seconds")
                                .description("etcd request latency by operation")
                                .tag("operation", operation == null ? "unknown" : operation)
                                .tag("code", status.getCode().name())
                                .publishPercentileHistogram()
                                .minimumExpectedValue(Duration.ofMillis(1))
                                .maximumExpectedValue(Duration.ofSeconds(30))
                                .register(registry)
                                .record(Duration.ofNanos(System.nanoTime() - start));
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}
