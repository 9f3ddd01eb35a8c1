package io.capstan.mesh.translate;

import com.google.protobuf.InvalidProtocolBufferException;
import io.capstan.mesh.translate.MeshResources.GroupResources;
import io.capstan.mesh.xds.SnapshotConsistency;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsSimpleLB;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class XdsTranslatorTest {
    static final String HOST = "web.default.svc.cluster.local";
    static final String C80 = "outbound|80||" + HOST;

    static ServicePort port(String name, int port, String appProtocol, String protocol) {
        return new ServicePortBuilder().withName(name).withPort(port).withAppProtocol(appProtocol).withProtocol(protocol).build();
    }

    static ServiceBuilder service(ServicePort... ports) {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP("10.96.0.10").withClusterIPs("10.96.0.10").withPorts(ports).endSpec();
    }

    static EndpointSlice slice(String portName, int targetPort, io.fabric8.kubernetes.api.model.discovery.v1.Endpoint... endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withName("web-abc").withNamespace("default")
                .addToLabels(ClusterState.SERVICE_NAME_LABEL, "web").endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName(portName).withPort(targetPort).withProtocol("TCP").endPort()
                .withEndpoints(endpoints).build();
    }

    static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint(String ip, Boolean ready, Boolean serving, Boolean terminating) {
        return new EndpointBuilder().withAddresses(ip).withHostname("web-" + ip.substring(ip.lastIndexOf('.') + 1))
                .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
                .withNewTargetRef().withKind("Pod").withName("pod-" + ip).withNamespace("default").endTargetRef().build();
    }

    static Node node(String name, String ip) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build();
    }

    /** Parsed from JSON, as the informer converts feed events, so the lbPolicy union is read as the api-server stores it. */
    static DestinationRule rule(String host, LoadBalancerSettingsSimpleLB lb) {
        String json = """
                {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"dr","namespace":"default"},
                 "spec":{"host":"%s","trafficPolicy":{"loadBalancer":{"simple":"%s"}}}}""".formatted(host, lb.name());
        return new KubernetesSerialization().unmarshal(json, DestinationRule.class);
    }

    static MeshResources translate(List<Service> services, List<EndpointSlice> slices, List<Node> nodes, List<DestinationRule> rules) {
        return new XdsTranslator().translate(ClusterState.of(services, slices, nodes, rules));
    }

    static GroupResources group(Service service, String group, EndpointSlice... slices) {
        GroupResources r = translate(List.of(service), List.of(slices), List.of(node("n1", "10.0.0.1")), List.of()).forGroup(group, null);
        assertThat(new SnapshotConsistency().check(r)).as("consistency").isEmpty();
        return r;
    }

    static <T> List<String> names(List<T> items, Function<T, String> name) {
        return items.stream().map(name).toList();
    }

    static HttpConnectionManager hcm(Listener l) throws InvalidProtocolBufferException {
        return l.hasApiListener() ? l.getApiListener().getApiListener().unpack(HttpConnectionManager.class)
                : l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }

    static Stream<Arguments> protocols() {
        return Stream.of(
                Arguments.of("name http", port("http", 80, null, "TCP"), true),
                Arguments.of("name http-web", port("http-web", 80, null, "TCP"), true),
                Arguments.of("name grpc-web", port("grpc-web", 80, null, "TCP"), true),
                Arguments.of("name GRPC-x (case-insensitive)", port("GRPC-x", 80, null, "TCP"), true),
                Arguments.of("name httpx is not http-", port("httpx", 80, null, "TCP"), false),
                Arguments.of("name redis", port("redis", 80, null, "TCP"), false),
                Arguments.of("no name", port(null, 80, null, "TCP"), false),
                Arguments.of("appProtocol kubernetes.io/h2c", port("x", 80, "kubernetes.io/h2c", "TCP"), true),
                Arguments.of("appProtocol grpc", port("x", 80, "grpc", "TCP"), true),
                Arguments.of("appProtocol mysql beats name http", port("http", 80, "mysql", "TCP"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("protocols")
    void portProtocolFollowsIstiosSelection(String name, ServicePort port, boolean http) {
        assertThat(Protocols.isHttp(port)).isEqualTo(http);
        GroupResources r = group(service(port).build(), XdsNames.GROUP_DEFAULT);
        Listener l = r.listeners().getFirst();
        assertThat(l.getName()).isEqualTo("10.96.0.10_80");
        assertThat(l.getFilterChains(0).getFilters(0).getName()).isEqualTo(http ? XdsNames.HCM_FILTER : XdsNames.TCP_PROXY_FILTER);
        assertThat(r.routes()).hasSize(http ? 1 : 0);
    }

    static Stream<Arguments> lbPolicies() {
        return Stream.of(
                Arguments.of("no rule: LEAST_REQUEST", null, null, Cluster.LbPolicy.LEAST_REQUEST, Cluster.LbPolicy.LEAST_REQUEST),
                Arguments.of("ROUND_ROBIN by short host", rule("web", LoadBalancerSettingsSimpleLB.ROUND_ROBIN), null,
                        Cluster.LbPolicy.ROUND_ROBIN, Cluster.LbPolicy.ROUND_ROBIN),
                Arguments.of("RANDOM by FQDN (grpc gets ROUND_ROBIN)", rule(HOST, LoadBalancerSettingsSimpleLB.RANDOM), null,
                        Cluster.LbPolicy.RANDOM, Cluster.LbPolicy.ROUND_ROBIN),
                Arguments.of("LEAST_CONN by wildcard", rule("*.default.svc.cluster.local", LoadBalancerSettingsSimpleLB.LEAST_CONN), null,
                        Cluster.LbPolicy.LEAST_REQUEST, Cluster.LbPolicy.LEAST_REQUEST),
                Arguments.of("rule for another host", rule("api", LoadBalancerSettingsSimpleLB.RANDOM), null,
                        Cluster.LbPolicy.LEAST_REQUEST, Cluster.LbPolicy.LEAST_REQUEST),
                Arguments.of("ClientIP affinity: RING_HASH", rule("web", LoadBalancerSettingsSimpleLB.RANDOM), "ClientIP",
                        Cluster.LbPolicy.RING_HASH, Cluster.LbPolicy.RING_HASH));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lbPolicies")
    void clusterLbPolicyComesFromDestinationRuleOrAffinity(String name, DestinationRule rule, String affinity, Cluster.LbPolicy expected,
                                                           Cluster.LbPolicy grpc) {
        Service svc = service(port("http", 80, null, "TCP")).editSpec().withSessionAffinity(affinity).endSpec().build();
        MeshResources m = translate(List.of(svc), List.of(), List.of(), rule == null ? List.of() : List.of(rule));
        assertThat(m.forGroup(XdsNames.GROUP_DEFAULT, null).clusters().getFirst().getLbPolicy()).isEqualTo(expected);
        assertThat(m.forGroup(XdsNames.GROUP_GRPC, null).clusters().getFirst().getLbPolicy()).isEqualTo(grpc);
    }

    static Stream<Arguments> endpointConditions() {
        return Stream.of(
                Arguments.of("ready", true, true, false, false, HealthStatus.HEALTHY),
                Arguments.of("conditions unset count as ready", null, null, null, false, HealthStatus.HEALTHY),
                Arguments.of("serving and terminating: DRAINING", false, true, true, false, HealthStatus.DRAINING),
                Arguments.of("terminating, not serving: left out", false, false, true, false, null),
                Arguments.of("not ready: left out", false, false, false, false, null),
                Arguments.of("not ready with publishNotReadyAddresses", false, false, false, true, HealthStatus.HEALTHY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpointConditions")
    void endpointHealthFollowsSliceConditions(String name, Boolean ready, Boolean serving, Boolean terminating, boolean publishNotReady,
                                              HealthStatus expected) {
        Service svc = service(port("http", 80, null, "TCP")).editSpec().withPublishNotReadyAddresses(publishNotReady).endSpec().build();
        ClusterLoadAssignment cla = group(svc, XdsNames.GROUP_DEFAULT, slice("http", 8080, endpoint("10.244.0.5", ready, serving, terminating)))
                .endpoints().getFirst();
        List<LbEndpoint> eps = cla.getEndpoints(0).getLbEndpointsList();
        if (expected == null) {
            assertThat(eps).isEmpty();
        } else {
            assertThat(eps).singleElement().satisfies(e -> assertThat(e.getHealthStatus()).isEqualTo(expected));
        }
    }

    @Test
    void clusterIpHttpServiceGetsClusterLoadAssignmentListenerAndRoute() throws Exception {
        GroupResources r = group(service(port("http", 80, null, "TCP")).build(), XdsNames.GROUP_DEFAULT,
                slice("http", 8080, endpoint("10.244.0.5", true, true, false), endpoint("10.244.0.6", true, true, false)));
        Cluster c = r.clusters().getFirst();
        assertThat(c.getName()).isEqualTo(C80);
        assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(c.getEdsClusterConfig().getServiceName()).isEqualTo(C80);
        assertThat(c.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
        assertThat(c.getConnectTimeout().getSeconds()).isEqualTo(10);
        var md = c.getMetadata().getFilterMetadataOrThrow(XdsNames.METADATA).getFieldsMap();
        assertThat(md.get(XdsNames.MD_HOST).getStringValue()).isEqualTo(HOST);
        assertThat(md.get(XdsNames.MD_VIPS).getListValue().getValues(0).getStringValue()).isEqualTo("10.96.0.10");
        assertThat(md.get(XdsNames.MD_HEADLESS).getBoolValue()).isFalse();
        assertThat(md.get(XdsNames.MD_PROTOCOL).getStringValue()).isEqualTo("http");
        assertThat(c.getMetadata().getFilterMetadataOrThrow("istio").getFieldsMap().get("services").getListValue().getValues(0)
                .getStructValue().getFieldsMap().get("host").getStringValue()).isEqualTo(HOST);

        ClusterLoadAssignment cla = r.endpoints().getFirst();
        assertThat(cla.getClusterName()).isEqualTo(C80);
        assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(2);
        LbEndpoint e = cla.getEndpoints(0).getLbEndpoints(0);
        assertThat(e.getEndpoint().getAddress().getSocketAddress().getAddress()).isEqualTo("10.244.0.5");
        assertThat(e.getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
        assertThat(e.getEndpoint().getHostname()).isEqualTo("web-5");
        assertThat(e.getMetadata().getFilterMetadataOrThrow(XdsNames.METADATA).getFieldsMap().get(XdsNames.MD_POD).getStringValue())
                .isEqualTo("pod-10.244.0.5");

        assertThat(names(r.listeners(), Listener::getName)).containsExactly("10.96.0.10_80");
        Listener l = r.listeners().getFirst();
        assertThat(l.getAddress().getSocketAddress().getAddress()).isEqualTo("10.96.0.10");
        HttpConnectionManager hcm = hcm(l);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(HOST + ":80");
        assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName()).containsExactly(XdsNames.ROUTER_FILTER);

        RouteConfiguration route = r.routes().getFirst();
        assertThat(route.getName()).isEqualTo(HOST + ":80");
        assertThat(route.getVirtualHosts(0).getName()).isEqualTo(HOST + ":80");
        assertThat(route.getVirtualHosts(0).getDomainsList()).containsExactly("*");
        var action = route.getVirtualHosts(0).getRoutes(0).getRoute();
        assertThat(route.getVirtualHosts(0).getRoutes(0).getMatch().getPrefix()).isEqualTo("/");
        assertThat(action.getCluster()).isEqualTo(C80);
        assertThat(action.getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
        assertThat(action.getRetryPolicy().getRetryOn()).isEqualTo("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
    }

    @Test
    void serviceWithoutEndpointsStillHasAnEmptyLoadAssignmentOfWeightOne() {
        ClusterLoadAssignment cla = group(service(port("http", 80, null, "TCP")).build(), XdsNames.GROUP_DEFAULT).endpoints().getFirst();
        assertThat(cla.getEndpoints(0).getLbEndpointsCount()).isZero();
        assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(1);
    }

    @Test
    void targetPortIsResolvedPerSliceByPortName() {
        Service svc = service(port("http", 80, null, "TCP"), port("metrics", 9090, null, "TCP")).build();
        EndpointSlice a = new EndpointSliceBuilder(slice("http", 8080, endpoint("10.244.0.5", true, true, false)))
                .addNewPort().withName("metrics").withPort(9100).withProtocol("TCP").endPort().build();
        GroupResources r = group(svc, XdsNames.GROUP_DEFAULT, a);
        assertThat(r.endpoints()).extracting(cla -> cla.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getPortValue())
                .containsExactly(8080, 9100);
    }

    @Test
    void tcpPortWithClientIpAffinityHashesOnSourceIp() throws Exception {
        Service svc = service(port("redis", 6379, null, "TCP")).editSpec().withSessionAffinity("ClientIP").endSpec().build();
        GroupResources r = group(svc, XdsNames.GROUP_DEFAULT);
        TcpProxy proxy = r.listeners().getFirst().getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class);
        assertThat(proxy.getCluster()).isEqualTo("outbound|6379||" + HOST);
        assertThat(proxy.getStatPrefix()).isNotEmpty();
        assertThat(proxy.getHashPolicy(0).hasSourceIp()).isTrue();
        assertThat(r.routes()).isEmpty();
    }

    @Test
    void httpPortWithClientIpAffinityHashesRoutesOnSourceIp() {
        Service svc = service(port("http", 80, null, "TCP")).editSpec().withSessionAffinity("ClientIP").endSpec().build();
        var action = group(svc, XdsNames.GROUP_DEFAULT).routes().getFirst().getVirtualHosts(0).getRoutes(0).getRoute();
        assertThat(action.getHashPolicy(0).getConnectionProperties().getSourceIp()).isTrue();
    }

    @Test
    void headlessServiceHasClusterAndEndpointsButNoListenersOrRoutes() {
        Service svc = service(port("http", 80, null, "TCP")).editSpec().withClusterIP("None").withClusterIPs("None").endSpec().build();
        for (String g : List.of(XdsNames.GROUP_DEFAULT, XdsNames.GROUP_GRPC, "node/n1")) {
            GroupResources r = group(svc, g, slice("http", 8080, endpoint("10.244.0.5", true, true, false)));
            assertThat(r.clusters()).singleElement().satisfies(c -> {
                var md = c.getMetadata().getFilterMetadataOrThrow(XdsNames.METADATA).getFieldsMap();
                assertThat(md.get(XdsNames.MD_HEADLESS).getBoolValue()).isTrue();
                assertThat(md.get(XdsNames.MD_VIPS).getListValue().getValuesCount()).isZero();
            });
            assertThat(r.endpoints()).hasSize(1);
            assertThat(r.listeners()).isEmpty();
            assertThat(r.routes()).isEmpty();
        }
    }

    @Test
    void externalNameServiceIsAStrictDnsClusterWithoutEndpointsOrListeners() {
        Service svc = new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("example.com").endSpec().build();
        GroupResources r = group(svc, XdsNames.GROUP_DEFAULT);
        Cluster c = r.clusters().getFirst();
        assertThat(c.getName()).isEqualTo(C80);
        assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
        assertThat(c.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getAddress())
                .isEqualTo("example.com");
        assertThat(c.getMetadata().getFilterMetadataOrThrow(XdsNames.METADATA).getFieldsMap().get(XdsNames.MD_EXTERNAL_NAME).getStringValue())
                .isEqualTo("example.com");
        assertThat(r.endpoints()).isEmpty();
        assertThat(r.listeners()).isEmpty();
        assertThat(group(svc, XdsNames.GROUP_GRPC).clusters().getFirst().getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    }

    @Test
    void nodePortListenersAreBoundAtTheNodeIpForNodeGroupsOnly() {
        Service svc = service(port("http", 80, null, "TCP")).editSpec().withType("NodePort").editFirstPort().withNodePort(30080).endPort()
                .endSpec().build();
        MeshResources m = translate(List.of(svc), List.of(), List.of(node("n1", "10.0.0.1")), List.of());
        assertThat(names(m.forGroup("node/n1", null).listeners(), Listener::getName)).containsExactly("10.96.0.10_80", "10.0.0.1_30080");
        assertThat(names(m.forGroup("node/n1", "127.0.1.5").listeners(), Listener::getName)).containsExactly("10.96.0.10_80", "127.0.1.5_30080");
        assertThat(names(m.forGroup(XdsNames.GROUP_DEFAULT, null).listeners(), Listener::getName)).containsExactly("10.96.0.10_80");
        assertThat(names(m.forGroup("node/unknown", null).listeners(), Listener::getName)).containsExactly("10.96.0.10_80");
        Listener np = m.forGroup("node/n1", null).listeners().get(1);
        assertThat(np.getFilterChains(0)).isSameAs(m.forGroup("node/n1", null).listeners().get(0).getFilterChains(0));
    }

    @Test
    void loadBalancerIngressIpsGetListenersAndNodePorts() {
        Service svc = service(port("redis", 6379, null, "TCP")).editSpec().withType("LoadBalancer").editFirstPort().withNodePort(31000)
                .endPort().endSpec().withNewStatus().withNewLoadBalancer().addNewIngress().withIp("192.168.50.1").endIngress()
                .endLoadBalancer().endStatus().build();
        MeshResources m = translate(List.of(svc), List.of(), List.of(node("n1", "10.0.0.1")), List.of());
        assertThat(names(m.forGroup("node/n1", null).listeners(), Listener::getName))
                .containsExactly("10.96.0.10_6379", "192.168.50.1_6379", "10.0.0.1_31000");
        assertThat(names(m.forGroup(XdsNames.GROUP_DEFAULT, null).listeners(), Listener::getName))
                .containsExactly("10.96.0.10_6379", "192.168.50.1_6379");
    }

    @Test
    void grpcGroupGetsApiListenersAndRoutesForEveryPort() throws Exception {
        Service svc = service(port("grpc", 50051, null, "TCP"), port("redis", 6379, null, "TCP")).build();
        GroupResources r = group(svc, XdsNames.GROUP_GRPC);
        assertThat(names(r.listeners(), Listener::getName)).containsExactly(HOST + ":50051", HOST + ":6379");
        Listener l = r.listeners().getFirst();
        assertThat(l.hasAddress()).isFalse();
        HttpConnectionManager hcm = hcm(l);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(HOST + ":50051");
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName()).containsExactly(XdsNames.ROUTER_FILTER);
        assertThat(names(r.routes(), RouteConfiguration::getName)).containsExactly(HOST + ":50051", HOST + ":6379");
    }

    @Test
    void udpPortsAreSkipped() {
        GroupResources r = group(service(port("dns", 53, null, "UDP"), port("http", 80, null, "TCP")).build(), XdsNames.GROUP_DEFAULT);
        assertThat(names(r.clusters(), Cluster::getName)).containsExactly(C80);
    }

    @Test
    void groupsShareMessageObjects() {
        MeshResources m = translate(List.of(service(port("http", 80, null, "TCP")).build()), List.of(), List.of(), List.of());
        assertThat(m.forGroup(XdsNames.GROUP_GRPC, null).clusters().getFirst()).isSameAs(m.forGroup(XdsNames.GROUP_DEFAULT, null).clusters().getFirst());
        assertThat(m.forGroup(XdsNames.GROUP_GRPC, null).routes().getFirst()).isSameAs(m.forGroup(XdsNames.GROUP_DEFAULT, null).routes().getFirst());
        assertThat(m.forGroup(XdsNames.GROUP_GRPC, null).endpoints()).isSameAs(m.forGroup("node/x", null).endpoints());
    }

    @Test
    void anEndpointChangeRetranslatesOnlyTheEndpointsOfThatService() {
        XdsTranslator t = new XdsTranslator();
        Service svc = service(port("http", 80, null, "TCP")).build();
        EndpointSlice before = slice("http", 8080, endpoint("10.244.0.5", true, true, false));
        EndpointSlice after = slice("http", 8080, endpoint("10.244.0.6", true, true, false));
        MeshResources m1 = t.translate(ClusterState.of(List.of(svc), List.of(before), List.of(), List.of()));
        MeshResources m2 = t.translate(ClusterState.of(List.of(svc), List.of(after), List.of(), List.of()));
        GroupResources a = m1.forGroup(XdsNames.GROUP_DEFAULT, null);
        GroupResources b = m2.forGroup(XdsNames.GROUP_DEFAULT, null);
        assertThat(b.clusters().getFirst()).isSameAs(a.clusters().getFirst());
        assertThat(b.listeners().getFirst()).isSameAs(a.listeners().getFirst());
        assertThat(b.endpoints().getFirst()).isNotEqualTo(a.endpoints().getFirst());
    }
}
