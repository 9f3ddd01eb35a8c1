package io.capstan.bench.xds;

import com.google.protobuf.ByteString;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One proxy's incremental (delta) ADS stream, as Istio's proxies run by default: CDS and LDS
 * wildcards, EDS for every cluster and RDS for every route name, each response ACKed at once;
 * after each EDS ACK the clusters in that response go to {@code onEdsAck}.
 */
final class DeltaBenchClient implements BenchProxy {
    private final ManagedChannel channel;
    private final io.envoyproxy.envoy.config.core.v3.Node node;
    private final StreamObserver<DeltaDiscoveryRequest> requests;
    private final BiConsumer<Map<String, ByteString>, Long> onEdsAck;
    private final Set<String> edsClusters = new HashSet<>();
    private final Map<String, Integer> endpointCounts = new HashMap<>();
    private boolean edsSubscribed;
    private boolean rdsSubscribed;
    private volatile int clusters;
    private volatile int endpoints;
    private volatile boolean counting = true;
    private volatile Throwable failure;

    DeltaBenchClient(int port, int index, BiConsumer<Map<String, ByteString>, Long> onEdsAck) {
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(64 << 20).build();
        this.node = XdsNames.nodeProxy("bench-" + index, "127.0.0.1");
        this.onEdsAck = onEdsAck;
        this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryResponse r) {
                try {
                    handle(r);
                } catch (RuntimeException | IOException e) {
                    failure = e;
                }
            }

            @Override
            public void onError(Throwable t) {
                failure = t;
            }

            @Override
            public void onCompleted() {
            }
        });
        send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(XdsNames.CLUSTER_TYPE).build());
        send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(XdsNames.LISTENER_TYPE).build());
    }

    private void send(DeltaDiscoveryRequest request) {
        synchronized (requests) {
            requests.onNext(request);
        }
    }

    private void ack(DeltaDiscoveryResponse r) {
        send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()).build());
    }

    private void subscribe(String type, List<String> names) {
        send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).addAllResourceNamesSubscribe(names).build());
    }

    private void handle(DeltaDiscoveryResponse r) throws IOException {
        switch (r.getTypeUrl()) {
            case XdsNames.CLUSTER_TYPE -> {
                for (Resource res : r.getResourcesList()) {
                    edsClusters.add(res.getName());
                }
                r.getRemovedResourcesList().forEach(edsClusters::remove);
                clusters = edsClusters.size();
                ack(r);
                if (!edsSubscribed) {
                    edsSubscribed = true;
                    subscribe(XdsNames.ENDPOINT_TYPE, new ArrayList<>(edsClusters));
                }
            }
            case XdsNames.ENDPOINT_TYPE -> {
                Map<String, ByteString> clas = new HashMap<>();
                for (Resource res : r.getResourcesList()) {
                    ByteString bytes = res.getResource().getValue();
                    clas.put(res.getName(), bytes);
                    if (counting) {
                        int n = 0;
                        for (var l : ClusterLoadAssignment.parseFrom(bytes).getEndpointsList()) {
                            n += l.getLbEndpointsCount();
                        }
                        endpointCounts.put(res.getName(), n);
                    }
                }
                if (counting) {
                    endpoints = endpointCounts.values().stream().mapToInt(Integer::intValue).sum();
                }
                ack(r);
                onEdsAck.accept(clas, System.nanoTime());
            }
            case XdsNames.LISTENER_TYPE -> {
                List<String> routes = new ArrayList<>();
                for (Resource res : r.getResourcesList()) {
                    Listener l = res.getResource().unpack(Listener.class);
                    for (var chain : l.getFilterChainsList()) {
                        for (var f : chain.getFiltersList()) {
                            if (f.getTypedConfig().is(HttpConnectionManager.class)) {
                                routes.add(f.getTypedConfig().unpack(HttpConnectionManager.class).getRds().getRouteConfigName());
                            }
                        }
                    }
                }
                ack(r);
                if (!rdsSubscribed) {
                    rdsSubscribed = true;
                    subscribe(XdsNames.ROUTE_TYPE, routes);
                }
            }
            default -> ack(r);
        }
    }

    @Override
    public int clusters() {
        return clusters;
    }

    @Override
    public int endpoints() {
        return endpoints;
    }

    @Override
    public void stopCounting() {
        counting = false;
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        requests.onCompleted();
        channel.shutdownNow();
    }
}
