package io.capstan.mesh.xds;

import io.envoyproxy.controlplane.server.ExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.controlplane.server.serializer.CachedProtoResourcesSerializer;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ADS (state of the world and delta) over plaintext gRPC on its own Netty server: the snapshot
 * cache, the publisher, the callbacks, and the threads. Requests run on a small pool rather than
 * on Netty's event loops; each stream's responses are serialized and sent by one of
 * {@code sendThreads} single-threaded executors (java-control-plane's default sends on whatever
 * thread sets a snapshot), so a stream's responses stay in order.
 */
public final class XdsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(XdsServer.class);

    private final XdsMetrics metrics;
    private final SnapshotPublisher publisher;
    private final ExecutorService requests;
    private final List<ExecutorService> senders = new ArrayList<>();
    private final Server server;

    public XdsServer(String host, int port, int sendThreads, MeterRegistry registry) {
        metrics = new XdsMetrics(registry);
        ConvergenceTracker convergence = new ConvergenceTracker(metrics);
        publisher = new SnapshotPublisher(metrics, convergence);
        XdsCallbacks callbacks = new XdsCallbacks(publisher, metrics, convergence);
        for (int i = 0; i < Math.max(1, sendThreads); i++) {
            senders.add(Executors.newSingleThreadExecutor(daemon("xds-send-" + i + "-")));
        }
        AtomicInteger next = new AtomicInteger();
        ExecutorGroup group = () -> senders.get(Math.floorMod(next.getAndIncrement(), senders.size()));
        V3DiscoveryServer discovery = new V3DiscoveryServer(List.of(callbacks), publisher.cache(), group,
                new CachedProtoResourcesSerializer());
        requests = Executors.newFixedThreadPool(2, daemon("xds-grpc-"));
        server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .executor(requests)
                .permitKeepAliveWithoutCalls(true)
                .permitKeepAliveTime(30, TimeUnit.SECONDS)
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build();
    }

    public XdsServer start() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the xDS server", e);
        }
        LOG.infof("ADS (SotW and delta) listening on %s", server.getListenSockets());
        return this;
    }

    /** The bound port (the configured one, or the one picked for port 0). */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    public SnapshotPublisher publisher() {
        return publisher;
    }

    public XdsMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        requests.shutdownNow();
        senders.forEach(ExecutorService::shutdownNow);
    }

    static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
