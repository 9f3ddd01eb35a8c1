package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.PreFilterResult;
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
import java.util.Set;
import java.util.stream.Stream;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

class NodeAffinityTest {
    private static final TestNode SSD = node("n1").label("disk", "ssd").label("cores", "8").label("zone", "a");

    static Stream<Arguments> filterCases() {
        return Stream.of(
                Arguments.of("no selector fits anything", pod("p"), SSD, true),
                Arguments.of("nodeSelector matches", pod("p").nodeSelector("disk", "ssd"), SSD, true),
                Arguments.of("nodeSelector value differs", pod("p").nodeSelector("disk", "hdd"), SSD, false),
                Arguments.of("nodeSelector label missing", pod("p").nodeSelector("gpu", "yes"), SSD, false),
                Arguments.of("In", pod("p").requiredNodeTerm("disk", "In", "hdd", "ssd"), SSD, true),
                Arguments.of("In without the value", pod("p").requiredNodeTerm("disk", "In", "hdd"), SSD, false),
                Arguments.of("NotIn", pod("p").requiredNodeTerm("disk", "NotIn", "hdd"), SSD, true),
                Arguments.of("NotIn with the value", pod("p").requiredNodeTerm("disk", "NotIn", "ssd"), SSD, false),
                Arguments.of("Exists", pod("p").requiredNodeTerm("disk", "Exists"), SSD, true),
                Arguments.of("DoesNotExist", pod("p").requiredNodeTerm("disk", "DoesNotExist"), SSD, false),
                Arguments.of("Gt", pod("p").requiredNodeTerm("cores", "Gt", "4"), SSD, true),
                Arguments.of("Gt equal is false", pod("p").requiredNodeTerm("cores", "Gt", "8"), SSD, false),
                Arguments.of("Lt", pod("p").requiredNodeTerm("cores", "Lt", "16"), SSD, true),
                Arguments.of("Gt on a non-number", pod("p").requiredNodeTerm("disk", "Gt", "1"), SSD, false),
                Arguments.of("terms are ORed", pod("p").requiredNodeTerm("disk", "In", "hdd").requiredNodeTerm("zone", "In", "a"), SSD, true),
                Arguments.of("an empty term matches nothing", pod("p").emptyRequiredNodeTerm(), SSD, false),
                Arguments.of("matchFields on the name", pod("p").requiredNodeField("metadata.name", "In", "n1"), SSD, true),
                Arguments.of("matchFields on another name", pod("p").requiredNodeField("metadata.name", "In", "n2"), SSD, false),
                Arguments.of("selector and affinity both apply", pod("p").nodeSelector("disk", "ssd").requiredNodeTerm("zone", "In", "b"), SSD, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filterCases")
    void filter(String name, TestPod pod, TestNode node, boolean fits) {
        NodeInfo n = node.info();
        Status st = Cycle.filter(new NodeAffinity(), pod.info(), n, Snapshot.of(List.of(n)));
        if (fits) {
            assertThat(st.isSuccess()).isTrue();
        } else {
            assertThat(st.code()).isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
            assertThat(st.reasons()).containsExactly("node(s) didn't match Pod's node affinity/selector");
        }
    }

    @Test
    void podsPinnedByNameOnlyVisitTheirNodes() {
        PreFilterResult r = new NodeAffinity().preFilter(new CycleState(),
                pod("ds").requiredNodeField("metadata.name", "In", "n7").info(), Snapshot.of(List.of()));
        assertThat(r.status().isSuccess()).isTrue();
        assertThat(r.nodeNames()).isEqualTo(Set.of("n7"));
    }

    @Test
    void preferredTermsScoreTheirWeightScaledToTheBest() {
        List<NodeInfo> nodes = List.of(node("a").label("disk", "ssd").label("zone", "a").info(),
                node("b").label("disk", "ssd").info(), node("c").info());
        long[] scores = Cycle.score(new NodeAffinity(),
                pod("p").preferredNodeTerm(20, "disk", "In", "ssd").preferredNodeTerm(60, "zone", "In", "a").info(), nodes);
        assertThat(scores).containsExactly(100, 25, 0);
    }

    @Test
    void withoutPreferencesScoringIsSkipped() {
        List<NodeInfo> nodes = List.of(node("a").info(), node("b").info());
        assertThat(new NodeAffinity().preScore(new CycleState(), pod("p").info(), nodes).isSkip()).isTrue();
    }
}
