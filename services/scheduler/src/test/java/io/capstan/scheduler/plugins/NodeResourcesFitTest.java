package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.NodeInfo;
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

class NodeResourcesFitTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("fits an empty node", pod("p").cpu("1").memory("1Gi"), node("n"), List.of()),
                Arguments.of("cpu short", pod("p").cpu("5"), node("n"), List.of("Insufficient cpu")),
                Arguments.of("cpu short because of the pods already there", pod("p").cpu("2"),
                        node("n").with(pod("a").cpu("1500m")).with(pod("b").cpu("600m")), List.of("Insufficient cpu")),
                Arguments.of("exactly the rest fits", pod("p").cpu("2500m"), node("n").with(pod("a").cpu("1500m")), List.of()),
                Arguments.of("memory short", pod("p").memory("9Gi"), node("n"), List.of("Insufficient memory")),
                Arguments.of("every shortage is its own reason", pod("p").cpu("5").memory("9Gi").request("ephemeral-storage", "1Gi"),
                        node("n"), List.of("Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage")),
                Arguments.of("pod slots", pod("p"), node("n").pods(1).with(pod("a")), List.of("Too many pods")),
                Arguments.of("pod slots and cpu", pod("p").cpu("5"), node("n").pods(1).with(pod("a")), List.of("Too many pods", "Insufficient cpu")),
                Arguments.of("a best-effort pod only needs a pod slot", pod("p"), node("n").cpu("0").memory("0"), List.of()),
                Arguments.of("extended resource missing", pod("p").request("nvidia.com/gpu", "1"), node("n"), List.of("Insufficient nvidia.com/gpu")),
                Arguments.of("extended resource present", pod("p").request("nvidia.com/gpu", "2"), node("n").resource("nvidia.com/gpu", "2"), List.of()),
                Arguments.of("extended resource taken", pod("p").request("nvidia.com/gpu", "1"),
                        node("n").resource("nvidia.com/gpu", "1").with(pod("a").request("nvidia.com/gpu", "1")), List.of("Insufficient nvidia.com/gpu")),
                Arguments.of("the largest init container counts when above the sum", pod("p").cpu("1").initContainer("3500m", null),
                        node("n").with(pod("a").cpu("1")), List.of("Insufficient cpu")),
                Arguments.of("init containers below the sum do not count", pod("p").cpu("1").container("1", null).initContainer("1500m", null),
                        node("n").with(pod("a").cpu("1")), List.of()),
                Arguments.of("sidecars add to the sum", pod("p").cpu("2").sidecar("1500m", null),
                        node("n").with(pod("a").cpu("1")), List.of("Insufficient cpu")),
                Arguments.of("overhead adds to the requests", pod("p").cpu("3").overhead("1500m", "0"),
                        node("n"), List.of("Insufficient cpu")),
                Arguments.of("overhead of pods on the node counts", pod("p").cpu("1"),
                        node("n").with(pod("a").cpu("2").overhead("1500m", "0")), List.of("Insufficient cpu")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void filter(String name, TestPod pod, TestNode node, List<String> reasons) {
        NodeInfo n = node.info();
        Status st = Cycle.filter(new NodeResourcesFit(), pod.info(), n, Snapshot.of(List.of(n)));
        assertThat(st.reasons()).containsExactlyElementsOf(reasons);
        assertThat(st.code()).isEqualTo(reasons.isEmpty() ? Status.Code.SUCCESS : Status.Code.UNSCHEDULABLE);
    }
}
