package io.capstan.nodeagent.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NodeStatusModelTest {
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    private static NodeStatusModel.NodeFacts facts(boolean memoryPressure, String notReady) {
        return new NodeStatusModel.NodeFacts("node-1", "127.0.1.1", 10250, List.of("127.244.1.0/24"),
                Map.of("cpu", new Quantity("2"), "memory", new Quantity("16Gi"), "pods", new Quantity("110")),
                Map.of("cpu", new Quantity("2"), "memory", new Quantity("16284Mi"), "pods", new Quantity("110")),
                new NodeSystemInfoBuilder().withArchitecture("amd64").withOperatingSystem("linux").withKubeletVersion("v1.33.0").build(),
                List.of(), memoryPressure, false, false, notReady);
    }

    private static NodeCondition condition(NodeStatus s, String type) {
        return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void registrationCarriesTheKubeletsLabelsAddressesAndPodCidr() {
        Node node = NodeStatusModel.registration(facts(false, null), T0);
        assertThat(node.getMetadata().getLabels()).containsEntry("kubernetes.io/hostname", "node-1")
                .containsEntry("kubernetes.io/os", "linux").containsEntry("kubernetes.io/arch", "amd64");
        assertThat(node.getSpec().getPodCIDR()).isEqualTo("127.244.1.0/24");
        assertThat(node.getStatus().getAddresses()).extracting("type", "address")
                .containsExactly(org.assertj.core.groups.Tuple.tuple("InternalIP", "127.0.1.1"),
                        org.assertj.core.groups.Tuple.tuple("Hostname", "node-1"));
        assertThat(node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort()).isEqualTo(10250);
        assertThat(node.getStatus().getConditions()).extracting(NodeCondition::getType)
                .containsExactly("MemoryPressure", "DiskPressure", "PIDPressure", "Ready");
        NodeCondition ready = condition(node.getStatus(), "Ready");
        assertThat(ready.getStatus()).isEqualTo("True");
        assertThat(ready.getReason()).isEqualTo("KubeletReady");
        assertThat(ready.getMessage()).isEqualTo("kubelet is posting ready status");
        assertThat(condition(node.getStatus(), "MemoryPressure").getReason()).isEqualTo("KubeletHasSufficientMemory");
    }

    @Test
    void conditionsKeepTheirTransitionTimeUntilTheyFlip() {
        NodeStatus first = NodeStatusModel.status(facts(false, null), List.of(), T0);
        NodeStatus later = NodeStatusModel.status(facts(false, null), first.getConditions(), T0.plusSeconds(60));
        assertThat(condition(later, "Ready").getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(condition(later, "Ready").getLastHeartbeatTime()).isEqualTo("2026-01-01T10:01:00Z");
        assertThat(NodeStatusModel.changed(first, later)).as("only heartbeats moved").isFalse();

        NodeStatus pressured = NodeStatusModel.status(facts(true, "container runtime is down"), later.getConditions(), T0.plusSeconds(120));
        assertThat(NodeStatusModel.changed(later, pressured)).isTrue();
        assertThat(condition(pressured, "MemoryPressure").getReason()).isEqualTo("KubeletHasInsufficientMemory");
        assertThat(condition(pressured, "MemoryPressure").getLastTransitionTime()).isEqualTo("2026-01-01T10:02:00Z");
        assertThat(condition(pressured, "Ready").getReason()).isEqualTo("KubeletNotReady");
        assertThat(condition(pressured, "Ready").getMessage()).isEqualTo("container runtime is down");
    }

    @Test
    void theLeaseIsOwnedByTheNodeWithTheKubeletsDuration() {
        Lease lease = NodeStatusModel.lease("node-1", "uid-9", T0);
        assertThat(lease.getMetadata().getNamespace()).isEqualTo("kube-node-lease");
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("node-1");
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
        assertThat(lease.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo("uid-9");
        assertThat(NodeStatusModel.microTime(T0.plusNanos(123_456_000))).isEqualTo("2026-01-01T10:00:00.123456Z");
    }

    @Test
    void quantitiesUseTheCanonicalBinaryForm() {
        assertThat(Quantities.binary(16_786_903_040L)).isEqualTo("16393460Ki");
        assertThat(Quantities.binary(16L * 1024 * 1024 * 1024)).isEqualTo("16Gi");
        assertThat(Quantities.binary(95_491_281_146L)).isEqualTo("95491281146");
        assertThat(Quantities.millis(new Quantity("250m"))).isEqualTo(250);
        assertThat(Quantities.whole(new Quantity("1.5"))).isEqualTo(2);
        assertThat(Quantities.whole(new Quantity("64Mi"))).isEqualTo(64L * 1024 * 1024);
    }
}
