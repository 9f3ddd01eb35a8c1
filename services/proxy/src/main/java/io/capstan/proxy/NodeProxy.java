package io.capstan.proxy;

import com.google.protobuf.Any;
import io.capstan.proxy.config.ClusterSpec;
import io.capstan.proxy.config.InvalidConfigException;
import io.capstan.proxy.config.XdsTranslator;
import io.capstan.proxy.dataplane.DataPlane;
import io.capstan.proxy.dataplane.ProxyMetrics;
import io.capstan.proxy.dataplane.UpstreamCluster;
import io.capstan.proxy.dns.DnsServer;
import io.capstan.proxy.dns.DnsTable;
import io.capstan.proxy.xds.AdsClient;
import io.capstan.proxy.xds.ApiType;
import io.capstan.proxy.xds.XdsResourceHandler;
import io.capstan.xds.XdsNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * One node proxy: the ADS client, the data plane and the DNS server on one event-loop group (one
 * loop per core by default). Plain Java, so a test can run several in one JVM; the Quarkus
 * application wraps exactly one.
 */
public final class NodeProxy implements AutoCloseable {
    /** What a node proxy needs to start. */
    public record Settings(String nodeName, String nodeIp, String xdsAddress, int dnsPort, String dnsUpstream,
                           int eventLoops, Duration xdsInitialBackoff, Duration xdsMaxBackoff, ApiType apiType) {
        /** Delta xDS (the default). */
        public Settings(String nodeName, String nodeIp, String xdsAddress, int dnsPort, String dnsUpstream,
                        int eventLoops, Duration xdsInitialBackoff, Duration xdsMaxBackoff) {
            this(nodeName, nodeIp, xdsAddress, dnsPort, dnsUpstream, eventLoops, xdsInitialBackoff, xdsMaxBackoff, ApiType.DELTA);
        }

        public static Settings of(String nodeName, String nodeIp, String xdsAddress) {
            return new Settings(nodeName, nodeIp, xdsAddress, 0, null, 0, Duration.ofMillis(100), Duration.ofSeconds(2), ApiType.DELTA);
        }

        public Settings withDnsPort(int port) {
            return new Settings(nodeName, nodeIp, xdsAddress, port, dnsUpstream, eventLoops, xdsInitialBackoff, xdsMaxBackoff, apiType);
        }

        public Settings withEventLoops(int n) {
            return new Settings(nodeName, nodeIp, xdsAddress, dnsPort, dnsUpstream, n, xdsInitialBackoff, xdsMaxBackoff, apiType);
        }

        public Settings withApiType(ApiType t) {
            return new Settings(nodeName, nodeIp, xdsAddress, dnsPort, dnsUpstream, eventLoops, xdsInitialBackoff, xdsMaxBackoff, t);
        }
    }

    private final Settings settings;
    private final EventLoopGroup group;
    private final DataPlane dataPlane;
    private final AdsClient xds;
    private final DnsServer dns;
    private volatile DnsTable dnsTable = DnsTable.empty();
    private volatile boolean clustersApplied;
    private volatile boolean listenersApplied;
    private volatile IntConsumer appliedListener = n -> { };

    public NodeProxy(Settings settings, MeterRegistry registry) {
        this.settings = settings;
        int loops = settings.eventLoops() > 0 ? settings.eventLoops() : Runtime.getRuntime().availableProcessors();
        this.group = new NioEventLoopGroup(loops, new DefaultThreadFactory("proxy-loop", true));
        this.dataPlane = new DataPlane(group, new ProxyMetrics(registry));
        this.xds = new AdsClient(settings.apiType(), settings.xdsAddress(), XdsNames.nodeProxy(settings.nodeName(), settings.nodeIp()),
                new ConfigStore(), group, registry, settings.xdsInitialBackoff(), settings.xdsMaxBackoff());
        this.dns = settings.dnsPort() > 0 || settings.dnsPort() == -1
                ? new DnsServer(() -> dnsTable, group, settings.dnsUpstream()) : null;
    }

    /** Binds DNS (if enabled) and connects to the control plane; listeners follow as config arrives. */
    public NodeProxy start() {
        if (dns != null) {
            try {
                dns.start(settings.nodeIp(), Math.max(0, settings.dnsPort()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while binding DNS", e);
            }
        }
        xds.start();
        return this;
    }

    /**
     * Tells {@code listener}, after each applied xDS response, how many resources it added, changed
     * or removed (on the xDS thread; it must not block).
     */
    public NodeProxy onConfigApplied(IntConsumer listener) {
        this.appliedListener = listener;
        return this;
    }

    /** The event loops the data plane, DNS and the xDS client run on. */
    public EventLoopGroup eventLoops() {
        return group;
    }

    /** Has clusters and listeners from the control plane (it may serve traffic). */
    public boolean ready() {
        return clustersApplied && listenersApplied;
    }

    public boolean xdsConnected() {
        return xds.connected();
    }

    public String appliedVersion(String typeUrl) {
        return xds.appliedVersion(typeUrl);
    }

    public ApiType apiType() {
        return xds.apiType();
    }

    public String lastRejection() {
        return xds.lastRejection();
    }

    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** The DNS server's port (useful when it was started on a free one), or -1 without DNS. */
    public int dnsPort() {
        return dns == null ? -1 : dns.port();
    }

    public DnsTable dnsTable() {
        return dnsTable;
    }

    @Override
    public void close() {
        xds.close();
        if (dns != null) {
            dns.close();
        }
        dataPlane.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Validates each response with {@link XdsTranslator} and applies it to the data plane and DNS. */
    private final class ConfigStore implements XdsResourceHandler {
        @Override
        public void apply(String typeUrl, List<Any> resources) throws InvalidConfigException {
            switch (typeUrl) {
                case XdsNames.CLUSTER_TYPE -> {
                    dataPlane.applyClusters(XdsTranslator.clusters(resources));
                    clustersApplied = true;
                    rebuildDns();
                }
                case XdsNames.ENDPOINT_TYPE -> {
                    dataPlane.applyAssignments(XdsTranslator.loadAssignments(resources));
                    rebuildDns();
                }
                case XdsNames.LISTENER_TYPE -> {
                    dataPlane.applyListeners(XdsTranslator.listeners(resources));
                    listenersApplied = true;
                }
                case XdsNames.ROUTE_TYPE -> dataPlane.applyRoutes(XdsTranslator.routes(resources));
                default -> throw new InvalidConfigException(List.of("type " + typeUrl + " is not supported"));
            }
            appliedListener.accept(resources.size());
        }

        @Override
        public void applyDelta(String typeUrl, List<Any> updated, Collection<String> removed) throws InvalidConfigException {
            switch (typeUrl) {
                case XdsNames.CLUSTER_TYPE -> {
                    dataPlane.applyClusterChanges(XdsTranslator.clusters(updated), removed);
                    clustersApplied = true;
                    rebuildDns();
                }
                case XdsNames.ENDPOINT_TYPE -> {
                    dataPlane.applyAssignmentChanges(XdsTranslator.loadAssignments(updated), removed);
                    rebuildDns();
                }
                case XdsNames.LISTENER_TYPE -> {
                    dataPlane.applyListenerChanges(XdsTranslator.listeners(updated), removed);
                    listenersApplied = true;
                }
                case XdsNames.ROUTE_TYPE -> dataPlane.applyRouteChanges(XdsTranslator.routes(updated), removed);
                default -> throw new InvalidConfigException(List.of("type " + typeUrl + " is not supported"));
            }
            appliedListener.accept(updated.size() + removed.size());
        }

        @Override
        public Set<String> appliedNames(String typeUrl) {
            return switch (typeUrl) {
                case XdsNames.CLUSTER_TYPE -> dataPlane.clusters().all().keySet();
                case XdsNames.LISTENER_TYPE -> dataPlane.listenerNames();
                default -> Set.of();
            };
        }

        @Override
        public Set<String> subscriptions(String typeUrl) {
            return switch (typeUrl) {
                case XdsNames.ENDPOINT_TYPE -> dataPlane.clusters().edsNames();
                case XdsNames.ROUTE_TYPE -> dataPlane.routeNames();
                default -> Set.of();
            };
        }

        private void rebuildDns() {
            if (dns == null) {
                return;
            }
            List<ClusterSpec> specs = new ArrayList<>();
            for (UpstreamCluster c : dataPlane.clusters().all().values()) {
                specs.add(c.spec());
            }
            dnsTable = DnsTable.build(specs, dataPlane.clusters()::assignment);
        }
    }
}
