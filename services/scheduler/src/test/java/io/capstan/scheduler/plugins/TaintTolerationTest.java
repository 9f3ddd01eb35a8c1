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
import java.util.stream.Stream;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

class TaintTolerationTest {

    static Stream<Arguments> cases() {
        TestNode gpu = node("n").taint("dedicated", "gpu", "NoSchedule");
        return Stream.of(
                Arguments.of("no taints", pod("p"), node("n"), null),
                Arguments.of("untolerated NoSchedule", pod("p"), gpu, "node(s) had untolerated taint {dedicated: gpu}"),
                Arguments.of("untolerated NoExecute", pod("p"), node("n").taint("k", "v", "NoExecute"), "node(s) had untolerated taint {k: v}"),
                Arguments.of("PreferNoSchedule does not filter", pod("p"), node("n").taint("k", "v", "PreferNoSchedule"), null),
                Arguments.of("Equal with the value", pod("p").tolerate("dedicated", "Equal", "gpu", "NoSchedule"), gpu, null),
                Arguments.of("Equal with another value", pod("p").tolerate("dedicated", "Equal", "cpu", "NoSchedule"), gpu,
                        "node(s) had untolerated taint {dedicated: gpu}"),
                Arguments.of("empty operator means Equal", pod("p").tolerate("dedicated", null, "gpu", null), gpu, null),
                Arguments.of("Exists on the key", pod("p").tolerate("dedicated", "Exists", null, null), gpu, null),
                Arguments.of("Exists without a key tolerates everything", pod("p").tolerate(null, "Exists", null, null), gpu, null),
                Arguments.of("another effect does not tolerate", pod("p").tolerate("dedicated", "Exists", null, "NoExecute"), gpu,
                        "node(s) had untolerated taint {dedicated: gpu}"),
                Arguments.of("the first untolerated taint is named", pod("p").tolerate("a", "Exists", null, null),
                        node("n").taint("a", "1", "NoSchedule").taint("b", "2", "NoSchedule"), "node(s) had untolerated taint {b: 2}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void filter(String name, TestPod pod, TestNode node, String reason) {
        NodeInfo n = node.info();
        Status st = Cycle.filter(new TaintToleration(), pod.info(), n, Snapshot.of(List.of(n)));
        if (reason == null) {
            assertThat(st.isSuccess()).isTrue();
        } else {
            assertThat(st.code()).isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
            assertThat(st.reasons()).containsExactly(reason);
        }
    }

    @Test
    void fewerIntoleratedPreferNoScheduleTaintsScoreHigher() {
        List<NodeInfo> nodes = List.of(node("clean").info(),
                node("one").taint("a", "1", "PreferNoSchedule").info(),
                node("two").taint("a", "1", "PreferNoSchedule").taint("b", "2", "PreferNoSchedule").info(),
                node("tolerated").taint("c", "3", "PreferNoSchedule").info());
        long[] scores = Cycle.score(new TaintToleration(), pod("p").tolerate("c", "Exists", null, "PreferNoSchedule").info(), nodes);
        assertThat(scores).containsExactly(100, 50, 0, 100);
    }

    @Test
    void noPreferNoScheduleTaintsScoreAllTheSame() {
        List<NodeInfo> nodes = List.of(node("a").info(), node("b").taint("x", "y", "NoSchedule").info());
        assertThat(Cycle.score(new TaintToleration(), pod("p").info(), nodes)).containsExactly(100, 100);
    }
}
