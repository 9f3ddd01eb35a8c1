package io.capstan.scheduler.queue;

import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.testing.TestPod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;

class SchedulingQueueTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final Map<String, Set<ClusterEvent>> pluginEvents = Map.of(
            "NodeResourcesFit", EnumSet.of(ClusterEvent.NODE_ADD, ClusterEvent.ASSIGNED_POD_DELETE),
            "TaintToleration", EnumSet.of(ClusterEvent.NODE_TAINT_CHANGE));
    private final List<String> incoming = new ArrayList<>();
    private final SchedulingQueue queue = new SchedulingQueue(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(5),
            (q, event) -> q.unschedulablePlugins().stream().anyMatch(p -> pluginEvents.getOrDefault(p, Set.of()).contains(event)),
            (where, event) -> incoming.add(where + " " + event), clock::get);

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    private QueuedPodInfo popNow() throws InterruptedException {
        return queue.pop(Duration.ZERO);
    }

    private QueuedPodInfo failWith(TestPod pod, String... plugins) throws InterruptedException {
        queue.add(pod.info());
        QueuedPodInfo q = popNow();
        q.unschedulablePlugins(Set.of(plugins));
        queue.addUnschedulable(q);
        return q;
    }

    @Test
    void higherPriorityFirstThenTheOldest() throws InterruptedException {
        queue.add(pod("old-low").info());
        advance(Duration.ofMillis(1));
        queue.add(pod("high").priority(100).info());
        advance(Duration.ofMillis(1));
        queue.add(pod("new-low").info());
        assertThat(popNow().pod().name()).isEqualTo("high");
        assertThat(popNow().pod().name()).isEqualTo("old-low");
        assertThat(popNow().pod().name()).isEqualTo("new-low");
        assertThat(popNow()).isNull();
    }

    @Test
    void backoffDoublesFromOneSecondUpToTen() {
        QueuedPodInfo q = new QueuedPodInfo(pod("p").info(), 0);
        List<Long> seconds = new ArrayList<>();
        for (int attempts = 1; attempts <= 6; attempts++) {
            q.attempts = attempts;
            seconds.add(TimeUnit.NANOSECONDS.toSeconds(queue.backoffDuration(q)));
        }
        assertThat(seconds).containsExactly(1L, 2L, 4L, 8L, 10L, 10L);
    }

    @Test
    void aRejectedPodWaitsForAnEventItsPluginsCareAbout() throws InterruptedException {
        failWith(pod("p"), "NodeResourcesFit");
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.UNSCHEDULABLE);

        queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_LABEL_CHANGE);
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.UNSCHEDULABLE);

        queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_DELETE);
        assertThat(queue.whereIs("default/p")).as("still backing off").isEqualTo(SchedulingQueue.Where.BACKOFF);
        assertThat(popNow()).isNull();

        advance(Duration.ofMillis(1001));
        QueuedPodInfo again = popNow();
        assertThat(again.pod().name()).isEqualTo("p");
        assertThat(again.attempts()).isEqualTo(2);
        assertThat(incoming).contains("BACKOFF AssignedPodDelete", "ACTIVE BackoffComplete");
    }

    @Test
    void anEventAfterTheBackoffSendsThePodStraightToActive() throws InterruptedException {
        failWith(pod("p"), "TaintToleration");
        advance(Duration.ofSeconds(2));
        queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_TAINT_CHANGE);
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.ACTIVE);
    }

    @Test
    void anEventDuringTheCycleSendsTheFailedPodToBackoff() throws InterruptedException {
        queue.add(pod("p").info());
        QueuedPodInfo inFlight = popNow();
        queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_ADD);
        inFlight.unschedulablePlugins(Set.of("TaintToleration"));
        queue.addUnschedulable(inFlight);
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.BACKOFF);
    }

    @Test
    void anErrorRatherThanARejectionRetriesAfterBackoff() throws InterruptedException {
        failWith(pod("p"));
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.BACKOFF);
    }

    @Test
    void unschedulablePodsAreRetriedAfterFiveMinutesAnyway() throws InterruptedException {
        failWith(pod("p"), "TaintToleration");
        advance(Duration.ofMinutes(4));
        assertThat(popNow()).isNull();
        advance(Duration.ofMinutes(1).plusSeconds(30));
        assertThat(popNow().pod().name()).isEqualTo("p");
        assertThat(incoming).contains("ACTIVE UnschedulableTimeout");
    }

    @Test
    void aChangedSpecRetriesAnUnschedulablePodButAResyncDoesNot() throws InterruptedException {
        failWith(pod("p").cpu("8"), "NodeResourcesFit");
        queue.update(pod("p").cpu("8").info());
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.UNSCHEDULABLE);
        advance(Duration.ofSeconds(2));
        queue.update(pod("p").cpu("1").info());
        assertThat(queue.whereIs("default/p")).isEqualTo(SchedulingQueue.Where.ACTIVE);
        assertThat(popNow().pod().requests().milliCpu()).isEqualTo(1000);
    }

    @Test
    void deletedPodsLeaveEveryQueueAndTheirNomination() throws InterruptedException {
        queue.add(pod("a").nominated("n1").info());
        failWith(pod("b"), "TaintToleration");
        assertThat(queue.nominator().forNode("n1")).extracting(p -> p.name()).containsExactly("a");
        queue.delete("default/a");
        queue.delete("default/b");
        assertThat(queue.queuedKeys()).isEmpty();
        assertThat(queue.nominator().forNode("n1")).isEmpty();
    }

    @Test
    void aNewerCopyQueuedMeanwhileWinsOverTheFailedOne() throws InterruptedException {
        queue.add(pod("p").info());
        QueuedPodInfo inFlight = popNow();
        queue.update(pod("p").label("v", "2").info());
        inFlight.unschedulablePlugins(Set.of("TaintToleration"));
        queue.addUnschedulable(inFlight);
        QueuedPodInfo next = popNow();
        assertThat(next.pod().labels()).containsEntry("v", "2");
    }

    @Test
    void deletingMostPendingPodsLeavesTheRestInOrder() throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            queue.add(pod("p" + i).priority(i % 7).info());
        }
        for (int i = 0; i < 3000; i++) {
            if (i % 3 != 0) {
                queue.delete("default/p" + i);
            }
        }
        assertThat(queue.pending().get(SchedulingQueue.Where.ACTIVE)).isEqualTo(1000);
        List<Integer> priorities = new ArrayList<>();
        QueuedPodInfo q;
        while ((q = popNow()) != null) {
            assertThat(Integer.parseInt(q.pod().name().substring(1)) % 3).isZero();
            priorities.add(q.pod().priority());
        }
        assertThat(priorities).hasSize(1000).isSortedAccordingTo((a, b) -> Integer.compare(b, a));
    }

    @Test
    void aPriorityChangeMovesAQueuedPodAhead() throws InterruptedException {
        queue.add(pod("first").info());
        advance(Duration.ofMillis(1));
        queue.add(pod("second").info());
        queue.update(pod("second").priority(100).info());
        assertThat(popNow().pod().name()).isEqualTo("second");
        assertThat(popNow().pod().name()).isEqualTo("first");
        assertThat(popNow()).isNull();
    }

    @Test
    void popWaitsForAPodAndCloseWakesIt() throws InterruptedException {
        SchedulingQueue real = new SchedulingQueue(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(5),
                (q, e) -> true, SchedulingQueue.Listener.NONE, System::nanoTime);
        Thread adder = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
                return;
            }
            real.add(pod("late").info());
        });
        adder.start();
        assertThat(real.pop(Duration.ofSeconds(10)).pod().name()).isEqualTo("late");
        long start = System.nanoTime();
        assertThat(real.pop(Duration.ofMillis(50))).isNull();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
        real.close();
        assertThat(real.pop(Duration.ofSeconds(10))).isNull();
    }
}
