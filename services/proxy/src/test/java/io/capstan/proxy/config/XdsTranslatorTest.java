package io.capstan.proxy.config;

import com.google.protobuf.Any;
import io.capstan.proxy.testing.MeshFixture;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The translator accepts the shapes of mesh/XDS.md and rejects, with a reason, what the proxy cannot do. */
class XdsTranslatorTest {
    private static final String HOST = XdsNames.serviceHost("web", "default");
    private static final String CLUSTER = XdsNames.outboundCluster(80, "", HOST);

    @Test
    void contractShapesTranslate() throws Exception {
        MeshFixture m = new MeshFixture()
                .service("web", "default", "10.96.0.10", 80, true, Cluster.LbPolicy.LEAST_REQUEST, true,
                        List.of(MeshFixture.Ep.healthy("10.1.0.1", 8080).named("web-0"),
                                MeshFixture.Ep.healthy("10.1.0.2", 8080).draining()))
                .service("db", "default", "10.96.0.11", 5432, false, Cluster.LbPolicy.RING_HASH, true, List.of())
                .externalName("ext", "default", "example.org");
        List<ClusterSpec> clusters = XdsTranslator.clusters(pack(m.clusters()));
        assertThat(clusters).extracting(ClusterSpec::name).contains(CLUSTER);
        ClusterSpec web = clusters.stream().filter(c -> c.name().equals(CLUSTER)).findFirst().orElseThrow();
        assertThat(web.lbPolicy()).isEqualTo(LbPolicy.LEAST_REQUEST);
        assertThat(web.vips()).containsExactly("10.96.0.10");
        assertThat(web.servicePort()).isEqualTo(80);
        assertThat(clusters).filteredOn(c -> !c.externalName().isEmpty()).singleElement()
                .satisfies(c -> assertThat(c.edsName()).isNull());

        LoadAssignmentSpec cla = XdsTranslator.loadAssignments(pack(m.endpoints())).get(0);
        assertThat(cla.endpoints()).extracting(EndpointSpec::health)
                .containsExactly(EndpointSpec.Health.HEALTHY, EndpointSpec.Health.DRAINING);
        assertThat(cla.endpoints().get(0).hostname()).isEqualTo("web-0");

        List<ListenerSpec> listeners = XdsTranslator.listeners(pack(m.listeners()));
        assertThat(listeners).extracting(ListenerSpec::filter).anySatisfy(f ->
                assertThat(f).isEqualTo(new ListenerSpec.HttpConnectionManager(XdsNames.hostPort(HOST, 80), null)));
        assertThat(listeners).extracting(ListenerSpec::filter).anySatisfy(f ->
                assertThat(f).isEqualTo(new ListenerSpec.TcpProxy(XdsNames.outboundCluster(5432, "", XdsNames.serviceHost("db", "default")), true)));

        RouteTable routes = XdsTranslator.routes(pack(m.routes())).get(0);
        RouteTable.Route r = routes.match("anything", "/x");
        assertThat(r.cluster()).isEqualTo(CLUSTER);
        assertThat(r.numRetries()).isEqualTo(2);
        assertThat(r.hashSourceIp()).isTrue();
    }

    static Stream<Arguments> rejected() {
        Listener good = MeshFixture.listener("10.96.0.10", 80, 80, "web", "default", CLUSTER, true, false);
        HttpConnectionManager hcm;
        try {
            hcm = good.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Stream.of(
                Arguments.of("api listener", good.toBuilder().clearAddress().setApiListener(ApiListener.getDefaultInstance()).build(), "api_listener"),
                Arguments.of("no address", good.toBuilder().clearAddress().build(), "address.socket_address is required"),
                Arguments.of("unknown network filter", good.toBuilder().clearFilterChains().addFilterChains(
                        good.getFilterChains(0).toBuilder().clearFilters().addFilters(Filter.newBuilder().setName("envoy.filters.network.redis_proxy")
                                .setTypedConfig(Any.pack(com.google.protobuf.Empty.getDefaultInstance())))).build(), "unknown network filter"),
                Arguments.of("unknown http filter", good.toBuilder().clearFilterChains().addFilterChains(
                        good.getFilterChains(0).toBuilder().clearFilters().addFilters(Filter.newBuilder().setName(XdsNames.HCM_FILTER)
                                .setTypedConfig(Any.pack(hcm.toBuilder().addHttpFilters(0, HttpFilter.newBuilder().setName("envoy.filters.http.fault")).build())))).build(),
                        "unknown HTTP filter \"envoy.filters.http.fault\""),
                Arguments.of("host name address", good.toBuilder().setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                        .setSocketAddress(io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder().setAddress("web.local").setPortValue(80))).build(), "not an IP address"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void listenersTheProxyCannotServeAreRejected(String name, Listener bad, String reason) {
        assertThatThrownBy(() -> XdsTranslator.listeners(List.of(Any.pack(bad))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(reason);
    }

    @Test
    void everyProblemOfAResponseIsReportedAtOnce() {
        Cluster maglev = MeshFixture.cluster("a", "default", 80, "http", Cluster.LbPolicy.MAGLEV, List.of(), false);
        Cluster dup = MeshFixture.cluster("b", "default", 80, "http", Cluster.LbPolicy.ROUND_ROBIN, List.of(), false);
        assertThatThrownBy(() -> XdsTranslator.clusters(List.of(Any.pack(maglev), Any.pack(dup), Any.pack(dup))))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).hasSize(2)
                        .anySatisfy(p -> assertThat(p).contains("MAGLEV"))
                        .anySatisfy(p -> assertThat(p).contains("duplicate name")));
    }

    @Test
    void endpointsWithAnUnusableAddressAreRejected() {
        var cla = MeshFixture.cla(CLUSTER, List.of(new MeshFixture.Ep("pod.local", 80, "", HealthStatus.HEALTHY)));
        assertThatThrownBy(() -> XdsTranslator.loadAssignments(List.of(Any.pack(cla)))).hasMessageContaining("not an IP address");
    }

    private static List<Any> pack(List<? extends com.google.protobuf.Message> messages) {
        return messages.stream().map(Any::pack).toList();
    }
}
