package io.capstan.proxy.testing;

import io.capstan.xds.XdsNames;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
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
 * NACKs it receives. Can be stopped and started again on the same port.
 */
public final class TestControlPlane implements AutoCloseable {
    private final SimpleCache<String> cache = new SimpleCache<>(XdsNames::group);
    private final V3DiscoveryServer discovery;
    private final List<DiscoveryRequest> nacks = new CopyOnWriteArrayList<>();
    private final AtomicInteger version = new AtomicInteger();
    private Server server;
    private int port;

    public TestControlPlane() {
        discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                if (request.hasErrorDetail()) {
                    nacks.add(request);
                }
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
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

    public List<DiscoveryRequest> nacks() {
        return nacks;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
