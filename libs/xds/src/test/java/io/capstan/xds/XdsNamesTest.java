package io.capstan.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class XdsNamesTest {
    @Test
    void istioClusterNamesRoundTrip() {
        String name = XdsNames.outboundCluster(80, "", XdsNames.serviceHost("web", "default"));
        assertThat(name).isEqualTo("outbound|80||web.default.svc.cluster.local");
        assertThat(XdsNames.parseOutboundCluster(name)).contains(new XdsNames.ClusterKey(80, "", "web.default.svc.cluster.local"));
        assertThat(XdsNames.parseOutboundCluster("outbound|9080|v2|reviews.default.svc.cluster.local"))
                .contains(new XdsNames.ClusterKey(9080, "v2", "reviews.default.svc.cluster.local"));
        assertThat(XdsNames.parseOutboundCluster("inbound|80||")).isEmpty();
        assertThat(XdsNames.parseOutboundCluster("outbound|x||h")).isEmpty();
        assertThat(XdsNames.parseOutboundCluster("PassthroughCluster")).isEmpty();
    }

    @Test
    void listenerAndRouteNames() {
        assertThat(XdsNames.listenerName("127.96.0.10", 80)).isEqualTo("127.96.0.10_80");
        assertThat(XdsNames.hostPort("web.default.svc.cluster.local", 80)).isEqualTo("web.default.svc.cluster.local:80");
    }

    @Test
    void groups() {
        Node proxy = XdsNames.nodeProxy("node-1", "127.0.1.1");
        assertThat(proxy.getId()).isEqualTo("router~127.0.1.1~capstan-proxy-node-1.kube-system~kube-system.svc.cluster.local");
        assertThat(XdsNames.group(proxy)).isEqualTo("node/node-1");
        assertThat(XdsNames.group(Node.newBuilder().setId("x").setUserAgentName("gRPC Java").build())).isEqualTo("grpc");
        assertThat(XdsNames.group(Node.newBuilder().setId("envoy").setUserAgentName("envoy").build())).isEqualTo("default");
        assertThat(XdsNames.group(Node.getDefaultInstance())).isEqualTo("default");
    }
}
