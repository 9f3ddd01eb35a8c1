package io.capstan.proxy.xds;

import io.capstan.xds.XdsNames;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.capstan.proxy.config.InvalidConfigException;
import io.capstan.proxy.config.XdsTranslator;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An ADS client, as Envoy's: CDS and LDS wildcard, EDS for the clusters' EDS names, RDS for the
 * route names the listeners use; over either protocol variant ({@link ApiType}).
 * <ul>
 * <li><b>State of the world</b> ({@code StreamAggregatedResources}): each response is the whole set
 * of its type, applied whole and ACKed, or NACKed with the reason (the last good version in
 * version_info, as the protocol says).</li>
 * <li><b>Incremental</b> ({@code DeltaAggregatedResources}, the default): each response carries only
 * added or changed resources and removed names; they are applied to the current state as one
 * change, or the whole response is NACKed ({@code error_detail}) and the state stays as it was. EDS
 * and RDS subscriptions follow the clusters and listeners with
 * {@code resource_names_subscribe}/{@code resource_names_unsubscribe}.</li>
 * </ul>
 * Either way the last good config stays when a response is rejected. When the stream breaks, the
 * client reconnects with jittered exponential backoff and resubscribes while the data plane keeps
 * serving. A delta client resubscribes without {@code initial_resource_versions} (java-control-plane
 * 1.0.49 ignores them and resends everything), so the control plane sends every resource it has and
 * the first CDS and LDS response on a new stream is the whole set: a cluster or listener missing
 * from it was deleted while the stream was down and is removed.
 *
 * <p>Everything, the gRPC callbacks included, runs on one thread of its own, so the state below
 * needs no locks.
 */
public final class AdsClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AdsClient.class);
    /** CDS before EDS and LDS before RDS: the order Envoy subscribes in. */
    private static final String[] TYPES = {XdsNames.CLUSTER_TYPE, XdsNames.ENDPOINT_TYPE,
            XdsNames.LISTENER_TYPE, XdsNames.ROUTE_TYPE};

    private final ApiType apiType;
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
    private StreamObserver<DeltaDiscoveryRequest> deltaStream;
    private int streamId;
    private long backoffMillis;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile String lastRejection;
    private final Map<String, String> appliedVersions = new ConcurrentHashMap<>();

    public AdsClient(String target, Node node, XdsResourceHandler handler, EventLoopGroup group,
                     MeterRegistry registry, Duration initialBackoff, Duration maxBackoff) {
        this(ApiType.DELTA, target, node, handler, group, registry, initialBackoff, maxBackoff);
    }

    public AdsClient(ApiType apiType, String target, Node node, XdsResourceHandler handler, EventLoopGroup group,
                     MeterRegistry registry, Duration initialBackoff, Duration maxBackoff) {
        this.apiType = apiType;
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
                // The target is an address literal: nothing to offload, so no grpc-default-executor thread.
                .offloadExecutor(thread)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        for (String t : TYPES) {
            types.put(t, new TypeState(t, t.equals(XdsNames.CLUSTER_TYPE) || t.equals(XdsNames.LISTENER_TYPE)));
        }
        Gauge.builder("capstan.proxy.xds.connected", this, c -> c.connected ? 1 : 0)
                .description("1 while the ADS stream to the control plane is up").register(registry);
    }

    public void start() {
        thread.execute(this::openStream);
    }

    public ApiType apiType() {
        return apiType;
    }

    public boolean connected() {
        return connected;
    }

    /** The last ACKed version of a type (SotW version_info, delta system_version_info), or null before the first. */
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
            t.synced = false;
        }
        var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
        if (apiType == ApiType.DELTA) {
            deltaStream = stub.deltaAggregatedResources(observer(id, this::onDeltaResponse));
            for (TypeState t : types.values()) {
                if (t.wildcard) {
                    // An empty first request is a wildcard subscription (CDS and LDS).
                    sendDelta(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(t.typeUrl).build());
                } else {
                    t.names = handler.subscriptions(t.typeUrl);
                    // Never an empty first EDS/RDS request: that would be a legacy wildcard.
                    if (!t.names.isEmpty()) {
                        sendDelta(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(t.typeUrl)
                                .addAllResourceNamesSubscribe(t.names).build());
                    }
                }
            }
        } else {
            stream = stub.streamAggregatedResources(observer(id, this::onResponse));
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
    }

    private <R> StreamObserver<R> observer(int id, Consumer<R> onNext) {
        return new StreamObserver<>() {
            @Override
            public void onNext(R r) {
                if (id == streamId) {
                    onNext.accept(r);
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
        };
    }

    private void up() {
        if (!connected) {
            connected = true;
            LOG.infof("xDS stream (%s) to the control plane is up", apiType);
        }
        backoffMillis = initialBackoff.toMillis();
    }

    // ---- state of the world ----

    private void onResponse(DiscoveryResponse r) {
        up();
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
            send(t, rejection(t, r.getVersionInfo(), e));
            return;
        }
        t.version = r.getVersionInfo();
        accepted(t);
        send(t, null);
        TypeState d = dependent(t);
        if (d != null) {
            Set<String> names = handler.subscriptions(d.typeUrl);
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

    // ---- incremental ----

    private void onDeltaResponse(DeltaDiscoveryResponse r) {
        up();
        TypeState t = types.get(r.getTypeUrl());
        if (t == null) {
            sendDelta(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(r.getTypeUrl())
                    .setResponseNonce(r.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage("type not subscribed")).build());
            return;
        }
        List<Any> updated = new ArrayList<>(r.getResourcesCount());
        Set<String> names = new HashSet<>(r.getResourcesCount() * 2);
        for (Resource res : r.getResourcesList()) {
            // A Resource without a body is a heartbeat or a name alias in the protocol; nothing to apply.
            if (res.hasResource()) {
                updated.add(res.getResource());
                names.add(res.getName());
            }
        }
        Set<String> removed = new HashSet<>(r.getRemovedResourcesList());
        boolean firstOnStream = !t.synced;
        t.synced = true;
        if (firstOnStream && t.wildcard) {
            // No initial_resource_versions were sent, so the control plane sends all it has: what we
            // hold and it did not send was deleted while the stream was down.
            for (String name : handler.appliedNames(t.typeUrl)) {
                if (!names.contains(name)) {
                    removed.add(name);
                }
            }
        }
        try {
            handler.applyDelta(t.typeUrl, updated, removed);
        } catch (InvalidConfigException | RuntimeException e) {
            sendDelta(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(t.typeUrl)
                    .setResponseNonce(r.getNonce()).setErrorDetail(rejection(t, r.getSystemVersionInfo(), e)).build());
            return;
        }
        t.version = r.getSystemVersionInfo();
        accepted(t);
        sendDelta(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(t.typeUrl).setResponseNonce(r.getNonce()).build());
        TypeState d = dependent(t);
        if (d != null) {
            Set<String> wanted = handler.subscriptions(d.typeUrl);
            if (!wanted.equals(d.names)) {
                List<String> subscribe = new ArrayList<>();
                for (String n : wanted) {
                    if (!d.names.contains(n)) {
                        subscribe.add(n);
                    }
                }
                List<String> unsubscribe = new ArrayList<>();
                for (String n : d.names) {
                    if (!wanted.contains(n)) {
                        unsubscribe.add(n);
                    }
                }
                d.names = wanted;
                sendDelta(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(d.typeUrl)
                        .addAllResourceNamesSubscribe(subscribe).addAllResourceNamesUnsubscribe(unsubscribe).build());
            }
        }
    }

    private void sendDelta(DeltaDiscoveryRequest request) {
        try {
            deltaStream.onNext(request);
        } catch (RuntimeException e) {
            streamBroke(e.getMessage());
        }
    }

    // ---- shared ----

    private TypeState dependent(TypeState t) {
        return t.typeUrl.equals(XdsNames.CLUSTER_TYPE) ? types.get(XdsNames.ENDPOINT_TYPE)
                : t.typeUrl.equals(XdsNames.LISTENER_TYPE) ? types.get(XdsNames.ROUTE_TYPE) : null;
    }

    private void accepted(TypeState t) {
        appliedVersions.put(t.typeUrl, t.version);
        counter(applied, "capstan.proxy.xds.updates.applied", t.typeUrl).increment();
    }

    private Status rejection(TypeState t, String version, Exception e) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        lastRejection = reason;
        counter(rejected, "capstan.proxy.xds.rejects", t.typeUrl).increment();
        LOG.warnf("rejected %s version %s: %s", shortType(t.typeUrl), version, reason);
        if (e instanceof RuntimeException) {
            LOG.debug("rejection cause", e);
        }
        return Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(reason).build();
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
        /** SotW: the last ACKed version_info (sent back in every request); delta: the last ACKed system_version_info. */
        String version = "";
        /** SotW: the nonce of the last response (sent back in every request). */
        String nonce = "";
        /** Non-wildcard types: the names subscribed now. */
        Set<String> names = Set.of();
        /** Delta: a response of this type arrived on the current stream. */
        boolean synced;

        TypeState(String typeUrl, boolean wildcard) {
            this.typeUrl = typeUrl;
            this.wildcard = wildcard;
        }
    }
}
