package io.capstan.proxy.xds;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.capstan.proxy.config.InvalidConfigException;
import io.capstan.proxy.config.XdsTranslator;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A state-of-the-world ADS client, as Envoy's: CDS and LDS wildcard, EDS for the clusters' EDS
 * names, RDS for the route names the listeners use. Each response is applied whole and ACKed, or
 * NACKed with the reason (the last good version in version_info, as the protocol says), so the
 * last good config stays. When the stream breaks, the client reconnects with jittered exponential
 * backoff and resubscribes with the versions it has, while the data plane keeps serving.
 *
 * <p>Everything, the gRPC callbacks included, runs on one thread of its own, so the state below
 * needs no locks.
 */
public final class AdsClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AdsClient.class);
    /** CDS before EDS and LDS before RDS: the order Envoy subscribes in. */
    private static final String[] TYPES = {XdsTranslator.CLUSTER_TYPE, XdsTranslator.ENDPOINT_TYPE,
            XdsTranslator.LISTENER_TYPE, XdsTranslator.ROUTE_TYPE};

    private final Node node;
    private final XdsResourceHandler handler;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final ScheduledExecutorService thread;
    private final ManagedChannel channel;
    private final Map<String, TypeState> types = new LinkedHashMap<>();
    private final Map<String, Counter> applied = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    private StreamObserver<DiscoveryRequest> stream;
    private int streamId;
    private long backoffMillis;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile String lastRejection;
    private final Map<String, String> appliedVersions = new ConcurrentHashMap<>();

    public AdsClient(String target, Node node, XdsResourceHandler handler, EventLoopGroup group,
                     MeterRegistry registry, Duration initialBackoff, Duration maxBackoff) {
        this.node = node;
        this.handler = handler;
        this.registry = registry;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.backoffMillis = initialBackoff.toMillis();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "xds-client");
            t.setDaemon(true);
            return t;
        });
        this.channel = NettyChannelBuilder.forTarget(target).usePlaintext()
                .eventLoopGroup(group).channelType(NioSocketChannel.class)
                .executor(thread)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        for (String t : TYPES) {
            types.put(t, new TypeState(t, t.equals(XdsTranslator.CLUSTER_TYPE) || t.equals(XdsTranslator.LISTENER_TYPE)));
        }
        Gauge.builder("capstan.proxy.xds.connected", this, c -> c.connected ? 1 : 0)
                .description("1 while the ADS stream to the control plane is up").register(registry);
    }

    public void start() {
        thread.execute(this::openStream);
    }

    public boolean connected() {
        return connected;
    }

    /** The last ACKed version of a type, or null before the first. */
    public String appliedVersion(String typeUrl) {
        return appliedVersions.get(typeUrl);
    }

    /** The error_detail of the last NACK this client sent, or null. */
    public String lastRejection() {
        return lastRejection;
    }

    private void openStream() {
        if (closed) {
            return;
        }
        int id = ++streamId;
        for (TypeState t : types.values()) {
            t.nonce = "";
        }
        stream = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse r) {
                if (id == streamId) {
                    onResponse(r);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (id == streamId) {
                    streamBroke(t.getMessage());
                }
            }

            @Override
            public void onCompleted() {
                if (id == streamId) {
                    streamBroke("closed by the control plane");
                }
            }
        });
        for (TypeState t : types.values()) {
            if (t.wildcard) {
                send(t, null);
            } else {
                t.names = handler.subscriptions(t.typeUrl);
                if (!t.names.isEmpty()) {
                    send(t, null);
                }
            }
        }
    }

    private void onResponse(DiscoveryResponse r) {
        if (!connected) {
            connected = true;
            LOG.infof("xDS stream to the control plane is up");
        }
        backoffMillis = initialBackoff.toMillis();
        TypeState t = types.get(r.getTypeUrl());
        if (t == null) {
            DiscoveryRequest nack = DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(r.getTypeUrl())
                    .setResponseNonce(r.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage("type not subscribed")).build();
            stream.onNext(nack);
            return;
        }
        t.nonce = r.getNonce();
        try {
            handler.apply(t.typeUrl, r.getResourcesList());
        } catch (InvalidConfigException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            lastRejection = reason;
            counter(rejected, "capstan.proxy.xds.rejects", t.typeUrl).increment();
            LOG.warnf("rejected %s version %s: %s", shortType(t.typeUrl), r.getVersionInfo(), reason);
            send(t, Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(reason).build());
            return;
        }
        t.version = r.getVersionInfo();
        appliedVersions.put(t.typeUrl, t.version);
        counter(applied, "capstan.proxy.xds.updates.applied", t.typeUrl).increment();
        send(t, null);
        String dependent = t.typeUrl.equals(XdsTranslator.CLUSTER_TYPE) ? XdsTranslator.ENDPOINT_TYPE
                : t.typeUrl.equals(XdsTranslator.LISTENER_TYPE) ? XdsTranslator.ROUTE_TYPE : null;
        if (dependent != null) {
            TypeState d = types.get(dependent);
            Set<String> names = handler.subscriptions(dependent);
            if (!names.equals(d.names)) {
                d.names = names;
                // An empty SotW subscription would mean "all"; an unused subscription costs nothing.
                if (!names.isEmpty()) {
                    send(d, null);
                }
            }
        }
    }

    private void send(TypeState t, Status error) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(t.typeUrl)
                .setVersionInfo(t.version)
                .setResponseNonce(t.nonce);
        if (!t.wildcard) {
            b.addAllResourceNames(t.names);
        }
        if (error != null) {
            b.setErrorDetail(error);
        }
        try {
            stream.onNext(b.build());
        } catch (RuntimeException e) {
            streamBroke(e.getMessage());
        }
    }

    private void streamBroke(String why) {
        if (closed) {
            return;
        }
        streamId++;
        if (connected) {
            LOG.warnf("xDS stream to the control plane broke (%s); serving the last config, reconnecting", why);
        }
        connected = false;
        long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        backoffMillis = Math.min(maxBackoff.toMillis(), backoffMillis * 2);
        thread.schedule(this::openStream, delay, TimeUnit.MILLISECONDS);
    }

    private Counter counter(Map<String, Counter> cache, String name, String typeUrl) {
        return cache.computeIfAbsent(typeUrl, t -> Counter.builder(name).tag("type", shortType(t)).register(registry));
    }

    private static String shortType(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    }

    @Override
    public void close() {
        closed = true;
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
            thread.shutdown();
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class TypeState {
        final String typeUrl;
        final boolean wildcard;
        String version = "";
        String nonce = "";
        Set<String> names = Set.of();

        TypeState(String typeUrl, boolean wildcard) {
            this.typeUrl = typeUrl;
            this.wildcard = wildcard;
        }
    }
}
