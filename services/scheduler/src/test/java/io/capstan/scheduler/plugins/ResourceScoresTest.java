package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.NodeInfo;
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

/** NodeResourcesLeastAllocated and NodeResourcesBalancedAllocation, with Kubernetes' own test numbers. */
class ResourceScoresTest {

    static Stream<Arguments> leastAllocated() {
        return Stream.of(
                // a pod without requests counts as 100m and 200Mi: cpu 3900*100/4000 = 97, memory (10Gi-200Mi)*100/10Gi = 98
                Arguments.of("best-effort pods count default requests", pod("p"), List.of(node("a").cpu("4").memory("10Gi"),
                        node("b").cpu("4").memory("10Gi")), new long[]{97, 97}),
                // cpu: (4000-3000)*100/4000 = 25; memory: (10000-5000)*100/10000 = 50 -> 37
                // cpu: (6000-3000)*100/6000 = 50; memory: (10000-5000)*100/10000 = 50 -> 50
                Arguments.of("requests against different capacities", pod("p").cpu("3").memory("5000"),
                        List.of(node("a").cpu("4").memory("10000"), node("b").cpu("6").memory("10000")), new long[]{37, 50}),
                Arguments.of("pods already on the node count", pod("p").cpu("1").memory("2000"),
                        List.of(node("a").cpu("4").memory("10000").with(pod("x").cpu("2").memory("3000")), node("b").cpu("4").memory("10000")),
                        new long[]{(25 + 50) / 2, (75 + 80) / 2}),
                Arguments.of("more requested than allocatable scores zero", pod("p").cpu("5").memory("20000"),
                        List.of(node("a").cpu("4").memory("10000")), new long[]{0}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leastAllocated")
    void leastAllocatedPrefersFreeNodes(String name, TestPod pod, List<TestNode> nodes, long[] expected) {
        List<NodeInfo> infos = nodes.stream().map(TestNode::info).toList();
        assertThat(Cycle.score(new NodeResourcesLeastAllocated(), pod.info(), infos)).containsExactly(expected);
    }

    static Stream<Arguments> balanced() {
        return Stream.of(
                // cpu 3000/4000 = 0.75, memory 5000/10000 = 0.5 -> (1 - 0.125) * 100 = 87
                // cpu 3000/6000 = 0.5, memory 5000/10000 = 0.5 -> 100
                Arguments.of("equal fractions win", pod("p").cpu("3").memory("5000"),
                        List.of(node("a").cpu("4").memory("10000"), node("b").cpu("6").memory("10000")), new long[]{87, 100}),
                Arguments.of("fractions above one are capped", pod("p").cpu("8").memory("5000"),
                        List.of(node("a").cpu("4").memory("10000")), new long[]{75}),
                Arguments.of("best-effort pods skip balancing", pod("p"),
                        List.of(node("a").cpu("4").memory("10000").with(pod("x").cpu("3")), node("b")), new long[]{0, 0}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balanced")
    void balancedAllocationPrefersEvenUse(String name, TestPod pod, List<TestNode> nodes, long[] expected) {
        List<NodeInfo> infos = nodes.stream().map(TestNode::info).toList();
        assertThat(Cycle.score(new NodeResourcesBalancedAllocation(), pod.info(), infos)).containsExactly(expected);
    }
}
