package io.capstan.proxy.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.v3.HashPolicy;
import io.netty.util.NetUtil;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns discovery responses into the proxy's validated specs, or says everything that is wrong
 * with one: a pure function, so the whole response can be NACKed before anything is applied.
 * It accepts exactly the shapes of {@code mesh/XDS.md} (and what Envoy would accept around them
 * where it costs nothing, such as an inline route_config); anything it would have to ignore
 * silently is an error instead, so the control plane hears about it.
 */
public final class XdsTranslator {

    private static final String HCM_TYPE = "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName();
    private static final String TCP_PROXY_TYPE = "type.googleapis.com/" + TcpProxy.getDescriptor().getFullName();
    /** The router's pre-v3 name, which Envoy still accepts. */
    private static final String LEGACY_ROUTER = "envoy.router";

    private XdsTranslator() {
    }

    public static List<ClusterSpec> clusters(List<Any> resources) throws InvalidConfigException {
        List<String> errors = new ArrayList<>();
        List<ClusterSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < resources.size(); i++) {
            Cluster c = unpack(resources.get(i), Cluster.class, "clusters[" + i + "]", errors);
            if (c == null) {
                continue;
            }
            String path = "Cluster \"" + c.getName() + "\"";
            int before = errors.size();
            if (c.getName().isEmpty()) {
                errors.add("clusters[" + i + "]: name is empty");
            } else if (!names.add(c.getName())) {
                errors.add(path + ": duplicate name");
            }
            LbPolicy policy = switch (c.getLbPolicy()) {
                case ROUND_ROBIN -> LbPolicy.ROUND_ROBIN;
                case LEAST_REQUEST -> LbPolicy.LEAST_REQUEST;
                case RANDOM -> LbPolicy.RANDOM;
                case RING_HASH -> LbPolicy.RING_HASH;
                default -> {
                    errors.add(path + ": lb_policy " + c.getLbPolicy() + " is not supported (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH are)");
                    yield null;
                }
            };
            Struct md = c.getMetadata().getFilterMetadataOrDefault(XdsNames.METADATA, Struct.getDefaultInstance());
            String externalName = string(md, XdsNames.MD_EXTERNAL_NAME);
            String edsName = null;
            switch (c.getClusterDiscoveryTypeCase()) {
                case TYPE -> {
                    if (c.getType() == Cluster.DiscoveryType.EDS) {
                        if (!c.getEdsClusterConfig().getEdsConfig().hasAds()
                                && !c.getEdsClusterConfig().getEdsConfig().hasSelf()) {
                            errors.add(path + ": eds_cluster_config.eds_config must be ads or self (the proxy speaks ADS only)");
                        }
                        edsName = c.getEdsClusterConfig().getServiceName().isEmpty()
                                ? c.getName() : c.getEdsClusterConfig().getServiceName();
                    } else if (c.getType() == Cluster.DiscoveryType.STRICT_DNS && !externalName.isEmpty()) {
                        // An ExternalName Service: DNS answers a CNAME; no listener points at it.
                    } else {
                        errors.add(path + ": type " + c.getType() + " is not supported (EDS, and STRICT_DNS with capstan.externalName, are)");
                    }
                }
                default -> errors.add(path + ": cluster_type extensions are not supported");
            }
            if (errors.size() > before) {
                continue;
            }
            int servicePort = XdsNames.parseOutboundCluster(c.getName()).map(XdsNames.ClusterKey::port).orElse(0);
            Duration timeout = c.hasConnectTimeout()
                    ? Duration.ofSeconds(c.getConnectTimeout().getSeconds(), c.getConnectTimeout().getNanos())
                    : Duration.ofSeconds(5);
            out.add(new ClusterSpec(c.getName(), edsName, policy, timeout,
                    string(md, XdsNames.MD_HOST), string(md, XdsNames.MD_SERVICE), string(md, XdsNames.MD_NAMESPACE),
                    strings(md, XdsNames.MD_VIPS), bool(md, XdsNames.MD_HEADLESS), externalName,
                    string(md, XdsNames.MD_PORT_NAME), string(md, XdsNames.MD_PROTOCOL), servicePort));
        }
        check(errors);
        return out;
    }

    public static List<LoadAssignmentSpec> loadAssignments(List<Any> resources) throws InvalidConfigException {
        List<String> errors = new ArrayList<>();
        List<LoadAssignmentSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < resources.size(); i++) {
            ClusterLoadAssignment cla = unpack(resources.get(i), ClusterLoadAssignment.class, "endpoints[" + i + "]", errors);
            if (cla == null) {
                continue;
            }
            String path = "ClusterLoadAssignment \"" + cla.getClusterName() + "\"";
            if (!names.add(cla.getClusterName())) {
                errors.add(path + ": duplicate name");
                continue;
            }
            List<EndpointSpec> endpoints = new ArrayList<>();
            for (int l = 0; l < cla.getEndpointsCount(); l++) {
                LocalityLbEndpoints locality = cla.getEndpoints(l);
                for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
                    LbEndpoint lb = locality.getLbEndpoints(e);
                    String epPath = path + " endpoints[" + l + "].lb_endpoints[" + e + "]";
                    if (!lb.hasEndpoint() || !lb.getEndpoint().getAddress().hasSocketAddress()) {
                        errors.add(epPath + ": endpoint.address.socket_address is required");
                        continue;
                    }
                    SocketAddress sa = lb.getEndpoint().getAddress().getSocketAddress();
                    if (!isIpLiteral(sa.getAddress())) {
                        errors.add(epPath + ": address \"" + sa.getAddress() + "\" is not an IP address");
                        continue;
                    }
                    if (sa.getPortValue() <= 0 || sa.getPortValue() > 65535) {
                        errors.add(epPath + ": port_value " + sa.getPortValue() + " is out of range");
                        continue;
                    }
                    endpoints.add(new EndpointSpec(sa.getAddress(), sa.getPortValue(),
                            lb.getEndpoint().getHostname(), health(lb.getHealthStatus())));
                }
            }
            out.add(new LoadAssignmentSpec(cla.getClusterName(), endpoints));
        }
        check(errors);
        return out;
    }

    public static List<ListenerSpec> listeners(List<Any> resources) throws InvalidConfigException {
        List<String> errors = new ArrayList<>();
        List<ListenerSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> sockets = new HashSet<>();
        for (int i = 0; i < resources.size(); i++) {
            Listener l = unpack(resources.get(i), Listener.class, "listeners[" + i + "]", errors);
            if (l == null) {
                continue;
            }
            String path = "Listener \"" + l.getName() + "\"";
            if (!names.add(l.getName())) {
                errors.add(path + ": duplicate name");
                continue;
            }
            if (l.hasApiListener()) {
                errors.add(path + ": api_listener is for proxyless gRPC clients; a node proxy needs a socket address");
                continue;
            }
            if (!l.hasAddress() || !l.getAddress().hasSocketAddress()) {
                errors.add(path + ": address.socket_address is required");
                continue;
            }
            SocketAddress sa = l.getAddress().getSocketAddress();
            if (!isIpLiteral(sa.getAddress())) {
                errors.add(path + ": address \"" + sa.getAddress() + "\" is not an IP address");
                continue;
            }
            if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
                errors.add(path + ": protocol " + sa.getProtocol() + " is not supported (TCP is)");
                continue;
            }
            if (sa.getPortValue() <= 0 || sa.getPortValue() > 65535) {
                errors.add(path + ": port_value " + sa.getPortValue() + " is out of range");
                continue;
            }
            if (!sockets.add(sa.getAddress() + ":" + sa.getPortValue())) {
                errors.add(path + ": another listener already has address " + sa.getAddress() + ":" + sa.getPortValue());
                continue;
            }
            if (l.getFilterChainsCount() != 1 || l.hasDefaultFilterChain()) {
                errors.add(path + ": exactly one filter chain is supported, found " + l.getFilterChainsCount()
                        + (l.hasDefaultFilterChain() ? " and a default_filter_chain" : ""));
                continue;
            }
            var chain = l.getFilterChains(0);
            if (chain.hasFilterChainMatch() || chain.hasTransportSocket()) {
                errors.add(path + ": filter_chain_match and transport_socket are not supported");
                continue;
            }
            if (chain.getFiltersCount() != 1) {
                errors.add(path + ": exactly one network filter is supported, found " + chain.getFiltersCount());
                continue;
            }
            ListenerSpec.NetworkFilter filter = networkFilter(chain.getFilters(0), path + " filter_chains[0].filters[0]", errors);
            if (filter != null) {
                out.add(new ListenerSpec(l.getName(), sa.getAddress(), sa.getPortValue(), filter));
            }
        }
        check(errors);
        return out;
    }

    /** Every listener on its own socket address (across responses, for incremental LDS). */
    public static void checkUniqueSockets(Collection<ListenerSpec> listeners) throws InvalidConfigException {
        List<String> errors = new ArrayList<>();
        Map<String, String> sockets = new HashMap<>(listeners.size() * 2);
        for (ListenerSpec l : listeners) {
            String other = sockets.putIfAbsent(l.ip() + ":" + l.port(), l.name());
            if (other != null) {
                errors.add("Listener \"" + l.name() + "\": listener \"" + other + "\" already has address " + l.ip() + ":" + l.port());
            }
        }
        check(errors);
    }

    public static List<RouteTable> routes(List<Any> resources) throws InvalidConfigException {
        List<String> errors = new ArrayList<>();
        List<RouteTable> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < resources.size(); i++) {
            RouteConfiguration rc = unpack(resources.get(i), RouteConfiguration.class, "routes[" + i + "]", errors);
            if (rc == null) {
                continue;
            }
            if (!names.add(rc.getName())) {
                errors.add("RouteConfiguration \"" + rc.getName() + "\": duplicate name");
                continue;
            }
            RouteTable t = routeTable(rc, "RouteConfiguration \"" + rc.getName() + "\"", errors);
            if (t != null) {
                out.add(t);
            }
        }
        check(errors);
        return out;
    }

    private static ListenerSpec.NetworkFilter networkFilter(Filter f, String path, List<String> errors) {
        if (!f.hasTypedConfig()) {
            errors.add(path + " (" + f.getName() + "): typed_config is required");
            return null;
        }
        String type = f.getTypedConfig().getTypeUrl();
        if (type.equals(TCP_PROXY_TYPE)) {
            TcpProxy tp = unpack(f.getTypedConfig(), TcpProxy.class, path, errors);
            if (tp == null) {
                return null;
            }
            if (tp.getClusterSpecifierCase() != TcpProxy.ClusterSpecifierCase.CLUSTER || tp.getCluster().isEmpty()) {
                errors.add(path + ": tcp_proxy needs a cluster (weighted_clusters is not supported)");
                return null;
            }
            boolean hashSourceIp = false;
            for (HashPolicy hp : tp.getHashPolicyList()) {
                if (hp.hasSourceIp()) {
                    hashSourceIp = true;
                } else {
                    errors.add(path + ": tcp_proxy hash_policy " + hp.getPolicySpecifierCase() + " is not supported (source_ip is)");
                }
            }
            return new ListenerSpec.TcpProxy(tp.getCluster(), hashSourceIp);
        }
        if (type.equals(HCM_TYPE)) {
            HttpConnectionManager hcm = unpack(f.getTypedConfig(), HttpConnectionManager.class, path, errors);
            if (hcm == null) {
                return null;
            }
            int before = errors.size();
            List<HttpFilter> httpFilters = hcm.getHttpFiltersList();
            if (httpFilters.isEmpty() || !isRouter(httpFilters.get(httpFilters.size() - 1).getName())) {
                errors.add(path + ": http_filters must end with " + XdsNames.ROUTER_FILTER);
            }
            for (int i = 0; i < httpFilters.size() - 1; i++) {
                errors.add(path + ".http_filters[" + i + "]: unknown HTTP filter \"" + httpFilters.get(i).getName() + "\"");
            }
            if (hcm.getCodecType() == HttpConnectionManager.CodecType.HTTP2 || hcm.getCodecType() == HttpConnectionManager.CodecType.HTTP3) {
                errors.add(path + ": codec_type " + hcm.getCodecType() + " is not supported (HTTP/1.1 only)");
            }
            switch (hcm.getRouteSpecifierCase()) {
                case RDS -> {
                    if (!hcm.getRds().getConfigSource().hasAds() && !hcm.getRds().getConfigSource().hasSelf()) {
                        errors.add(path + ": rds.config_source must be ads or self");
                    }
                    if (hcm.getRds().getRouteConfigName().isEmpty()) {
                        errors.add(path + ": rds.route_config_name is empty");
                    }
                    return errors.size() > before ? null
                            : new ListenerSpec.HttpConnectionManager(hcm.getRds().getRouteConfigName(), null);
                }
                case ROUTE_CONFIG -> {
                    RouteTable inline = routeTable(hcm.getRouteConfig(), path + ".route_config", errors);
                    return errors.size() > before || inline == null ? null : new ListenerSpec.HttpConnectionManager(null, inline);
                }
                default -> {
                    errors.add(path + ": route_specifier " + hcm.getRouteSpecifierCase() + " is not supported (rds or route_config are)");
                    return null;
                }
            }
        }
        errors.add(path + ": unknown network filter \"" + f.getName() + "\" (" + type + ")");
        return null;
    }

    private static boolean isRouter(String name) {
        return name.equals(XdsNames.ROUTER_FILTER) || name.equals(LEGACY_ROUTER);
    }

    private static RouteTable routeTable(RouteConfiguration rc, String path, List<String> errors) {
        int before = errors.size();
        List<RouteTable.VirtualHost> vhosts = new ArrayList<>();
        for (int v = 0; v < rc.getVirtualHostsCount(); v++) {
            var vh = rc.getVirtualHosts(v);
            String vpath = path + " virtual_hosts[" + v + "]";
            if (vh.getDomainsCount() == 0) {
                errors.add(vpath + ": domains is empty");
            }
            RetryPolicy vhRetry = vh.hasRetryPolicy() ? vh.getRetryPolicy() : null;
            List<RouteTable.Route> routes = new ArrayList<>();
            for (int r = 0; r < vh.getRoutesCount(); r++) {
                var route = vh.getRoutes(r);
                String rpath = vpath + ".routes[" + r + "]";
                var match = route.getMatch();
                if (match.getHeadersCount() > 0 || match.getQueryParametersCount() > 0 || match.hasRuntimeFraction()
                        || match.hasGrpc() || match.hasTlsContext() || match.getDynamicMetadataCount() > 0) {
                    errors.add(rpath + ".match: only prefix and path matches are supported");
                    continue;
                }
                String p;
                boolean exact;
                switch (match.getPathSpecifierCase()) {
                    case PREFIX -> {
                        p = match.getPrefix();
                        exact = false;
                    }
                    case PATH -> {
                        p = match.getPath();
                        exact = true;
                    }
                    default -> {
                        errors.add(rpath + ".match: " + match.getPathSpecifierCase() + " is not supported (prefix and path are)");
                        continue;
                    }
                }
                if (match.hasCaseSensitive() && !match.getCaseSensitive().getValue()) {
                    errors.add(rpath + ".match: case_sensitive false is not supported");
                    continue;
                }
                if (!route.hasRoute()) {
                    errors.add(rpath + ": action " + route.getActionCase() + " is not supported (route is)");
                    continue;
                }
                RouteAction action = route.getRoute();
                if (action.getClusterSpecifierCase() != RouteAction.ClusterSpecifierCase.CLUSTER) {
                    errors.add(rpath + ".route: " + action.getClusterSpecifierCase() + " is not supported (cluster is)");
                    continue;
                }
                RetryPolicy retry = action.hasRetryPolicy() ? action.getRetryPolicy() : vhRetry;
                int retries = retry == null ? 0 : retry.hasNumRetries() ? retry.getNumRetries().getValue() : 1;
                boolean hashSourceIp = false;
                for (RouteAction.HashPolicy hp : action.getHashPolicyList()) {
                    if (hp.hasConnectionProperties() && hp.getConnectionProperties().getSourceIp()) {
                        hashSourceIp = true;
                    } else {
                        errors.add(rpath + ".route.hash_policy: " + hp.getPolicySpecifierCase() + " is not supported (connection_properties.source_ip is)");
                    }
                }
                routes.add(new RouteTable.Route(p, exact, action.getCluster(), retries, hashSourceIp));
            }
            vhosts.add(new RouteTable.VirtualHost(vh.getName(), vh.getDomainsList(), routes));
        }
        return errors.size() > before ? null : new RouteTable(rc.getName(), vhosts);
    }

    private static EndpointSpec.Health health(HealthStatus s) {
        return switch (s) {
            case HEALTHY, UNKNOWN -> EndpointSpec.Health.HEALTHY;
            case DRAINING -> EndpointSpec.Health.DRAINING;
            default -> EndpointSpec.Health.UNHEALTHY;
        };
    }

    private static <T extends Message> T unpack(Any any, Class<T> type, String path, List<String> errors) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            errors.add(path + ": cannot unpack " + any.getTypeUrl() + " as " + type.getSimpleName() + ": " + e.getMessage());
            return null;
        }
    }

    /** An IPv4 or IPv6 literal (never a host name: resolving one would block). */
    static boolean isIpLiteral(String s) {
        return NetUtil.isValidIpV4Address(s) || NetUtil.isValidIpV6Address(s);
    }

    private static String string(Struct md, String key) {
        Value v = md.getFieldsOrDefault(key, null);
        return v == null ? "" : v.getStringValue();
    }

    private static boolean bool(Struct md, String key) {
        Value v = md.getFieldsOrDefault(key, null);
        return v != null && v.getBoolValue();
    }

    private static List<String> strings(Struct md, String key) {
        Value v = md.getFieldsOrDefault(key, null);
        if (v == null) {
            return List.of();
        }
        if (v.hasListValue()) {
            return v.getListValue().getValuesList().stream().map(Value::getStringValue).filter(s -> !s.isEmpty()).toList();
        }
        return v.getStringValue().isEmpty() ? List.of() : List.of(v.getStringValue());
    }

    private static void check(List<String> errors) throws InvalidConfigException {
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
    }
}
