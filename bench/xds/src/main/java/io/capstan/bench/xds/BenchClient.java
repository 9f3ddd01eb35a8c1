package io.capstan.bench.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import com.google.protobuf.InvalidProtocolBufferException;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One proxy's ADS stream, state of the world, as Envoy runs it: CDS and LDS wildcards, EDS for
 * every cluster and RDS for every route the listeners name, each response ACKed at once. It
 * keeps the endpoints it was sent and, right after each EDS ACK, reports every cluster it
 * received to {@code onEdsAck} with the moment of the ACK.
 */
final class BenchClient implements BenchProxy {
    private final ManagedChannel channel;
    private final io.envoyproxy.envoy.config.core.v3.Node node;
    private final StreamObserver<DiscoveryRequest> requests;
    private final BiConsumer<Map<String, ByteString>, Long> onEdsAck;
    private final Map<String, List<String>> names = new HashMap<>();
    private volatile int clusters;
    private volatile int endpoints;
    private volatile Throwable failure;
    private volatile boolean counting = true;

    BenchClient(int port, int index, BiConsumer<Map<String, ByteString>, Long> onEdsAck) {
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(64 << 20).build();
        this.node = XdsNames.nodeProxy("bench-" + index, "127.0.0.1");
        this.onEdsAck = onEdsAck;
        this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse r) {
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
        synchronized (requests) {
            send(XdsNames.CLUSTER_TYPE, List.of(), "", "");
            send(XdsNames.LISTENER_TYPE, List.of(), "", "");
        }
    }

    private void send(String type, List<String> resourceNames, String version, String nonce) {
        // the constructor's first requests and the response thread's ACKs must not interleave
        synchronized (requests) {
            requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).addAllResourceNames(resourceNames)
                    .setVersionInfo(version).setResponseNonce(nonce).build());
        }
    }

    /** Responses of one stream arrive on one thread, in order. */
    private void handle(DiscoveryResponse r) throws IOException {
        String type = r.getTypeUrl();
        switch (type) {
            case XdsNames.CLUSTER_TYPE -> {
                List<String> eds = new ArrayList<>();
                for (Any a : r.getResourcesList()) {
                    Cluster c = a.unpack(Cluster.class);
                    if (c.getType() == Cluster.DiscoveryType.EDS) {
                        eds.add(c.getName());
                    }
                }
                clusters = eds.size();
                ack(r, List.of());
                boolean first = !names.containsKey(XdsNames.ENDPOINT_TYPE);
                names.put(XdsNames.ENDPOINT_TYPE, eds);
                if (first) {
                    send(XdsNames.ENDPOINT_TYPE, eds, "", "");
                }
            }
            case XdsNames.ENDPOINT_TYPE -> {
                // only the cluster name of each CLA is read here (as the bench checks a few clusters per
                // response); the endpoint count is needed only until the initial state arrived
                Map<String, ByteString> clas = new HashMap<>();
                int n = 0;
                for (Any a : r.getResourcesList()) {
                    clas.put(clusterName(a.getValue()), a.getValue());
                    if (counting) {
                        for (var l : ClusterLoadAssignment.parseFrom(a.getValue()).getEndpointsList()) {
                            n += l.getLbEndpointsCount();
                        }
                    }
                }
                if (counting) {
                    endpoints = n;
                }
                ack(r, names.get(type));
                onEdsAck.accept(clas, System.nanoTime());
            }
            case XdsNames.LISTENER_TYPE -> {
                List<String> routes = new ArrayList<>();
                for (Any a : r.getResourcesList()) {
                    Listener l = a.unpack(Listener.class);
                    routes.addAll(rdsNames(l));
                }
                ack(r, List.of());
                boolean first = !names.containsKey(XdsNames.ROUTE_TYPE);
                names.put(XdsNames.ROUTE_TYPE, routes);
                if (first) {
                    send(XdsNames.ROUTE_TYPE, routes, "", "");
                }
            }
            default -> {
                for (Any a : r.getResourcesList()) {
                    a.unpack(RouteConfiguration.class);
                }
                ack(r, names.getOrDefault(type, List.of()));
            }
        }
    }

    private void ack(DiscoveryResponse r, List<String> resourceNames) {
        send(r.getTypeUrl(), resourceNames, r.getVersionInfo(), r.getNonce());
    }

    private static List<String> rdsNames(Listener l) throws InvalidProtocolBufferException {
        List<String> names = new ArrayList<>();
        for (var chain : l.getFilterChainsList()) {
            for (var f : chain.getFiltersList()) {
                if (f.getTypedConfig().is(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class)) {
                    var hcm = f.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
                    if (hcm.hasRds()) {
                        names.add(hcm.getRds().getRouteConfigName());
                    }
                }
            }
        }
        return names;
    }

    /** Stops counting endpoints: from now on only names are read from EDS responses. */
    @Override
    public void stopCounting() {
        counting = false;
    }

    /** Field 1 of a ClusterLoadAssignment, without parsing the rest. */
    static String clusterName(ByteString cla) throws IOException {
        CodedInputStream in = cla.newCodedInput();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == ((ClusterLoadAssignment.CLUSTER_NAME_FIELD_NUMBER << 3) | 2)) {
                return in.readStringRequireUtf8();
            }
            in.skipField(tag);
        }
        return "";
    }

    static boolean contains(ClusterLoadAssignment cla, String ip) {
        for (var l : cla.getEndpointsList()) {
            for (LbEndpoint e : l.getLbEndpointsList()) {
                if (e.getEndpoint().getAddress().getSocketAddress().getAddress().equals(ip)) {
                    return true;
                }
            }
        }
        return false;
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
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        requests.onCompleted();
        channel.shutdownNow();
    }
}
