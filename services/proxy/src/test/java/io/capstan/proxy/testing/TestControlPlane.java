package io.capstan.proxy.testing;

import io.capstan.xds.XdsNames;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real java-control-plane (V3DiscoveryServer over a SimpleCache grouped by
 * {@link XdsNames#group}) on a free loopback port, serving hand-built snapshots; it records the
 * NACKs it receives (state of the world and delta) and the delta responses it sends. Can be
 * stopped and started again on the same port.
 */
public final class TestControlPlane implements AutoCloseable {
    private final SimpleCache<String> cache = new SimpleCache<>(XdsNames::group);
    private final V3DiscoveryServer discovery;
    private final List<Nack> nacks = new CopyOnWriteArrayList<>();
    private final List<DeltaPush> deltaPushes = new CopyOnWriteArrayList<>();

    /**
     * A rejected response: {@code versionInfo} is the SotW request's version_info (the last good
     * version), empty for delta, which has none.
     */
    public record Nack(String typeUrl, String versionInfo, String message, boolean delta) {
    }

    /** A delta response as sent: the client's group, its type, the names of the resources it carried and the removed names. */
    public record DeltaPush(String group, String typeUrl, List<String> names, List<String> removed) {
    }
    private final AtomicInteger version = new AtomicInteger();
    private Server server;
    private int port;

    public TestControlPlane() {
        discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                if (request.hasErrorDetail()) {
                    nacks.add(new Nack(request.getTypeUrl(), request.getVersionInfo(), request.getErrorDetail().getMessage(), false));
                }
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
                if (request.hasErrorDetail()) {
                    nacks.add(new Nack(request.getTypeUrl(), "", request.getErrorDetail().getMessage(), true));
                }
            }

            @Override
            public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
                deltaPushes.add(new DeltaPush(XdsNames.group(request.getNode()), response.getTypeUrl(),
                        response.getResourcesList().stream().map(Resource::getName).toList(), response.getRemovedResourcesList()));
            }
        }, cache);
    }

    public TestControlPlane start() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(discovery.getAggregatedDiscoveryServiceImpl()).build().start();
        port = server.getPort();
        return this;
    }

    public void stop() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Replaces a node's config; every type gets a new version (so every type is pushed). */
    public String push(String nodeName, MeshFixture mesh) {
        String v = Integer.toString(version.incrementAndGet());
        Snapshot s = Snapshot.create(mesh.clusters(), v, mesh.endpoints(), v, mesh.listeners(), v, mesh.routes(), v, List.of(), v);
        cache.setSnapshot(XdsNames.GROUP_NODE_PREFIX + nodeName, s);
        return v;
    }

    /** Replaces only the endpoints (CDS, LDS and RDS keep their versions, as the real control plane does). */
    public String pushEndpoints(String nodeName, MeshFixture mesh, String previousVersion) {
        String v = Integer.toString(version.incrementAndGet());
        Snapshot s = Snapshot.create(mesh.clusters(), previousVersion, mesh.endpoints(), v, mesh.listeners(), previousVersion,
                mesh.routes(), previousVersion, List.of(), previousVersion);
        cache.setSnapshot(XdsNames.GROUP_NODE_PREFIX + nodeName, s);
        return v;
    }

    public List<Nack> nacks() {
        return nacks;
    }

    public List<DeltaPush> deltaPushes() {
        return deltaPushes;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
