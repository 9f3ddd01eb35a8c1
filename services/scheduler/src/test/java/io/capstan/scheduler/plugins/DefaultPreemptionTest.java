package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.PodActions;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PostFilterResult;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.testing.TestNode;
import io.capstan.scheduler.testing.TestPod;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

class DefaultPreemptionTest {
    /** Records what preemption deletes and which events it writes. */
    static final class Recorder implements PodActions {
        final List<String> deleted = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        final List<String> cleared = new ArrayList<>();

        @Override
        public Status bind(PodInfo pod, String nodeName) {
            return Status.SUCCESS;
        }

        @Override
        public Status deletePod(PodInfo victim) {
            deleted.add(victim.name());
            return Status.SUCCESS;
        }

        @Override
        public void clearNominatedNodeName(PodInfo pod) {
            cleared.add(pod.name());
        }

        @Override
        public void event(PodInfo pod, String type, String reason, String message) {
            events.add(pod.name() + " " + reason + " " + message);
        }
    }

    private final Recorder actions = new Recorder();

    private PostFilterResult preempt(TestPod pod, TestNode... nodes) {
        List<NodeInfo> infos = new ArrayList<>();
        for (TestNode n : nodes) {
            infos.add(n.info());
        }
        Snapshot snapshot = Snapshot.of(infos);
        Framework fw = Framework.builder("default-scheduler", DefaultPlugins.registry()).plugins(DefaultPlugins.DEFAULT_PROFILE)
                .snapshot(() -> snapshot).actions(actions).build();
        PodInfo p = pod.info();
        CycleState state = new CycleState();
        fw.runPreFilterPlugins(state, p);
        Map<String, Status> statuses = new HashMap<>();
        for (NodeInfo n : infos) {
            Status st = fw.runFilterPlugins(state, p, n);
            assertThat(st.isSuccess()).as("the pod must not fit %s before preemption", n.name()).isFalse();
            statuses.put(n.name(), st);
        }
        return fw.runPostFilterPlugins(state, p, statuses);
    }

    @Test
    void evictsTheLowerPriorityPodThatFreesEnough() {
        PostFilterResult r = preempt(pod("vip").cpu("3").priority(1000),
                node("n1").with(pod("low").cpu("3").priority(10)),
                node("n2").with(pod("high").cpu("3").priority(2000)));
        assertThat(r.status().isSuccess()).isTrue();
        assertThat(r.nominatedNodeName()).isEqualTo("n1");
        assertThat(actions.deleted).containsExactly("low");
        assertThat(actions.events).containsExactly("low Preempted Preempted by pod uid-vip on node n1");
    }

    @Test
    void reprievesTheMostImportantPodsThatCanStay() {
        PostFilterResult r = preempt(pod("vip").cpu("2").priority(1000),
                node("n1").cpu("4").with(pod("a").cpu("1").priority(5)).with(pod("b").cpu("1").priority(50))
                        .with(pod("c").cpu("2").priority(1)));
        assertThat(r.nominatedNodeName()).isEqualTo("n1");
        assertThat(actions.deleted).containsExactly("c");
    }

    @Test
    void prefersTheNodeWhoseMostImportantVictimMattersLeast() {
        PostFilterResult r = preempt(pod("vip").cpu("3").priority(1000),
                node("n1").with(pod("a").cpu("3").priority(100)),
                node("n2").with(pod("b").cpu("2").priority(1)).with(pod("c").cpu("1").priority(2)));
        assertThat(r.nominatedNodeName()).isEqualTo("n2");
        // c is reprieved: without b alone there is room
        assertThat(actions.deleted).containsExactly("b");
    }

    @Test
    void prefersFewerVictimsWhenPrioritiesTie() {
        PostFilterResult r = preempt(pod("vip").cpu("3").priority(1000),
                node("n1").with(pod("a").cpu("2").priority(0)).with(pod("b").cpu("2").priority(0)),
                node("n2").with(pod("c").cpu("3").priority(0)));
        assertThat(r.nominatedNodeName()).isEqualTo("n2");
        assertThat(actions.deleted).containsExactly("c");
    }

    @Test
    void nothingToEvictSaysSoForEveryNode() {
        PostFilterResult r = preempt(pod("big").cpu("5"), node("n1"), node("n2"), node("n3"));
        assertThat(r.status().isSuccess()).isFalse();
        assertThat(r.status().message()).isEqualTo("preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
        assertThat(actions.deleted).isEmpty();
    }

    @Test
    void evictingEverythingWouldNotBeEnough() {
        PostFilterResult r = preempt(pod("huge").cpu("6").priority(100), node("n1").with(pod("a").cpu("1").priority(0)));
        assertThat(r.status().message()).isEqualTo("preemption: 0/1 nodes are available: 1 Insufficient cpu.");
    }

    @Test
    void unresolvableRejectionsAreNotWorthPreempting() {
        PostFilterResult r = preempt(pod("picky").cpu("1").priority(100).nodeSelector("disk", "ssd"),
                node("n1").with(pod("a").cpu("4").priority(0)), node("n2").with(pod("b").cpu("4").priority(0)));
        assertThat(r.status().message()).isEqualTo("preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
    }

    @Test
    void podsThatNeverPreemptDoNot() {
        PostFilterResult r = preempt(pod("polite").cpu("3").priority(1000).preemptionPolicy("Never"),
                node("n1").with(pod("low").cpu("3").priority(0)));
        assertThat(r.status().message()).isEqualTo("preemption: not eligible due to preemptionPolicy=Never.");
        assertThat(actions.deleted).isEmpty();
    }

    @Test
    void equalPriorityPodsAreNotVictims() {
        PostFilterResult r = preempt(pod("p").cpu("3").priority(10), node("n1").with(pod("peer").cpu("3").priority(10)));
        assertThat(r.status().message()).isEqualTo("preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
    }

    @Test
    void candidateCountIsTenPercentWithAFloorOfOneHundred() {
        assertThat(DefaultPreemption.numCandidates(50)).isEqualTo(50);
        assertThat(DefaultPreemption.numCandidates(500)).isEqualTo(100);
        assertThat(DefaultPreemption.numCandidates(5000)).isEqualTo(500);
    }
}
