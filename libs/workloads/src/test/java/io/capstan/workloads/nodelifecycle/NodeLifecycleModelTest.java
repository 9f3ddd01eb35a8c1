package io.capstan.workloads.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NodeLifecycleModelTest {
    static final Instant NOW = Instant.parse("2024-01-01T01:00:00Z");
    static final NodeLifecycleModel.Settings DEFAULTS = NodeLifecycleModel.Settings.DEFAULTS;

    static Node node(String ready, String... taints) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName("node-1").withCreationTimestamp("2024-01-01T00:00:00Z").endMetadata()
                .withNewSpec().endSpec().withNewStatus()
                .addNewCondition().withType("Ready").withStatus(ready).withReason("KubeletReady")
                .withLastHeartbeatTime("2024-01-01T00:00:00Z").withLastTransitionTime("2024-01-01T00:00:00Z").endCondition()
                .addNewCondition().withType("MemoryPressure").withStatus("False").withLastHeartbeatTime("2024-01-01T00:00:00Z").endCondition()
                .endStatus();
        for (String t : taints) {
            String[] p = t.split(":", 3);
            b.editSpec().addNewTaint().withKey(p[0]).withEffect(p[1]).withTimeAdded(p.length > 2 ? p[2] : null).endTaint().endSpec();
        }
        return b.build();
    }

    static Lease lease(long secondsAgo) {
        return new LeaseBuilder().withNewMetadata().withName("node-1").withNamespace("kube-node-lease").endMetadata()
                .withNewSpec().withHolderIdentity("node-1").withLeaseDurationSeconds(40)
                .withRenewTime(NOW.minusSeconds(secondsAgo).atZone(ZoneOffset.UTC)).endSpec().build();
    }

    static Pod pod(String name, Long tolerationSeconds) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid(name).endMetadata()
                .withNewSpec().withNodeName("node-1").addNewContainer().withName("c").withImage("i").endContainer().endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus();
        if (tolerationSeconds != null) {
            b.editSpec().addNewToleration().withKey(NodeLifecycleModel.UNREACHABLE).withOperator("Exists").withEffect("NoExecute")
                    .withTolerationSeconds(tolerationSeconds >= 0 ? tolerationSeconds : null).endToleration().endSpec();
        }
        return b.build();
    }

    static String ready(NodeLifecycleModel.Plan plan, Node node) {
        List<NodeCondition> cs = plan.conditions() == null ? node.getStatus().getConditions() : plan.conditions();
        return cs.stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow().getStatus();
    }

    static String taints(NodeLifecycleModel.Plan plan, Node node) {
        List<Taint> ts = plan.taints() == null ? node.getSpec().getTaints() : plan.taints();
        return String.join(",", ts.stream().map(t -> t.getKey().replace("node.kubernetes.io/", "") + ":" + t.getEffect()).sorted().toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            fresh lease keeps the node Ready                  | 5   | True    | True    | ''
            lease exactly at the grace period is still fresh  | 40  | True    | True    | ''
            lease just past the grace period makes it Unknown | 41  | True    | Unknown | unreachable:NoExecute,unreachable:NoSchedule
            long silent node is Unknown and unreachable       | 600 | True    | Unknown | unreachable:NoExecute,unreachable:NoSchedule
            kubelet reporting Ready=False gets not-ready      | 5   | False   | False   | not-ready:NoExecute,not-ready:NoSchedule
            """)
    void leaseAgeDecidesReadinessAndTaints(String name, long leaseAge, String reported, String expectedReady, String expectedTaints) {
        Node n = node(reported);
        n.getStatus().getConditions().get(0).setLastHeartbeatTime("2024-01-01T00:00:00Z");
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(n, lease(leaseAge), List.of(), NOW, DEFAULTS);
        assertThat(ready(plan, n)).isEqualTo(expectedReady);
        assertThat(taints(plan, n)).isEqualTo(expectedTaints);
    }

    @Test
    void staleNodeGetsUnknownConditionsWithKubernetesReasonAndTimestampedTaints() {
        Node n = node("True");
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(n, lease(100), List.of(), NOW, DEFAULTS);
        NodeCondition ready = plan.conditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
        assertThat(ready.getReason()).isEqualTo("NodeStatusUnknown");
        assertThat(ready.getMessage()).isEqualTo("Kubelet stopped posting node status.");
        assertThat(ready.getLastTransitionTime()).isEqualTo("2024-01-01T01:00:00Z");
        assertThat(ready.getLastHeartbeatTime()).isEqualTo("2024-01-01T00:00:00Z");
        assertThat(plan.conditions()).extracting(NodeCondition::getType, NodeCondition::getStatus).contains(
                org.assertj.core.groups.Tuple.tuple("MemoryPressure", "Unknown"),
                org.assertj.core.groups.Tuple.tuple("DiskPressure", "Unknown"),
                org.assertj.core.groups.Tuple.tuple("PIDPressure", "Unknown"));
        assertThat(plan.taints()).allSatisfy(t -> assertThat(t.getTimeAdded()).isEqualTo("2024-01-01T01:00:00Z"));
        assertThat(n.getSpec().getTaints()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            recovered node loses the unreachable taints         | True  | node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule | ''
            not-ready node swaps unreachable for not-ready       | False | node.kubernetes.io/unreachable:NoExecute | not-ready:NoExecute,not-ready:NoSchedule
            user taints are kept when the node recovers          | True  | dedicated:NoSchedule,node.kubernetes.io/unreachable:NoExecute | dedicated:NoSchedule
            unschedulable node keeps its unschedulable taint     | True  | node.kubernetes.io/unschedulable:NoSchedule | unschedulable:NoSchedule
            """)
    void taintsFollowTheReadyCondition(String name, String reported, String existing, String expected) {
        Node n = node(reported, existing.split(","));
        n.getSpec().setUnschedulable(existing.contains("unschedulable"));
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(n, lease(1), List.of(), NOW, DEFAULTS);
        assertThat(taints(plan, n)).isEqualTo(expected);
    }

    @Test
    void healthyNodeNeedsNoWritesAndIsLookedAtWhenItsLeaseExpires() {
        Node n = node("True");
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(n, lease(10), List.of(pod("a", null)), NOW, DEFAULTS);
        assertThat(plan.conditions()).isNull();
        assertThat(plan.taints()).isNull();
        assertThat(plan.evict()).isEmpty();
        assertThat(plan.markNotReady()).isEmpty();
        assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(30).plusMillis(1));
    }

    /** Toleration column: "-" none (so the admission default applies), "forever" without seconds, else seconds. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            pod without toleration stays within the default 300 s   | -       | 299 | false | 1
            pod without toleration is evicted after 300 s           | -       | 300 | true  | -
            pod tolerating for 60 s stays before 60 s               | 60      | 59  | false | 1
            pod tolerating for 60 s is evicted at 60 s              | 60      | 60  | true  | -
            pod tolerating for 0 s is evicted at once               | 0       | 0   | true  | -
            pod tolerating forever is never evicted                 | forever | 9999| false | -
            """)
    void podsAreEvictedWhenTheirTolerationRunsOut(String name, String toleration, long taintAge, boolean evicted, String requeueSeconds) {
        String added = NOW.minusSeconds(taintAge).toString();
        Node n = node("Unknown", NodeLifecycleModel.UNREACHABLE + ":NoExecute:" + added, NodeLifecycleModel.UNREACHABLE + ":NoSchedule:" + added);
        n.getStatus().getConditions().get(0).setReason("NodeStatusUnknown");
        Long seconds = switch (toleration) {
            case "-" -> null;
            case "forever" -> -1L;
            default -> Long.parseLong(toleration);
        };
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(n, lease(10_000), List.of(pod("a", seconds)), NOW, DEFAULTS);
        assertThat(plan.evict()).hasSize(evicted ? 1 : 0);
        assertThat(plan.taints()).isNull();
        assertThat(plan.requeueAfter()).isEqualTo("-".equals(requeueSeconds) ? null : Duration.ofSeconds(Long.parseLong(requeueSeconds)));
    }

    @Test
    void untoleratedNoExecuteTaintEvictsAtOnceAndTerminatingPodsAreLeftAlone() {
        Node n = node("True", "dedicated:NoExecute");
        Pod terminating = pod("b", null);
        terminating.getMetadata().setDeletionTimestamp("2024-01-01T00:59:00Z");
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(n, lease(1), List.of(pod("a", null), terminating), NOW, DEFAULTS);
        assertThat(plan.evict()).extracting(p -> p.getMetadata().getName()).containsExactly("a");
    }

    @Test
    void configuredDefaultTolerationShortensEviction() {
        Node n = node("True");
        NodeLifecycleModel.Settings fast = new NodeLifecycleModel.Settings(Duration.ofSeconds(40), Duration.ofSeconds(60), 30);
        NodeLifecycleModel.Plan first = NodeLifecycleModel.desired(n, lease(50), List.of(pod("a", null)), NOW, fast);
        assertThat(first.evict()).isEmpty();
        assertThat(first.requeueAfter()).isEqualTo(Duration.ofSeconds(30));
        n.getSpec().setTaints(first.taints());
        n.getStatus().setConditions(first.conditions());
        NodeLifecycleModel.Plan later = NodeLifecycleModel.desired(n, lease(80), List.of(pod("a", null)), NOW.plusSeconds(30), fast);
        assertThat(later.evict()).hasSize(1);
    }

    @Test
    void podsOnAnUnreachableNodeAreMarkedNotReadyAndOthersAreIgnored() {
        Pod elsewhere = pod("x", null);
        elsewhere.getSpec().setNodeName("node-2");
        NodeLifecycleModel.Plan plan = NodeLifecycleModel.desired(node("True"), lease(100), List.of(pod("a", null), elsewhere), NOW, DEFAULTS);
        assertThat(plan.markNotReady()).singleElement().satisfies(p -> {
            assertThat(p.getMetadata().getName()).isEqualTo("a");
            assertThat(p.getStatus().getConditions().get(0).getStatus()).isEqualTo("False");
        });
        assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void nodeThatNeverReportedGetsTheStartupGracePeriod() {
        Node n = new NodeBuilder().withNewMetadata().withName("node-1").withCreationTimestamp(NOW.minusSeconds(50).toString()).endMetadata().build();
        assertThat(NodeLifecycleModel.desired(n, null, List.of(), NOW, DEFAULTS).conditions()).isNull();
        NodeLifecycleModel.Plan late = NodeLifecycleModel.desired(n, null, List.of(), NOW.plusSeconds(11), DEFAULTS);
        assertThat(late.conditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
                .satisfies(c -> assertThat(c.getReason()).isEqualTo("NodeStatusNeverUpdated"));
    }
}
