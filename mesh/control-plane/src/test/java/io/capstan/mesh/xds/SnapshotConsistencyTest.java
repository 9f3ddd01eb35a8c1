package io.capstan.mesh.xds;

import com.google.protobuf.Any;
import io.capstan.mesh.translate.MeshResources.GroupResources;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotConsistencyTest {
    static Cluster eds(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)).build();
    }

    static ClusterLoadAssignment cla(String name) {
        return ClusterLoadAssignment.newBuilder().setClusterName(name).build();
    }

    static Any hcm(String route) {
        return Any.pack(HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName(route)
                .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()))).build());
    }

    static Listener socketListener(String name, String route) {
        return Listener.newBuilder().setName(name).addFilterChains(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName(XdsNames.HCM_FILTER).setTypedConfig(hcm(route)))).build();
    }

    static Listener apiListener(String name, String route) {
        return Listener.newBuilder().setName(name).setApiListener(ApiListener.newBuilder().setApiListener(hcm(route))).build();
    }

    static RouteConfiguration route(String name) {
        return RouteConfiguration.newBuilder().setName(name).build();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("consistent", new GroupResources(List.of(eds("a")), List.of(cla("a")),
                        List.of(socketListener("l", "r")), List.of(route("r"))), List.of()),
                Arguments.of("EDS cluster without load assignment", new GroupResources(List.of(eds("a")), List.of(),
                        List.of(), List.of()), List.of("cluster a has no load assignment a")),
                Arguments.of("extra load assignment is harmless", new GroupResources(List.of(), List.of(cla("x")),
                        List.of(), List.of()), List.of()),
                Arguments.of("listener names a missing route (the canonical HCM name)", new GroupResources(List.of(), List.of(),
                        List.of(socketListener("l", "r")), List.of()), List.of("listener l refers to missing route r")),
                Arguments.of("api listener names a missing route", new GroupResources(List.of(), List.of(),
                        List.of(apiListener("h:80", "h:80")), List.of()), List.of("listener h:80 refers to missing route h:80")),
                Arguments.of("duplicate names", new GroupResources(List.of(eds("a"), eds("a")), List.of(cla("a")),
                        List.of(), List.of(route("r"), route("r"))), List.of("duplicate cluster a", "duplicate route r")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void snapshotsAreCheckedBeforeTheyAreSet(String name, GroupResources resources, List<String> errors) {
        assertThat(new SnapshotConsistency().check(resources)).containsExactlyInAnyOrderElementsOf(errors);
    }
}
