package io.capstan.scheduler;

import io.capstan.scheduler.cache.SchedulerCache;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.plugins.DefaultPlugins;
import io.capstan.scheduler.queue.QueuedPodInfo;
import io.capstan.scheduler.queue.SchedulingQueue;
import io.capstan.scheduler.testing.TestNode;
import io.capstan.scheduler.testing.TestPod;
import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

/** Whole scheduling cycles with the default profile, a real cache and queue, and recorded writes. */
class SchedulerCycleTest {
    /** Plays the api-server: records writes; a bind confirms the pod in the cache as the informer would. */
    final class FakeApi implements SchedulerActions {
        final Map<String, String> bound = new ConcurrentHashMap<>();
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> conditions = Collections.synchronizedList(new ArrayList<>());
        final List<String> deleted = Collections.synchronizedList(new ArrayList<>());
        volatile String bindError;

        @Override
        public Status bind(PodInfo p, String nodeName) {
            if (bindError != null) {
                return Status.error(bindError);
            }
            bound.put(p.name(), nodeName);
            Pod boundPod = new io.fabric8.kubernetes.api.model.PodBuilder(p.pod()).editSpec().withNodeName(nodeName).endSpec().build();
            pods.put(p.key(), boundPod);
            cache.addPod(new PodInfo(boundPod));
            return Status.SUCCESS;
        }

        @Override
        public Status deletePod(PodInfo victim) {
            deleted.add(victim.name());
            return Status.SUCCESS;
        }

        @Override
        public void clearNominatedNodeName(PodInfo p) {
        }

        @Override
        public void event(PodInfo p, String type, String reason, String message) {
            events.add(p.name() + " " + type + " " + reason + " " + message);
        }

        @Override
        public void updateCondition(PodInfo p, String reason, String message, String nominatedNodeName) {
            conditions.add(p.name() + " " + reason + " nominated=" + nominatedNodeName);
        }
    }

    private final SchedulerCache cache = new SchedulerCache(Duration.ofSeconds(30));
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final SchedulingQueue queue = new SchedulingQueue(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(5),
            (q, e) -> true, SchedulingQueue.Listener.NONE, System::nanoTime);
    private final FakeApi api = new FakeApi();
    private final Snapshot snapshot = new Snapshot();
    private final Scheduler scheduler = scheduler(0);

    private Scheduler scheduler(int percentage) {
        Framework fw = Framework.builder("default-scheduler", DefaultPlugins.registry()).plugins(DefaultPlugins.DEFAULT_PROFILE)
                .weights(DefaultPlugins.DEFAULT_WEIGHTS).snapshot(() -> snapshot).nominations(queue.nominator()::forNode)
                .actions(api).build();
        return new Scheduler(cache, queue, Map.of("default-scheduler", new Scheduler.Profile(fw, api)), snapshot,
                new SchedulerMetrics(new SimpleMeterRegistry(), queue::pending), pods::get, percentage, 4);
    }

    @AfterEach
    void close() {
        scheduler.close();
    }

    private void nodes(TestNode... nodes) {
        for (TestNode n : nodes) {
            cache.addNode(n.build());
        }
    }

    private void running(TestPod p) {
        Pod pod = p.build();
        pods.put(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), pod);
        cache.addPod(new PodInfo(pod));
    }

    /** Queues the pod, runs one cycle, waits for its binding. */
    private void schedule(TestPod p) throws InterruptedException {
        Pod pod = p.build();
        pods.put(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), pod);
        queue.add(new PodInfo(pod));
        QueuedPodInfo q = queue.pop(Duration.ZERO);
        scheduler.scheduleOne(q);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (scheduler.bindingsInFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    @ParameterizedTest(name = "{0} nodes, profile {1}%, global {2}% -> {3}")
    @CsvSource({
            "50, 0, 0, 50",
            "99, 0, 0, 99",
            "100, 0, 0, 100",
            "1000, 0, 0, 420",
            "5000, 0, 0, 500",
            "6000, 0, 0, 300",
            "1000, 30, 0, 300",
            "1000, 0, 20, 200",
            "1000, 30, 20, 300",
            "150, 10, 0, 100"})
    void percentageOfNodesToScore(int nodes, int profile, int global, int expected) {
        assertThat(Scheduler.numFeasibleNodesToFind(profile, global, nodes)).isEqualTo(expected);
    }

    @Test
    void podsSpreadOverEqualNodes() throws InterruptedException {
        nodes(node("a"), node("b"), node("c"));
        for (int i = 0; i < 6; i++) {
            schedule(pod("web-" + i).cpu("1").memory("1Gi"));
        }
        assertThat(api.bound).hasSize(6);
        assertThat(api.bound.values().stream().filter("a"::equals).count()).isEqualTo(2);
        assertThat(api.bound.values().stream().filter("b"::equals).count()).isEqualTo(2);
        assertThat(api.bound.values().stream().filter("c"::equals).count()).isEqualTo(2);
        assertThat(api.events).contains("web-0 Normal Scheduled Successfully assigned default/web-0 to " + api.bound.get("web-0"));
    }

    @Test
    void aPodTooBigForEveryNodeIsReportedInKubernetesWords() throws InterruptedException {
        nodes(node("a"), node("b"), node("c"));
        schedule(pod("huge").cpu("16"));
        assertThat(api.bound).isEmpty();
        assertThat(api.events).containsExactly("huge Warning FailedScheduling 0/3 nodes are available: 3 Insufficient cpu. "
                + "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
        Thread.sleep(200);
        assertThat(api.conditions).containsExactly("huge Unschedulable nominated=null");
        assertThat(queue.whereIs("default/huge")).isEqualTo(SchedulingQueue.Where.UNSCHEDULABLE);
    }

    @Test
    void mixedReasonsAreCountedPerReason() throws InterruptedException {
        nodes(node("a").taint("dedicated", "gpu", "NoSchedule"), node("b").unschedulable(), node("c").cpu("1"), node("d").label("disk", "hdd"));
        schedule(pod("p").cpu("2").nodeSelector("kubernetes.io/os", "linux"));
        assertThat(api.events).hasSize(1);
        assertThat(api.events.get(0)).startsWith("p Warning FailedScheduling 0/4 nodes are available: "
                + "1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector.");
    }

    @Test
    void podsPinnedToANodeByNameOnlyTryThatNode() throws InterruptedException {
        nodes(node("a").cpu("1"), node("b"), node("c"));
        schedule(pod("ds-a").cpu("2").requiredNodeField("metadata.name", "In", "a"));
        assertThat(api.events).containsExactly("ds-a Warning FailedScheduling 0/3 nodes are available: 1 Insufficient cpu, "
                + "2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: "
                + "1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.");
        schedule(pod("ds-b").cpu("2").requiredNodeField("metadata.name", "In", "b"));
        assertThat(api.bound).containsEntry("ds-b", "b");
    }

    @Test
    void noNodesAtAll() throws InterruptedException {
        schedule(pod("p"));
        assertThat(api.events).containsExactly("p Warning FailedScheduling no nodes available to schedule pods");
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.BACKOFF);
    }

    @Test
    void nodeSelectorAffinityAndTaintsAreHonoured() throws InterruptedException {
        nodes(node("ssd").label("disk", "ssd"), node("hdd").label("disk", "hdd"), node("gpu").taint("gpu", "true", "NoSchedule"));
        schedule(pod("fast").nodeSelector("disk", "ssd"));
        schedule(pod("slow").requiredNodeTerm("disk", "In", "hdd"));
        schedule(pod("ml").tolerate("gpu", "Exists", null, "NoSchedule").requiredNodeTerm("kubernetes.io/hostname", "In", "gpu"));
        assertThat(api.bound).containsEntry("fast", "ssd").containsEntry("slow", "hdd").containsEntry("ml", "gpu");
    }

    @Test
    void podsOfOtherSchedulersAreLeftAlone() throws InterruptedException {
        nodes(node("a"));
        schedule(pod("mine"));
        schedule(pod("theirs").scheduler("other-scheduler"));
        assertThat(api.bound).containsOnlyKeys("mine");
        assertThat(api.events).noneMatch(e -> e.startsWith("theirs"));
    }

    @Test
    void filteringResumesWhereTheLastCycleStopped() throws InterruptedException {
        TestNode[] many = new TestNode[200];
        for (int i = 0; i < many.length; i++) {
            many[i] = node(String.format("n%03d", i));
        }
        nodes(many);
        // 200 nodes: max(200 x 48%, 100) = 100 feasible nodes are enough, so two cycles see disjoint halves
        schedule(pod("first"));
        schedule(pod("second"));
        int first = Integer.parseInt(api.bound.get("first").substring(1));
        int second = Integer.parseInt(api.bound.get("second").substring(1));
        assertThat(first).isLessThan(100);
        assertThat(second).isGreaterThanOrEqualTo(100);
    }

    @Test
    void aHigherPriorityPodPreemptsAndIsNominated() throws InterruptedException {
        nodes(node("a").cpu("2"));
        running(pod("low").cpu("2").priority(0).on("a"));
        schedule(pod("vip").cpu("2").priority(1000));
        assertThat(api.deleted).containsExactly("low");
        assertThat(api.events).contains("vip Warning FailedScheduling 0/1 nodes are available: 1 Insufficient cpu.");
        Thread.sleep(200);
        assertThat(api.conditions).containsExactly("vip Unschedulable nominated=a");
        assertThat(queue.nominator().nodeOf("default/vip")).isEqualTo("a");

        // the victim goes; the preemptor lands on its nominated node
        cache.removePod("default/low");
        Pod vip = new io.fabric8.kubernetes.api.model.PodBuilder(pods.get("default/vip")).editStatus().withNominatedNodeName("a").endStatus().build();
        pods.put("default/vip", vip);
        queue.update(new PodInfo(vip));
        queue.moveAllToActiveOrBackoff(io.capstan.scheduler.framework.ClusterEvent.ASSIGNED_POD_DELETE);
        QueuedPodInfo q = queue.pop(Duration.ofSeconds(3));
        scheduler.scheduleOne(q);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!api.bound.containsKey("vip") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(api.bound).containsEntry("vip", "a");
    }

    @Test
    void aNominatedPodKeepsItsSpaceFromLowerPriorityPods() throws InterruptedException {
        nodes(node("a").cpu("2"));
        queue.nominator().nominate(pod("vip").cpu("2").priority(1000).info(), "a");
        schedule(pod("latecomer").cpu("1").priority(0));
        assertThat(api.bound).isEmpty();
        assertThat(api.events).anyMatch(e -> e.startsWith("latecomer Warning FailedScheduling 0/1 nodes are available: 1 Insufficient cpu."));
    }

    @Test
    void aFailedBindingIsUndoneAndRetried() throws InterruptedException {
        nodes(node("a").cpu("1"));
        api.bindError = "etcd is on fire";
        schedule(pod("p").cpu("1"));
        assertThat(api.events).contains("p Warning FailedScheduling Binding rejected: etcd is on fire");
        assertThat(cache.isAssumed("default/p")).isFalse();
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("a").requested().milliCpu()).isZero();
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.BACKOFF);
    }
}
