package io.capstan.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;

import java.util.Optional;

/**
 * The names both ends of Capstan's xDS agree on. Resource names follow Istio
 * ({@code pilot/pkg/model/service.go} BuildSubsetKey, {@code networking/core/listener.go}); the
 * {@value #METADATA} filter-metadata keys are Capstan's own additions, which a plain Envoy ignores.
 * The contract as a whole is written down in {@code mesh/XDS.md}.
 */
public final class XdsNames {
    private XdsNames() {
    }

    public static final String CLUSTER_DOMAIN = "cluster.local";

    /** Filter-metadata namespace of Capstan's keys on Clusters and LbEndpoints. */
    public static final String METADATA = "capstan";
    /** Cluster metadata: the Service's FQDN. */
    public static final String MD_HOST = "host";
    /** Cluster metadata: the Service's name and namespace. */
    public static final String MD_SERVICE = "service";
    public static final String MD_NAMESPACE = "namespace";
    /** Cluster metadata: the Service's cluster IPs (list); absent for headless and ExternalName Services. */
    public static final String MD_VIPS = "vips";
    /** Cluster metadata: true for a headless Service (DNS answers the endpoints' IPs). */
    public static final String MD_HEADLESS = "headless";
    /** Cluster metadata: the target of an ExternalName Service (DNS answers a CNAME). */
    public static final String MD_EXTERNAL_NAME = "externalName";
    /** Cluster metadata: the Service port's name and protocol, "http" or "tcp". */
    public static final String MD_PORT_NAME = "portName";
    public static final String MD_PROTOCOL = "protocol";
    /** LbEndpoint metadata: the pod behind the endpoint, if any. */
    public static final String MD_POD = "pod";

    /** Node metadata keys a Capstan proxy sends (Istio's proxies send NODE_NAME too). */
    public static final String NODE_NAME = "NODE_NAME";
    public static final String NODE_IP = "NODE_IP";

    /** Group of proxyless gRPC clients (grpc-java, grpc-go): api listeners named host:port. */
    public static final String GROUP_GRPC = "grpc";
    /** Group prefix of node proxies: {@code node/<nodeName>} (its NodePort listeners are bound at the node's IP). */
    public static final String GROUP_NODE_PREFIX = "node/";
    /** Group of any other client (an Envoy without Capstan metadata): the cluster-wide listeners only. */
    public static final String GROUP_DEFAULT = "default";

    /** The four resource types of Capstan's xDS (java-control-plane's {@code Resources.V3} on the server side). */
    public static final String CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT_TYPE = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    public static final String LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String ROUTE_TYPE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

    /** Istio's filter-metadata namespace on Clusters ({@code services}: host, name, namespace). */
    public static final String ISTIO_METADATA = "istio";

    public static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
    public static final String TCP_PROXY_FILTER = "envoy.filters.network.tcp_proxy";
    public static final String ROUTER_FILTER = "envoy.filters.http.router";

    /** {@code web.default.svc.cluster.local}. */
    public static String serviceHost(String name, String namespace) {
        return name + "." + namespace + ".svc." + CLUSTER_DOMAIN;
    }

    /** {@code outbound|80||web.default.svc.cluster.local}; subset may be empty. */
    public static String outboundCluster(int port, String subset, String host) {
        return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
    }

    /** The parts of an outbound cluster name, or empty for any other name. */
    public static Optional<ClusterKey> parseOutboundCluster(String name) {
        String[] parts = name.split("\\|", -1);
        if (parts.length != 4 || !parts[0].equals("outbound")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ClusterKey(Integer.parseInt(parts[1]), parts[2], parts[3]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public record ClusterKey(int port, String subset, String host) {
    }

    /** Listener bound at an address: {@code 127.96.0.10_80}. */
    public static String listenerName(String ip, int port) {
        return ip + "_" + port;
    }

    /** RouteConfiguration of a Service's HTTP port, and the proxyless gRPC listener's name: {@code host:port}. */
    public static String hostPort(String host, int port) {
        return host + ":" + port;
    }

    /** Istio's node id shape, {@code <type>~<ip>~<id>~<domain>}, for a Capstan node proxy. */
    public static String nodeProxyId(String nodeName, String nodeIp) {
        return "router~" + nodeIp + "~capstan-proxy-" + nodeName + ".kube-system~kube-system.svc." + CLUSTER_DOMAIN;
    }

    /** The node a Capstan proxy sends: id, cluster and the NODE_NAME/NODE_IP metadata. */
    public static Node nodeProxy(String nodeName, String nodeIp) {
        return Node.newBuilder()
                .setId(nodeProxyId(nodeName, nodeIp))
                .setCluster("capstan-proxy")
                .setUserAgentName("capstan-proxy")
                .setMetadata(Struct.newBuilder()
                        .putFields(NODE_NAME, Value.newBuilder().setStringValue(nodeName).build())
                        .putFields(NODE_IP, Value.newBuilder().setStringValue(nodeIp).build()))
                .build();
    }

    /**
     * The snapshot group of a client: {@value #GROUP_GRPC} for gRPC's proxyless clients (their
     * {@code user_agent_name} starts with "gRPC"), {@code node/<name>} for a client that names its
     * node in NODE_NAME, {@value #GROUP_DEFAULT} otherwise.
     */
    public static String group(Node node) {
        if (node.getUserAgentName().startsWith("gRPC")) {
            return GROUP_GRPC;
        }
        Value nodeName = node.getMetadata().getFieldsMap().get(NODE_NAME);
        if (nodeName != null && !nodeName.getStringValue().isEmpty()) {
            return GROUP_NODE_PREFIX + nodeName.getStringValue();
        }
        return GROUP_DEFAULT;
    }
}
