package io.capstan.proxy.testing;

import com.google.protobuf.Any;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.v3.HashPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hand-built xDS resources in exactly the shapes of mesh/XDS.md, so the proxy is tested against
 * the contract rather than against whatever the control plane happens to emit today.
 */
public final class MeshFixture {
    private final List<Cluster> clusters = new ArrayList<>();
    private final List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();
    private final List<RouteConfiguration> routes = new ArrayList<>();

    /** A random 127.96.x.y address, so reruns and parallel runs do not clash. */
    public static String randomVip() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127.96." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }

    public record Ep(String ip, int port, String hostname, HealthStatus health) {
        public static Ep healthy(String ip, int port) {
            return new Ep(ip, port, "", HealthStatus.HEALTHY);
        }

        public Ep draining() {
            return new Ep(ip, port, hostname, HealthStatus.DRAINING);
        }

        public Ep named(String h) {
            return new Ep(ip, port, h, health);
        }
    }

    /** A ClusterIP Service port: cluster, CLA and a listener at the cluster IP (HTTP or TCP). */
    public MeshFixture service(String name, String ns, String vip, int port, boolean http, Cluster.LbPolicy lb,
                               boolean clientIpAffinity, List<Ep> eps) {
        String host = XdsNames.serviceHost(name, ns);
        String cluster = XdsNames.outboundCluster(port, "", host);
        clusters.add(cluster(name, ns, port, http ? "http" : "tcp", lb, List.of(vip), false));
        endpoints.add(cla(cluster, eps));
        listeners.add(listener(vip, port, port, name, ns, cluster, http, clientIpAffinity));
        if (http) {
            routes.add(route(host, port, cluster, clientIpAffinity));
        }
        return this;
    }

    /** A NodePort-style listener at another address for an existing Service port. */
    public MeshFixture nodePort(String name, String ns, int servicePort, boolean http, String nodeIp, int nodePort) {
        String host = XdsNames.serviceHost(name, ns);
        listeners.add(listener(nodeIp, nodePort, servicePort, name, ns, XdsNames.outboundCluster(servicePort, "", host), http, false));
        return this;
    }

    public MeshFixture headless(String name, String ns, int port, String portName, List<Ep> eps) {
        String host = XdsNames.serviceHost(name, ns);
        String cluster = XdsNames.outboundCluster(port, "", host);
        clusters.add(cluster(name, ns, port, portName, Cluster.LbPolicy.LEAST_REQUEST, List.of(), true));
        endpoints.add(cla(cluster, eps));
        return this;
    }

    public MeshFixture externalName(String name, String ns, String external) {
        String host = XdsNames.serviceHost(name, ns);
        Struct md = Struct.newBuilder()
                .putFields(XdsNames.MD_HOST, str(host)).putFields(XdsNames.MD_SERVICE, str(name))
                .putFields(XdsNames.MD_NAMESPACE, str(ns)).putFields(XdsNames.MD_EXTERNAL_NAME, str(external)).build();
        clusters.add(Cluster.newBuilder().setName(XdsNames.outboundCluster(80, "", host))
                .setType(Cluster.DiscoveryType.STRICT_DNS)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(XdsNames.outboundCluster(80, "", host))
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(socket(external, 80))))))
                .setMetadata(Metadata.newBuilder().putFilterMetadata(XdsNames.METADATA, md)).build());
        return this;
    }

    public MeshFixture add(Cluster c) {
        clusters.add(c);
        return this;
    }

    public MeshFixture add(Listener l) {
        listeners.add(l);
        return this;
    }

    public static Cluster cluster(String name, String ns, int port, String portName, Cluster.LbPolicy lb, List<String> vips, boolean headless) {
        String host = XdsNames.serviceHost(name, ns);
        String clusterName = XdsNames.outboundCluster(port, "", host);
        ListValue.Builder vipList = ListValue.newBuilder();
        vips.forEach(v -> vipList.addValues(str(v)));
        Struct capstan = Struct.newBuilder()
                .putFields(XdsNames.MD_HOST, str(host)).putFields(XdsNames.MD_SERVICE, str(name))
                .putFields(XdsNames.MD_NAMESPACE, str(ns)).putFields(XdsNames.MD_VIPS, Value.newBuilder().setListValue(vipList).build())
                .putFields(XdsNames.MD_HEADLESS, Value.newBuilder().setBoolValue(headless).build())
                .putFields(XdsNames.MD_PORT_NAME, str(portName))
                .putFields(XdsNames.MD_PROTOCOL, str(portName.startsWith("http") ? "http" : "tcp")).build();
        return Cluster.newBuilder().setName(clusterName)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(clusterName).setEdsConfig(ads()))
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                .setLbPolicy(lb)
                .setMetadata(Metadata.newBuilder().putFilterMetadata(XdsNames.METADATA, capstan)).build();
    }

    public static ClusterLoadAssignment cla(String cluster, List<Ep> eps) {
        LocalityLbEndpoints.Builder loc = LocalityLbEndpoints.newBuilder()
                .setLoadBalancingWeight(UInt32Value.of(Math.max(1, eps.size())));
        for (Ep e : eps) {
            loc.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(Endpoint.newBuilder().setAddress(socket(e.ip(), e.port())).setHostname(e.hostname()))
                    .setHealthStatus(e.health()));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(loc).build();
    }

    /** A listener at ip:port for the Service port {@code servicePort} (whose RouteConfiguration it names). */
    public static Listener listener(String ip, int port, int servicePort, String name, String ns, String cluster, boolean http, boolean clientIpAffinity) {
        String host = XdsNames.serviceHost(name, ns);
        Filter filter;
        if (http) {
            HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                    .setStatPrefix(cluster)
                    .setRds(Rds.newBuilder().setRouteConfigName(XdsNames.hostPort(host, servicePort)).setConfigSource(ads()))
                    .addHttpFilters(HttpFilter.newBuilder().setName(XdsNames.ROUTER_FILTER))
                    .build();
            filter = Filter.newBuilder().setName(XdsNames.HCM_FILTER).setTypedConfig(Any.pack(hcm)).build();
        } else {
            TcpProxy.Builder tp = TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster);
            if (clientIpAffinity) {
                tp.addHashPolicy(HashPolicy.newBuilder().setSourceIp(HashPolicy.SourceIp.getDefaultInstance()));
            }
            filter = Filter.newBuilder().setName(XdsNames.TCP_PROXY_FILTER).setTypedConfig(Any.pack(tp.build())).build();
        }
        Struct md = Struct.newBuilder().putFields(XdsNames.MD_HOST, str(host))
                .putFields(XdsNames.MD_SERVICE, str(name)).putFields(XdsNames.MD_NAMESPACE, str(ns)).build();
        return Listener.newBuilder().setName(XdsNames.listenerName(ip, port))
                .setAddress(socket(ip, port))
                .addFilterChains(FilterChain.newBuilder().addFilters(filter))
                .setMetadata(Metadata.newBuilder().putFilterMetadata(XdsNames.METADATA, md)).build();
    }

    public static RouteConfiguration route(String host, int port, String cluster, boolean clientIpAffinity) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster(cluster)
                .setRetryPolicy(RetryPolicy.newBuilder()
                        .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
                        .setNumRetries(UInt32Value.of(2)));
        if (clientIpAffinity) {
            action.addHashPolicy(RouteAction.HashPolicy.newBuilder().setConnectionProperties(
                    RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true)));
        }
        String name = XdsNames.hostPort(host, port);
        return RouteConfiguration.newBuilder().setName(name)
                .addVirtualHosts(VirtualHost.newBuilder().setName(name).addDomains("*")
                        .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")).setRoute(action)))
                .build();
    }

    /** Replaces the route of an HTTP port (e.g. to add path routes). */
    public MeshFixture replaceRoute(RouteConfiguration rc) {
        routes.removeIf(r -> r.getName().equals(rc.getName()));
        routes.add(rc);
        return this;
    }

    public MeshFixture replaceEndpoints(String cluster, List<Ep> eps) {
        endpoints.removeIf(c -> c.getClusterName().equals(cluster));
        endpoints.add(cla(cluster, eps));
        return this;
    }

    /** Removes every resource of a Service (all its ports): clusters, CLAs, listeners and routes. */
    public MeshFixture removeService(String name, String ns) {
        String host = XdsNames.serviceHost(name, ns);
        clusters.removeIf(c -> c.getName().endsWith("|" + host));
        endpoints.removeIf(c -> c.getClusterName().endsWith("|" + host));
        listeners.removeIf(l -> l.getMetadata().getFilterMetadataOrDefault(XdsNames.METADATA, Struct.getDefaultInstance())
                .getFieldsOrDefault(XdsNames.MD_HOST, Value.getDefaultInstance()).getStringValue().equals(host));
        routes.removeIf(r -> r.getName().startsWith(host + ":"));
        return this;
    }

    public MeshFixture removeListener(String name) {
        listeners.removeIf(l -> l.getName().equals(name));
        return this;
    }

    static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3).build();
    }

    static Address socket(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
    }

    static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    public List<Cluster> clusters() {
        return List.copyOf(clusters);
    }

    public List<ClusterLoadAssignment> endpoints() {
        return List.copyOf(endpoints);
    }

    public List<Listener> listeners() {
        return List.copyOf(listeners);
    }

    public List<RouteConfiguration> routes() {
        return List.copyOf(routes);
    }
}
