package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.testing.Cycle;
import io.capstan.scheduler.testing.TestNode;
import io.capstan.scheduler.testing.TestPod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

class InterPodAffinityTest {
    private static final String ZONE = "topology.kubernetes.io/zone";
    private static final String HOST = "kubernetes.io/hostname";
    private static final String OK = "ok";
    private static final String AFFINITY = InterPodAffinity.REASON_AFFINITY;
    private static final String ANTI = InterPodAffinity.REASON_ANTI_AFFINITY;
    private static final String EXISTING = InterPodAffinity.REASON_EXISTING_ANTI_AFFINITY;

    /** Zone a: n1 runs a db pod and a web pod, n2 is empty; zone b: n3 is empty; n4 has no zone. */
    private static List<TestNode> cluster(TestPod extraOnN1) {
        TestNode n1 = node("n1").label(ZONE, "a").with(pod("db").label("app", "db")).with(pod("web1").label("app", "web"));
        if (extraOnN1 != null) {
            n1.with(extraOnN1);
        }
        return List.of(n1, node("n2").label(ZONE, "a"), node("n3").label(ZONE, "b"), node("n4"));
    }

    static Stream<Arguments> filterCases() {
        return Stream.of(
                Arguments.of("no terms", pod("p"), null, Map.of("n1", OK, "n3", OK)),
                Arguments.of("affinity to db in the same zone", pod("p").podAffinity(ZONE, "app", "db"), null,
                        Map.of("n1", OK, "n2", OK, "n3", AFFINITY, "n4", AFFINITY)),
                Arguments.of("affinity to db on the same host", pod("p").podAffinity(HOST, "app", "db"), null,
                        Map.of("n1", OK, "n2", AFFINITY)),
                Arguments.of("affinity to a pod that exists nowhere", pod("p").podAffinity(ZONE, "app", "cache"), null,
                        Map.of("n1", AFFINITY, "n3", AFFINITY)),
                Arguments.of("the first pod of a self-affine group goes anywhere with the label",
                        pod("p").label("app", "cache").podAffinity(ZONE, "app", "cache"), null, Map.of("n1", OK, "n3", OK, "n4", AFFINITY)),
                Arguments.of("affinity in another namespace does not match", pod("p").namespace("other").podAffinity(ZONE, "app", "db"), null,
                        Map.of("n1", AFFINITY)),
                Arguments.of("anti-affinity to web per host", pod("p").podAntiAffinity(HOST, "app", "web"), null,
                        Map.of("n1", ANTI, "n2", OK, "n4", OK)),
                Arguments.of("anti-affinity to web per zone", pod("p").podAntiAffinity(ZONE, "app", "web"), null,
                        Map.of("n1", ANTI, "n2", ANTI, "n3", OK, "n4", OK)),
                Arguments.of("an existing pod's anti-affinity keeps us off its host", pod("p").label("app", "web"),
                        pod("loner").podAntiAffinity(HOST, "app", "web"), Map.of("n1", EXISTING, "n2", OK)),
                Arguments.of("an existing pod's anti-affinity per zone", pod("p").label("app", "web"),
                        pod("loner").podAntiAffinity(ZONE, "app", "web"), Map.of("n1", EXISTING, "n2", EXISTING, "n3", OK)),
                Arguments.of("an existing pod's anti-affinity to other labels does not matter", pod("p").label("app", "api"),
                        pod("loner").podAntiAffinity(HOST, "app", "web"), Map.of("n1", OK)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filterCases")
    void filter(String name, TestPod pod, TestPod extraOnN1, Map<String, String> expected) {
        Snapshot snapshot = Snapshot.of(cluster(extraOnN1).stream().map(TestNode::info).toList());
        InterPodAffinity plugin = new InterPodAffinity(Cycle.handle(snapshot));
        expected.forEach((node, outcome) -> {
            Status st = Cycle.filter(plugin, pod.info(), snapshot.get(node), snapshot);
            assertThat(st.isSuccess() ? OK : st.message()).as(node).isEqualTo(outcome);
            if (outcome.equals(AFFINITY)) {
                assertThat(st.code()).isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
            } else if (!outcome.equals(OK)) {
                assertThat(st.code()).isEqualTo(Status.Code.UNSCHEDULABLE);
            }
        });
    }

    private static long[] scores(TestPod pod, TestPod extraOnN1) {
        List<NodeInfo> nodes = cluster(extraOnN1).stream().map(TestNode::info).toList();
        InterPodAffinity plugin = new InterPodAffinity(Cycle.handle(Snapshot.of(nodes)));
        return Cycle.score(plugin, pod.info(), nodes);
    }

    @Test
    void preferredAffinityFavoursTheZoneOfTheMatchingPod() {
        assertThat(scores(pod("p").preferredPodAffinity(10, ZONE, "app", "db"), null)).containsExactly(100, 100, 0, 0);
    }

    @Test
    void preferredAntiAffinityAvoidsTheHostOfTheMatchingPod() {
        assertThat(scores(pod("p").preferredPodAntiAffinity(10, HOST, "app", "web"), null)).containsExactly(0, 100, 100, 100);
    }

    @Test
    void existingPodsRequiredAffinityAttractsPodsItMatches() {
        assertThat(scores(pod("p").label("app", "cache"), pod("fan").podAffinity(HOST, "app", "cache"))).containsExactly(100, 0, 0, 0);
    }

    @Test
    void noAffinityAnywhereSkipsScoring() {
        List<NodeInfo> nodes = List.of(node("n1").with(pod("a")).info());
        InterPodAffinity plugin = new InterPodAffinity(Cycle.handle(Snapshot.of(nodes)));
        assertThat(plugin.preScore(new io.capstan.scheduler.framework.CycleState(), pod("p").info(), nodes).isSkip()).isTrue();
    }
}
