package io.capstan.scheduler;

import io.capstan.controller.ResourceEventHandler;
import io.capstan.scheduler.cache.SchedulerCache;
import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.queue.QueuedPodInfo;
import io.capstan.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

class ClusterEventHandlersTest {
    private final List<ClusterEvent> seen = new ArrayList<>();
    private final SchedulerCache cache = new SchedulerCache(Duration.ZERO);
    private final SchedulingQueue queue = new SchedulingQueue(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(5),
            (q, e) -> {
                seen.add(e);
                return true;
            }, SchedulingQueue.Listener.NONE, System::nanoTime);
    private final ClusterEventHandlers handlers = new ClusterEventHandlers(cache, queue, Set.of("default-scheduler"));
    private final ResourceEventHandler<Pod> pods = handlers.pods();
    private final ResourceEventHandler<Node> nodes = handlers.nodes();

    /** Parks a pod in unschedulable so moves become visible through the event filter. */
    private void parkOneUnschedulablePod() throws InterruptedException {
        queue.add(pod("parked").info());
        QueuedPodInfo q = queue.pop(Duration.ZERO);
        q.unschedulablePlugins(Set.of("SomePlugin"));
        queue.addUnschedulable(q);
    }

    @Test
    void pendingPodsOfOurProfilesAreQueuedOthersAreNot() {
        pods.onAdd(pod("ours").build());
        pods.onAdd(pod("theirs").scheduler("other").build());
        assertThat(queue.queuedKeys()).containsExactly("default/ours");
    }

    @Test
    void aPodSeenBoundLeavesTheQueueAndCountsOnItsNode() throws InterruptedException {
        cache.addNode(node("n1").build());
        parkOneUnschedulablePod();
        Pod pending = pod("p").cpu("1").build();
        pods.onAdd(pending);
        pods.onUpdate(pending, pod("p").cpu("1").on("n1").build());
        assertThat(queue.whereIs("default/p")).isNull();
        assertThat(cache.node("n1").requested().milliCpu()).isEqualTo(1000);
        assertThat(seen).contains(ClusterEvent.ASSIGNED_POD_ADD);
    }

    @Test
    void finishedAndDeletedPodsFreeTheirNode() throws InterruptedException {
        cache.addNode(node("n1").build());
        Pod running = pod("p").cpu("1").on("n1").build();
        pods.onAdd(running);
        parkOneUnschedulablePod();
        Pod done = new PodBuilder(running).editStatus().withPhase("Succeeded").endStatus().build();
        pods.onUpdate(running, done);
        assertThat(cache.node("n1").requested().milliCpu()).isZero();
        assertThat(seen).contains(ClusterEvent.ASSIGNED_POD_DELETE);

        Pod other = pod("q").cpu("2").on("n1").build();
        pods.onAdd(other);
        pods.onDelete(other);
        assertThat(cache.node("n1").pods()).isEmpty();
    }

    @Test
    void updatesOfAPodBeingBoundAreIgnored() {
        cache.addNode(node("n1").build());
        cache.assumePod(pod("p").info(), "n1");
        pods.onUpdate(pod("p").build(), pod("p").label("x", "y").build());
        assertThat(queue.whereIs("default/p")).isNull();
    }

    @Test
    void nodeChangesAreNamedByWhatChanged() {
        Node base = node("n1").label("zone", "a").build();
        assertThat(ClusterEventHandlers.changes(base, node("n1").label("zone", "a").build())).isEmpty();
        assertThat(ClusterEventHandlers.changes(base, node("n1").label("zone", "b").build())).containsExactly(ClusterEvent.NODE_LABEL_CHANGE);
        assertThat(ClusterEventHandlers.changes(base, node("n1").label("zone", "a").cpu("8").build()))
                .containsExactly(ClusterEvent.NODE_ALLOCATABLE_CHANGE);
        assertThat(ClusterEventHandlers.changes(base, node("n1").label("zone", "a").taint("k", "v", "NoSchedule").build()))
                .containsExactly(ClusterEvent.NODE_TAINT_CHANGE);
        assertThat(ClusterEventHandlers.changes(base, node("n1").label("zone", "a").unschedulable().build()))
                .containsExactly(ClusterEvent.NODE_SPEC_UNSCHEDULABLE_CHANGE);
        Node notReady = new NodeBuilder(base).editStatus().addNewCondition().withType("Ready").withStatus("False").endCondition().endStatus().build();
        assertThat(ClusterEventHandlers.changes(base, notReady)).containsExactly(ClusterEvent.NODE_CONDITION_CHANGE);
    }

    @Test
    void anAddedNodeIsCachedAndWakesRejectedPods() throws InterruptedException {
        parkOneUnschedulablePod();
        nodes.onAdd(node("n9").build());
        assertThat(cache.node("n9")).isNotNull();
        assertThat(seen).contains(ClusterEvent.NODE_ADD);
        assertThat(queue.whereIs("default/parked")).isNotEqualTo(SchedulingQueue.Where.UNSCHEDULABLE);
    }
}
