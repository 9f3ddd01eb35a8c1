package io.capstan.mesh.xds;

import io.capstan.mesh.translate.ClusterState;
import io.capstan.mesh.translate.MeshResources;
import io.capstan.mesh.translate.XdsTranslator;
import io.capstan.xds.XdsNames;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotPublisherTest {
    static final String GROUP = "node/n1";
    static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
    static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    static final String RDS = Resources.V3.ROUTE_TYPE_URL;

    final List<Map<String, String>> published = new ArrayList<>();
    final SnapshotPublisher publisher = new SnapshotPublisher(new XdsMetrics(new SimpleMeterRegistry()),
            (group, changed, since) -> published.add(changed));
    final XdsTranslator translator = new XdsTranslator();
    final Service web = new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
            .withNewSpec().withClusterIP("10.96.0.10").addNewPort().withName("http").withPort(80).endPort().endSpec().build();

    MeshResources state(String... ips) {
        EndpointSliceBuilder slice = new EndpointSliceBuilder().withNewMetadata().withName("web-1").withNamespace("default")
                .addToLabels(ClusterState.SERVICE_NAME_LABEL, "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withPort(8080).endPort();
        for (String ip : ips) {
            slice.addNewEndpoint().withAddresses(ip).endEndpoint();
        }
        List<EndpointSlice> slices = List.of(slice.build());
        return translator.translate(ClusterState.of(List.of(web), slices, List.of(), List.of()));
    }

    Map<String, String> versions() {
        Snapshot s = publisher.cache().getSnapshot(GROUP);
        Map<String, String> v = new HashMap<>();
        for (String t : SnapshotPublisher.TYPES) {
            v.put(t, s.version(t));
        }
        return v;
    }

    List<String> endpointIps() {
        ClusterLoadAssignment cla = publisher.cache().getSnapshot(GROUP)
                .endpoints().resources().get(XdsNames.outboundCluster(80, "", "web.default.svc.cluster.local"));
        return cla.getEndpoints(0).getLbEndpointsList().stream().map(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress()).toList();
    }

    @Test
    void aGroupGetsItsSnapshotWhenItsFirstClientAppears() {
        publisher.publish(state("10.244.0.5"), 1);
        assertThat(publisher.cache().getSnapshot(GROUP)).isNull();
        publisher.clientConnected(GROUP, "127.0.0.1");
        assertThat(publisher.cache().getSnapshot(GROUP)).isNotNull();
        assertThat(endpointIps()).containsExactly("10.244.0.5");
        assertThat(published).as("a new group is not a change to measure").isEmpty();
    }

    @Test
    void versionsAreContentHashesSoAnEndpointChangeChangesOnlyEds() {
        publisher.publish(state("10.244.0.5"), 1);
        publisher.clientConnected(GROUP, null);
        Map<String, String> v1 = versions();
        Snapshot s1 = publisher.cache().getSnapshot(GROUP);

        publisher.publish(state("10.244.0.5"), 2);
        assertThat(publisher.cache().getSnapshot(GROUP)).as("nothing changed: not set again").isSameAs(s1);

        publisher.publish(state("10.244.0.5", "10.244.0.6"), 3);
        Map<String, String> v2 = versions();
        assertThat(v2.get(EDS)).isNotEqualTo(v1.get(EDS));
        for (String t : List.of(CDS, LDS, RDS)) {
            assertThat(v2.get(t)).isEqualTo(v1.get(t));
        }
        assertThat(published).containsExactly(Map.of(EDS, v2.get(EDS)));

        publisher.publish(state("10.244.0.5"), 4);
        assertThat(versions()).as("the same content has the same version again").isEqualTo(v1);
    }

    @Test
    void aNackRollsTheTypeBackToTheClientsVersion() {
        publisher.publish(state("10.244.0.5"), 1);
        publisher.clientConnected(GROUP, null);
        String good = versions().get(EDS);
        publisher.publish(state("10.244.0.7"), 2);
        assertThat(endpointIps()).containsExactly("10.244.0.7");

        assertThat(publisher.rollback(GROUP, EDS, good)).isTrue();
        assertThat(versions().get(EDS)).isEqualTo(good);
        assertThat(endpointIps()).containsExactly("10.244.0.5");
        assertThat(publisher.rollback(GROUP, EDS, good)).as("already there").isFalse();

        publisher.publish(state("10.244.0.8"), 3);
        assertThat(endpointIps()).as("the next change builds from the state again").containsExactly("10.244.0.8");
    }

    @Test
    void aNackFromAClientThatNeverAckedKeepsTheContentUnderItsVersion() {
        publisher.publish(state("10.244.0.5"), 1);
        publisher.clientConnected(GROUP, null);
        assertThat(publisher.rollback(GROUP, EDS, "")).isTrue();
        assertThat(versions().get(EDS)).isEmpty();
        assertThat(endpointIps()).containsExactly("10.244.0.5");
    }

    @Test
    void groupsWithoutClientsAreDroppedAtTheNextPublish() {
        publisher.publish(state("10.244.0.5"), 1);
        publisher.clientConnected(GROUP, null);
        publisher.clientDisconnected(GROUP);
        publisher.publish(state("10.244.0.6"), 2);
        assertThat(publisher.cache().getSnapshot(GROUP)).isNull();
    }
}
