package io.capstan.mesh.it;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare ADS client built from the Envoy API's gRPC stubs: it sends exactly the requests a test
 * asks for (first requests, ACKs, NACKs), in state-of-the-world or delta form, and queues what
 * the server answers.
 */
final class AdsClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final Node node;
    private final BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final StreamObserver<DiscoveryRequest> sotw;
    private final StreamObserver<DeltaDiscoveryRequest> delta;

    private AdsClient(int port, Node node, boolean deltaMode) {
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        this.node = node;
        var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
        if (deltaMode) {
            delta = stub.deltaAggregatedResources(observer());
            sotw = null;
        } else {
            sotw = stub.streamAggregatedResources(observer());
            delta = null;
        }
    }

    static AdsClient sotw(int port, Node node) {
        return new AdsClient(port, node, false);
    }

    static AdsClient delta(int port, Node node) {
        return new AdsClient(port, node, true);
    }

    private <T> StreamObserver<T> observer() {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
                responses.add(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /** A first request, or an ACK of {@code previous} when it is given. */
    void request(String typeUrl, List<String> names, DiscoveryResponse previous) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).addAllResourceNames(names);
        if (previous != null) {
            b.setVersionInfo(previous.getVersionInfo()).setResponseNonce(previous.getNonce());
        }
        sotw.onNext(b.build());
    }

    /** A NACK of {@code rejected}: version_info stays the last good version. */
    void nack(String typeUrl, List<String> names, String goodVersion, DiscoveryResponse rejected, String reason) {
        sotw.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).addAllResourceNames(names)
                .setVersionInfo(goodVersion).setResponseNonce(rejected.getNonce())
                .setErrorDetail(Status.newBuilder().setCode(3).setMessage(reason)).build());
    }

    void subscribe(String typeUrl, List<String> names) {
        delta.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).addAllResourceNamesSubscribe(names).build());
    }

    void ack(DeltaDiscoveryResponse response) {
        delta.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(response.getTypeUrl())
                .setResponseNonce(response.getNonce()).build());
    }

    /** The next response, or null after {@code timeout}. */
    DiscoveryResponse next(Duration timeout) throws InterruptedException {
        return (DiscoveryResponse) poll(timeout);
    }

    /** The next response of {@code typeUrl}; fails on any other type or after {@code timeout}. */
    DiscoveryResponse next(String typeUrl, Duration timeout) throws InterruptedException {
        DiscoveryResponse r = next(timeout);
        if (r == null) {
            throw new AssertionError("no " + typeUrl + " response in " + timeout);
        }
        if (!r.getTypeUrl().equals(typeUrl)) {
            throw new AssertionError("expected " + typeUrl + " but got " + r.getTypeUrl());
        }
        return r;
    }

    DeltaDiscoveryResponse nextDelta(String typeUrl, Duration timeout) throws InterruptedException {
        DeltaDiscoveryResponse r = (DeltaDiscoveryResponse) poll(timeout);
        if (r == null) {
            throw new AssertionError("no " + typeUrl + " delta response in " + timeout);
        }
        if (!r.getTypeUrl().equals(typeUrl)) {
            throw new AssertionError("expected " + typeUrl + " but got " + r.getTypeUrl());
        }
        return r;
    }

    private Object poll(Duration timeout) throws InterruptedException {
        Object o = responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (o instanceof Throwable t) {
            throw new AssertionError("stream failed", t);
        }
        return o;
    }

    static <T extends Message> List<T> unpack(List<Any> resources, Class<T> type) {
        List<T> result = new ArrayList<>();
        for (Any any : resources) {
            try {
                result.add(any.unpack(type));
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }
        return result;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
