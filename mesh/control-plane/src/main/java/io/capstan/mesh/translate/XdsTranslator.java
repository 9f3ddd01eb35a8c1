package io.capstan.mesh.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
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
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.v3.HashPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsSimpleLB;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Cluster state to xDS, as {@code mesh/XDS.md} specifies: per TCP Service port a Cluster
 * ({@code outbound|P||host}), a ClusterLoadAssignment, listeners on the cluster and
 * load-balancer IPs with an HTTP connection manager (RDS {@code host:P}) or a TCP proxy, the
 * NodePort chains, and the grpc group's api listeners.
 *
 * <p>The translation of one Service is a pure function of the Service, its DestinationRule and
 * its EndpointSlices. An instance remembers the last result per Service and reuses it (the same
 * message objects) while those inputs are the same objects, so a rebuild after one endpoint
 * change translates one Service, and unchanged messages keep their identity across rebuilds
 * (java-control-plane caches serialized messages by identity).
 *
 * <p>Not thread-safe: one rebuild thread uses an instance.
 */
public final class XdsTranslator {
    private static final Logger LOG = Logger.getLogger(XdsTranslator.class);
    static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(10).build();
    /** Istio's default retry policy (pilot/pkg/networking/core/route/retry). */
    static final RetryPolicy DEFAULT_RETRY = RetryPolicy.newBuilder()
            .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
            .setNumRetries(UInt32Value.of(2))
            .build();
    static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3).build();
    static final HttpFilter ROUTER = HttpFilter.newBuilder().setName(XdsNames.ROUTER_FILTER)
            .setTypedConfig(Any.pack(Router.getDefaultInstance())).build();
    static final String CLIENT_IP = "ClientIP";
    static final int EXTERNAL_NAME_DEFAULT_PORT = 80;

    private record ConfigKey(Service service, DestinationRule rule) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ConfigKey k && k.service == service && k.rule == rule;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(service) * 31 + System.identityHashCode(rule);
        }
    }

    private record EndpointsKey(Service service, List<EndpointSlice> slices) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof EndpointsKey k) || k.service != service || k.slices.size() != slices.size()) {
                return false;
            }
            for (int i = 0; i < slices.size(); i++) {
                if (k.slices.get(i) != slices.get(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = System.identityHashCode(service);
            for (EndpointSlice s : slices) {
                h = h * 31 + System.identityHashCode(s);
            }
            return h;
        }
    }

    private Map<String, Map.Entry<ConfigKey, ServiceResources>> configs = new HashMap<>();
    private Map<String, Map.Entry<EndpointsKey, List<ClusterLoadAssignment>>> endpoints = new HashMap<>();
    private final Set<String> skippedPortsLogged = new HashSet<>();
    private final Set<String> clashesLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Translates the whole state, reusing what did not change since the last call. */
    public MeshResources translate(ClusterState state) {
        Map<String, Map.Entry<ConfigKey, ServiceResources>> nextConfigs = new HashMap<>();
        Map<String, Map.Entry<EndpointsKey, List<ClusterLoadAssignment>>> nextEndpoints = new HashMap<>();
        List<ServiceResources> services = new ArrayList<>(state.services().size());
        List<ClusterLoadAssignment> clas = new ArrayList<>();
        for (Service service : state.services()) {
            String key = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
            String host = XdsNames.serviceHost(service.getMetadata().getName(), service.getMetadata().getNamespace());
            DestinationRule rule = DestinationRules.ruleFor(host, service.getMetadata().getNamespace(), state.destinationRules()).orElse(null);
            ConfigKey configKey = new ConfigKey(service, rule);
            Map.Entry<ConfigKey, ServiceResources> config = configs.get(key);
            if (config == null || !config.getKey().equals(configKey)) {
                config = Map.entry(configKey, serviceConfig(service, rule));
            }
            nextConfigs.put(key, config);
            services.add(config.getValue());

            EndpointsKey endpointsKey = new EndpointsKey(service, state.slicesOf(service));
            Map.Entry<EndpointsKey, List<ClusterLoadAssignment>> eps = endpoints.get(key);
            if (eps == null || !eps.getKey().equals(endpointsKey)) {
                eps = Map.entry(endpointsKey, loadAssignments(service, endpointsKey.slices()));
            }
            nextEndpoints.put(key, eps);
            clas.addAll(eps.getValue());
        }
        configs = nextConfigs;
        endpoints = nextEndpoints;
        return new MeshResources(services, clas, nodeIps(state.nodes()), clashesLogged);
    }

    /** Each Node's InternalIP, for node proxies that do not send NODE_IP. */
    static Map<String, String> nodeIps(List<Node> nodes) {
        Map<String, String> ips = new HashMap<>();
        for (Node node : nodes) {
            if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
                continue;
            }
            for (NodeAddress address : node.getStatus().getAddresses()) {
                if ("InternalIP".equals(address.getType()) && address.getAddress() != null) {
                    ips.putIfAbsent(node.getMetadata().getName(), address.getAddress());
                }
            }
        }
        return ips;
    }

    /** Whether the Service is headless ({@code clusterIP: None}). */
    static boolean headless(ServiceSpec spec) {
        return "None".equals(spec.getClusterIP());
    }

    static boolean externalName(ServiceSpec spec) {
        return "ExternalName".equals(spec.getType());
    }

    /** The TCP ports that get resources; the others are logged once per Service port. */
    private List<ServicePort> tcpPorts(Service service) {
        List<ServicePort> ports = new ArrayList<>();
        List<ServicePort> all = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
        for (ServicePort port : all) {
            if (port.getPort() == null) {
                continue;
            }
            if (Protocols.isTcp(port)) {
                ports.add(port);
            } else if (skippedPortsLogged.add(service.getMetadata().getNamespace() + "/" + service.getMetadata().getName() + ":"
                    + port.getPort() + "/" + port.getProtocol())) {
                LOG.infof("service %s/%s port %d/%s skipped: the mesh carries TCP only", service.getMetadata().getNamespace(),
                        service.getMetadata().getName(), port.getPort(), port.getProtocol());
            }
        }
        return ports;
    }

    /** Clusters, routes, listeners and NodePort chains of one Service. */
    ServiceResources serviceConfig(Service service, DestinationRule rule) {
        ServiceSpec spec = service.getSpec() == null ? new ServiceSpec() : service.getSpec();
        String name = service.getMetadata().getName();
        String namespace = service.getMetadata().getNamespace();
        String host = XdsNames.serviceHost(name, namespace);
        if (externalName(spec)) {
            return externalNameConfig(service, host);
        }
        boolean headless = headless(spec);
        boolean affinity = CLIENT_IP.equals(spec.getSessionAffinity());
        Optional<LoadBalancerSettingsSimpleLB> simple = rule == null ? Optional.empty() : DestinationRules.simpleLb(rule);
        List<String> vips = headless ? List.of() : clusterIps(spec);
        List<String> lbIps = new ArrayList<>();
        if (!headless && service.getStatus() != null && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress ingress : service.getStatus().getLoadBalancer().getIngress()) {
                if (ingress.getIp() != null && !ingress.getIp().isEmpty()) {
                    lbIps.add(ingress.getIp());
                }
            }
        }
        boolean nodePorts = "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
        Metadata listenerMetadata = listenerMetadata(host, name, namespace);

        List<Cluster> clusters = new ArrayList<>();
        List<Cluster> grpcClusters = new ArrayList<>();
        List<RouteConfiguration> httpRoutes = new ArrayList<>();
        List<RouteConfiguration> grpcRoutes = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        List<Listener> apiListeners = new ArrayList<>();
        List<ServiceResources.NodePort> nodePortChains = new ArrayList<>();
        for (ServicePort port : tcpPorts(service)) {
            int p = port.getPort();
            boolean http = Protocols.isHttp(port);
            String clusterName = XdsNames.outboundCluster(p, "", host);
            Cluster.LbPolicy policy = affinity ? Cluster.LbPolicy.RING_HASH : lbPolicy(simple);
            Cluster cluster = edsCluster(clusterName, policy, clusterMetadata(host, name, namespace, vips, headless, port, http, null));
            clusters.add(cluster);
            // grpc-java NACKs a whole CDS response for one policy it does not know (RANDOM)
            grpcClusters.add(policy == Cluster.LbPolicy.RANDOM ? cluster.toBuilder().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build() : cluster);
            if (headless) {
                continue;
            }
            String routeName = XdsNames.hostPort(host, p);
            RouteConfiguration route = route(routeName, clusterName, affinity);
            grpcRoutes.add(route);
            apiListeners.add(apiListener(routeName, listenerMetadata));
            FilterChain chain;
            if (http) {
                httpRoutes.add(route);
                chain = httpChain(routeName, clusterName);
            } else {
                chain = tcpChain(clusterName, affinity);
            }
            for (String ip : vips) {
                listeners.add(listener(XdsNames.listenerName(ip, p), ip, p, chain, listenerMetadata));
            }
            for (String ip : lbIps) {
                listeners.add(listener(XdsNames.listenerName(ip, p), ip, p, chain, listenerMetadata));
            }
            if (nodePorts && port.getNodePort() != null && port.getNodePort() > 0) {
                nodePortChains.add(new ServiceResources.NodePort(port.getNodePort(), chain, listenerMetadata));
            }
        }
        return new ServiceResources(List.copyOf(clusters), List.copyOf(grpcClusters), List.copyOf(httpRoutes), List.copyOf(grpcRoutes),
                List.copyOf(listeners), List.copyOf(apiListeners), List.copyOf(nodePortChains));
    }

    private ServiceResources externalNameConfig(Service service, String host) {
        ServiceSpec spec = service.getSpec();
        String target = spec.getExternalName() == null ? "" : spec.getExternalName();
        List<Integer> ports = new ArrayList<>();
        List<ServicePort> tcp = tcpPorts(service);
        tcp.forEach(p -> ports.add(p.getPort()));
        if (ports.isEmpty() && (spec.getPorts() == null || spec.getPorts().isEmpty())) {
            ports.add(EXTERNAL_NAME_DEFAULT_PORT);
        }
        List<Cluster> clusters = new ArrayList<>();
        List<Cluster> grpcClusters = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            int p = ports.get(i);
            ServicePort port = i < tcp.size() ? tcp.get(i) : new ServicePort();
            String clusterName = XdsNames.outboundCluster(p, "", host);
            Cluster cluster = Cluster.newBuilder()
                    .setName(clusterName)
                    .setType(Cluster.DiscoveryType.STRICT_DNS)
                    .setConnectTimeout(CONNECT_TIMEOUT)
                    .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                    .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(clusterName)
                            .addEndpoints(LocalityLbEndpoints.newBuilder()
                                    .setLoadBalancingWeight(UInt32Value.of(1))
                                    .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder()
                                            .setAddress(socket(target, p))))))
                    .setMetadata(clusterMetadata(host, service.getMetadata().getName(), service.getMetadata().getNamespace(),
                            List.of(), false, port, Protocols.isHttp(port), target))
                    .build();
            clusters.add(cluster);
            // grpc-java resolves DNS clusters only as LOGICAL_DNS; STRICT_DNS would NACK its whole CDS response
            grpcClusters.add(cluster.toBuilder().setType(Cluster.DiscoveryType.LOGICAL_DNS).setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build());
        }
        return new ServiceResources(List.copyOf(clusters), List.copyOf(grpcClusters), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    static List<String> clusterIps(ServiceSpec spec) {
        List<String> ips = new ArrayList<>();
        if (spec.getClusterIPs() != null) {
            spec.getClusterIPs().stream().filter(ip -> ip != null && !ip.isEmpty() && !"None".equals(ip)).forEach(ips::add);
        }
        if (ips.isEmpty() && spec.getClusterIP() != null && !spec.getClusterIP().isEmpty() && !"None".equals(spec.getClusterIP())) {
            ips.add(spec.getClusterIP());
        }
        return ips;
    }

    static Cluster.LbPolicy lbPolicy(Optional<LoadBalancerSettingsSimpleLB> simple) {
        if (simple.isEmpty()) {
            return Cluster.LbPolicy.LEAST_REQUEST;
        }
        return switch (simple.get()) {
            case ROUND_ROBIN -> Cluster.LbPolicy.ROUND_ROBIN;
            case RANDOM -> Cluster.LbPolicy.RANDOM;
            // LEAST_CONN is LEAST_REQUEST's old name; PASSTHROUGH needs original-destination clusters, not built here
            default -> Cluster.LbPolicy.LEAST_REQUEST;
        };
    }

    static Cluster edsCluster(String name, Cluster.LbPolicy policy, Metadata metadata) {
        return Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name).setEdsConfig(ADS))
                .setConnectTimeout(CONNECT_TIMEOUT)
                .setLbPolicy(policy)
                .setMetadata(metadata)
                .build();
    }

    static Metadata clusterMetadata(String host, String name, String namespace, List<String> vips, boolean headless, ServicePort port,
                                    boolean http, String externalName) {
        Struct istioService = Struct.newBuilder()
                .putFields("host", str(host))
                .putFields("name", str(name))
                .putFields("namespace", str(namespace))
                .build();
        Struct istio = Struct.newBuilder()
                .putFields("services", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setStructValue(istioService))).build())
                .build();
        ListValue.Builder vipList = ListValue.newBuilder();
        vips.forEach(ip -> vipList.addValues(str(ip)));
        Struct.Builder capstan = Struct.newBuilder()
                .putFields(XdsNames.MD_HOST, str(host))
                .putFields(XdsNames.MD_SERVICE, str(name))
                .putFields(XdsNames.MD_NAMESPACE, str(namespace))
                .putFields(XdsNames.MD_VIPS, Value.newBuilder().setListValue(vipList).build())
                .putFields(XdsNames.MD_HEADLESS, Value.newBuilder().setBoolValue(headless).build())
                .putFields(XdsNames.MD_PORT_NAME, str(port.getName() == null ? "" : port.getName()))
                .putFields(XdsNames.MD_PROTOCOL, str(http ? "http" : "tcp"));
        if (externalName != null) {
            capstan.putFields(XdsNames.MD_EXTERNAL_NAME, str(externalName));
        }
        return Metadata.newBuilder()
                .putFilterMetadata(XdsNames.ISTIO_METADATA, istio)
                .putFilterMetadata(XdsNames.METADATA, capstan.build())
                .build();
    }

    static Metadata listenerMetadata(String host, String name, String namespace) {
        return Metadata.newBuilder().putFilterMetadata(XdsNames.METADATA, Struct.newBuilder()
                .putFields(XdsNames.MD_HOST, str(host))
                .putFields(XdsNames.MD_SERVICE, str(name))
                .putFields(XdsNames.MD_NAMESPACE, str(namespace))
                .build()).build();
    }

    static RouteConfiguration route(String routeName, String clusterName, boolean affinity) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster(clusterName).setRetryPolicy(DEFAULT_RETRY);
        if (affinity) {
            action.addHashPolicy(RouteAction.HashPolicy.newBuilder()
                    .setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true)));
        }
        return RouteConfiguration.newBuilder()
                .setName(routeName)
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName(routeName)
                        .addDomains("*")
                        .addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(action)))
                .build();
    }

    static HttpConnectionManager hcm(String routeName, String statPrefix) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setRds(Rds.newBuilder().setRouteConfigName(routeName).setConfigSource(ADS))
                .addHttpFilters(ROUTER)
                .build();
    }

    static FilterChain httpChain(String routeName, String statPrefix) {
        return FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName(XdsNames.HCM_FILTER).setTypedConfig(Any.pack(hcm(routeName, statPrefix))))
                .build();
    }

    static FilterChain tcpChain(String clusterName, boolean affinity) {
        TcpProxy.Builder proxy = TcpProxy.newBuilder().setStatPrefix(clusterName).setCluster(clusterName);
        if (affinity) {
            proxy.addHashPolicy(HashPolicy.newBuilder().setSourceIp(HashPolicy.SourceIp.getDefaultInstance()));
        }
        return FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName(XdsNames.TCP_PROXY_FILTER).setTypedConfig(Any.pack(proxy.build())))
                .build();
    }

    static Listener listener(String name, String ip, int port, FilterChain chain, Metadata metadata) {
        return Listener.newBuilder()
                .setName(name)
                .setAddress(socket(ip, port))
                .addFilterChains(chain)
                .setMetadata(metadata)
                .build();
    }

    static Listener apiListener(String name, Metadata metadata) {
        return Listener.newBuilder()
                .setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm(name, name))))
                .setMetadata(metadata)
                .build();
    }

    static Address socket(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
    }

    /** One ClusterLoadAssignment per TCP port of an EDS Service (none for ExternalName Services). */
    List<ClusterLoadAssignment> loadAssignments(Service service, List<EndpointSlice> slices) {
        ServiceSpec spec = service.getSpec() == null ? new ServiceSpec() : service.getSpec();
        if (externalName(spec)) {
            return List.of();
        }
        String host = XdsNames.serviceHost(service.getMetadata().getName(), service.getMetadata().getNamespace());
        boolean publishNotReady = Boolean.TRUE.equals(spec.getPublishNotReadyAddresses());
        List<ClusterLoadAssignment> result = new ArrayList<>();
        for (ServicePort port : tcpPorts(service)) {
            String clusterName = XdsNames.outboundCluster(port.getPort(), "", host);
            result.add(loadAssignment(clusterName, port, slices, publishNotReady));
        }
        return List.copyOf(result);
    }

    static ClusterLoadAssignment loadAssignment(String clusterName, ServicePort port, List<EndpointSlice> slices, boolean publishNotReady) {
        String portName = port.getName() == null ? "" : port.getName();
        Map<String, LbEndpoint> byAddress = new LinkedHashMap<>();
        for (EndpointSlice slice : slices) {
            if ("FQDN".equals(slice.getAddressType()) || slice.getEndpoints() == null) {
                continue;
            }
            Integer target = targetPort(slice, portName);
            if (target == null) {
                continue;
            }
            for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint : slice.getEndpoints()) {
                HealthStatus status = healthStatus(endpoint.getConditions(), publishNotReady);
                if (status == null || endpoint.getAddresses() == null) {
                    continue;
                }
                for (String ip : endpoint.getAddresses()) {
                    String key = ip + ":" + target;
                    LbEndpoint existing = byAddress.get(key);
                    // the same address in two slices (a slice being replaced): the healthier entry counts
                    if (existing == null || (existing.getHealthStatus() != HealthStatus.HEALTHY && status == HealthStatus.HEALTHY)) {
                        byAddress.put(key, lbEndpoint(ip, target, endpoint, slice.getMetadata().getNamespace(), status));
                    }
                }
            }
        }
        return ClusterLoadAssignment.newBuilder()
                .setClusterName(clusterName)
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .setLoadBalancingWeight(UInt32Value.of(Math.max(1, byAddress.size())))
                        .addAllLbEndpoints(byAddress.values()))
                .build();
    }

    /** The slice's port for the Service port named {@code portName} (EndpointSlice ports carry the resolved targetPort). */
    static Integer targetPort(EndpointSlice slice, String portName) {
        if (slice.getPorts() == null) {
            return null;
        }
        for (EndpointPort p : slice.getPorts()) {
            String name = p.getName() == null ? "" : p.getName();
            boolean tcp = p.getProtocol() == null || "TCP".equals(p.getProtocol());
            if (name.equals(portName) && tcp && p.getPort() != null) {
                return p.getPort();
            }
        }
        return null;
    }

    /**
     * HEALTHY for ready endpoints (an unset ready condition counts as ready, as the API says);
     * DRAINING for serving but terminating ones; not-ready ones only with
     * publishNotReadyAddresses, as HEALTHY; otherwise null (left out).
     */
    static HealthStatus healthStatus(EndpointConditions conditions, boolean publishNotReady) {
        Boolean readyField = conditions == null ? null : conditions.getReady();
        boolean terminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
        boolean ready = readyField == null ? !terminating : readyField;
        Boolean servingField = conditions == null ? null : conditions.getServing();
        boolean serving = servingField == null ? ready : servingField;
        if (ready && !terminating) {
            return HealthStatus.HEALTHY;
        }
        if (terminating && serving) {
            return HealthStatus.DRAINING;
        }
        return publishNotReady ? HealthStatus.HEALTHY : null;
    }

    static LbEndpoint lbEndpoint(String ip, int port, io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint, String namespace,
                                 HealthStatus status) {
        Endpoint.Builder ep = Endpoint.newBuilder().setAddress(socket(ip, port));
        if (endpoint.getHostname() != null && !endpoint.getHostname().isEmpty()) {
            ep.setHostname(endpoint.getHostname());
        }
        Struct.Builder md = Struct.newBuilder();
        ObjectReference ref = endpoint.getTargetRef();
        if (ref != null && "Pod".equals(ref.getKind()) && ref.getName() != null) {
            md.putFields(XdsNames.MD_POD, str(ref.getName()));
            md.putFields(XdsNames.MD_NAMESPACE, str(Objects.requireNonNullElse(ref.getNamespace(), namespace)));
        }
        LbEndpoint.Builder lb = LbEndpoint.newBuilder().setEndpoint(ep).setHealthStatus(status);
        if (md.getFieldsCount() > 0) {
            lb.setMetadata(Metadata.newBuilder().putFilterMetadata(XdsNames.METADATA, md.build()));
        }
        return lb.build();
    }

    private static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
