package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.testing.Cycle;
import io.capstan.scheduler.testing.TestNode;
import io.capstan.scheduler.testing.TestPod;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

class PodTopologySpreadTest {
    private static final String ZONE = "topology.kubernetes.io/zone";
    private static final String OK = "ok";
    private static final String SKEW = PodTopologySpread.REASON;
    private static final String MISSING = PodTopologySpread.REASON_MISSING_LABEL;

    private static TestPod web(String name) {
        return pod(name).label("app", "web");
    }

    /** Two zones: a (n1: 2 web pods, n2: none) and b (n3, n4: none), plus n5 without a zone. */
    private static List<TestNode> cluster() {
        return List.of(
                node("n1").label(ZONE, "a").with(web("w1")).with(web("w2")),
                node("n2").label(ZONE, "a"),
                node("n3").label(ZONE, "b"),
                node("n4").label(ZONE, "b").with(web("gone").terminating()).with(web("elsewhere").namespace("other")),
                node("n5"));
    }

    static Stream<Arguments> filterCases() {
        return Stream.of(
                Arguments.of("zone a is 2 ahead", web("p").spread(1, ZONE, "DoNotSchedule", "app", "web"),
                        Map.of("n1", SKEW, "n2", SKEW, "n3", OK, "n4", OK, "n5", MISSING)),
                Arguments.of("maxSkew 3 allows zone a", web("p").spread(3, ZONE, "DoNotSchedule", "app", "web"),
                        Map.of("n1", OK, "n2", OK, "n3", OK, "n4", OK, "n5", MISSING)),
                Arguments.of("a pod its selector does not match adds nothing", pod("p").spread(2, ZONE, "DoNotSchedule", "app", "web"),
                        Map.of("n1", OK, "n2", OK, "n3", OK, "n4", OK)),
                Arguments.of("per hostname: n1 has 2, the others 0", web("p").spread(1, PodTopologySpread.HOSTNAME, "DoNotSchedule", "app", "web"),
                        Map.of("n1", SKEW, "n2", OK, "n3", OK, "n5", OK)),
                Arguments.of("ScheduleAnyway never filters", web("p").spread(1, ZONE, "ScheduleAnyway", "app", "web"),
                        Map.of("n1", OK, "n5", OK)),
                Arguments.of("nodes the pod's node selector excludes are no domain", web("p").nodeSelector(ZONE, "a")
                        .spread(1, ZONE, "DoNotSchedule", "app", "web"), Map.of("n1", OK, "n2", OK)),
                Arguments.of("fewer domains than minDomains make the minimum 0", web("p").spread(2, ZONE, "DoNotSchedule",
                        new LabelSelectorBuilder().addToMatchLabels("app", "web").build(), 3), Map.of("n1", SKEW, "n3", OK)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filterCases")
    void filter(String name, TestPod pod, Map<String, String> expected) {
        List<NodeInfo> nodes = cluster().stream().map(TestNode::info).toList();
        Snapshot snapshot = Snapshot.of(nodes);
        PodTopologySpread plugin = new PodTopologySpread(Cycle.handle(snapshot));
        expected.forEach((node, outcome) -> {
            Status st = Cycle.filter(plugin, pod.info(), snapshot.get(node), snapshot);
            assertThat(st.isSuccess() ? OK : st.message()).as(node).isEqualTo(outcome);
            if (outcome.equals(MISSING)) {
                assertThat(st.code()).isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
            } else if (outcome.equals(SKEW)) {
                assertThat(st.code()).isEqualTo(Status.Code.UNSCHEDULABLE);
            }
        });
    }

    @Test
    void minDomainsIsMetWhenEnoughDomainsExist() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (String zone : List.of("a", "b", "c")) {
            nodes.add(node("n" + zone).label(ZONE, zone).with(web("w" + zone)).info());
        }
        Snapshot snapshot = Snapshot.of(nodes);
        TestPod p = web("p").spread(1, ZONE, "DoNotSchedule", new LabelSelectorBuilder().addToMatchLabels("app", "web").build(), 3);
        assertThat(Cycle.filter(new PodTopologySpread(Cycle.handle(snapshot)), p.info(), snapshot.get("na"), snapshot).isSuccess()).isTrue();
    }

    @Test
    void scoringPrefersTheEmptierDomain() {
        List<NodeInfo> nodes = List.of(
                node("n1").label(ZONE, "a").with(web("w1")).with(web("w2")).info(),
                node("n2").label(ZONE, "a").info(),
                node("n3").label(ZONE, "b").info(),
                node("n4").info());
        PodTopologySpread plugin = new PodTopologySpread(Cycle.handle(Snapshot.of(nodes)));
        long[] scores = Cycle.score(plugin, web("p").spread(1, ZONE, "ScheduleAnyway", "app", "web").info(), nodes);
        // zone a holds 2: round(2 x ln(2 + 2)) = 3 for n1 and n2, 0 for n3; normalized 100 x (3 + 0 - s) / 3; n4 lacks the key
        assertThat(scores).containsExactly(0, 0, 100, 0);
    }

    @Test
    void withoutSoftConstraintsScoringIsSkipped() {
        List<NodeInfo> nodes = List.of(node("n1").info());
        PodTopologySpread plugin = new PodTopologySpread(Cycle.handle(Snapshot.of(nodes)));
        assertThat(plugin.preScore(new io.capstan.scheduler.framework.CycleState(), web("p").info(), nodes).isSkip()).isTrue();
    }
}
