package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.testing.Cycle;
import io.capstan.scheduler.testing.TestNode;
import io.capstan.scheduler.testing.TestPod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

/** NodeUnschedulable, NodeName and NodePorts. */
class SimpleFiltersTest {

    static Stream<Arguments> cases() {
        Plugin unschedulable = new NodeUnschedulable();
        Plugin nodeName = new NodeName();
        Plugin ports = new NodePorts();
        return Stream.of(
                Arguments.of("schedulable node", unschedulable, pod("p"), node("n"), null, null),
                Arguments.of("cordoned node", unschedulable, pod("p"), node("n").unschedulable(),
                        Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) were unschedulable"),
                Arguments.of("cordoned node, tolerated", unschedulable,
                        pod("p").tolerate("node.kubernetes.io/unschedulable", "Exists", null, "NoSchedule"), node("n").unschedulable(), null, null),
                Arguments.of("no node name", nodeName, pod("p"), node("n"), null, null),
                Arguments.of("the named node", nodeName, pod("p").on("n"), node("n"), null, null),
                Arguments.of("another node", nodeName, pod("p").on("m"), node("n"),
                        Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) didn't match the requested node name"),
                Arguments.of("free host port", ports, pod("p").hostPort(8080), node("n").with(pod("a").hostPort(9090)), null, null),
                Arguments.of("taken host port", ports, pod("p").hostPort(8080), node("n").with(pod("a").hostPort(8080)),
                        Status.Code.UNSCHEDULABLE, "node(s) didn't have free ports for the requested pod ports"),
                Arguments.of("no host ports", ports, pod("p"), node("n").with(pod("a").hostPort(8080)), null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void filter(String name, Plugin plugin, TestPod pod, TestNode node, Status.Code code, String reason) {
        NodeInfo n = node.info();
        Status st = Cycle.filter(plugin, pod.info(), n, Snapshot.of(List.of(n)));
        if (code == null) {
            assertThat(st.isSuccess()).isTrue();
        } else {
            assertThat(st.code()).isEqualTo(code);
            assertThat(st.reasons()).containsExactly(reason);
        }
    }
}
