package io.capstan.scheduler.cache;

import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Snapshot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static io.capstan.scheduler.testing.TestNode.node;
import static io.capstan.scheduler.testing.TestPod.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchedulerCacheTest {
    private final AtomicLong clock = new AtomicLong();
    private final SchedulerCache cache = new SchedulerCache(Duration.ofSeconds(30), clock::get);
    private final Snapshot snapshot = new Snapshot();

    @Test
    void anAssumedPodCountsAtOnceAndIsConfirmedByTheInformer() {
        cache.addNode(node("n1").build());
        PodInfo p = pod("p").cpu("1").info();
        cache.assumePod(p, "n1");
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("n1").requested().milliCpu()).isEqualTo(1000);
        assertThat(cache.isAssumed("default/p")).isTrue();

        cache.addPod(pod("p").cpu("1").on("n1").info());
        assertThat(cache.isAssumed("default/p")).isFalse();
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("n1").pods()).hasSize(1);
        assertThat(snapshot.get("n1").requested().milliCpu()).isEqualTo(1000);
    }

    @Test
    void aFailedBindingIsForgotten() {
        cache.addNode(node("n1").build());
        PodInfo p = pod("p").cpu("1").info();
        cache.assumePod(p, "n1");
        cache.forgetPod(p);
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("n1").pods()).isEmpty();
        assertThat(snapshot.get("n1").requested().milliCpu()).isZero();
    }

    @Test
    void withoutATtlAssumedPodsWaitForTheInformerHoweverLong() {
        SchedulerCache patient = new SchedulerCache(Duration.ZERO, clock::get);
        patient.addNode(node("n1").build());
        PodInfo p = pod("p").info();
        patient.assumePod(p, "n1");
        patient.finishBinding(p);
        clock.addAndGet(Duration.ofHours(1).toNanos());
        assertThat(patient.cleanupExpiredAssumedPods()).isEmpty();
        assertThat(patient.isAssumed("default/p")).isTrue();
    }

    @Test
    void aPodCannotBeAssumedTwice() {
        cache.addNode(node("n1").build());
        cache.assumePod(pod("p").info(), "n1");
        assertThatThrownBy(() -> cache.assumePod(pod("p").info(), "n1")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anUnconfirmedAssumptionExpiresOnlyAfterItsBindingFinished() {
        cache.addNode(node("n1").build());
        PodInfo p = pod("p").info();
        cache.assumePod(p, "n1");
        clock.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(cache.cleanupExpiredAssumedPods()).as("binding still in flight").isEmpty();
        cache.finishBinding(p);
        clock.addAndGet(Duration.ofSeconds(29).toNanos());
        assertThat(cache.cleanupExpiredAssumedPods()).isEmpty();
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(cache.cleanupExpiredAssumedPods()).extracting(PodInfo::name).containsExactly("p");
        assertThat(cache.podCount()).isZero();
    }

    @Test
    void snapshotsOnlyTakeTheNodesThatChanged() {
        cache.addNode(node("n1").build());
        cache.addNode(node("n2").build());
        cache.updateSnapshot(snapshot);
        NodeInfo n1 = snapshot.get("n1");
        NodeInfo n2 = snapshot.get("n2");
        cache.addPod(pod("p").on("n2").info());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("n1")).isSameAs(n1);
        assertThat(snapshot.get("n2")).isNotSameAs(n2);
        assertThat(snapshot.get("n2").generation()).isGreaterThan(n2.generation());
    }

    @Test
    void podsArrivingBeforeTheirNodeCountOnceItArrives() {
        cache.addPod(pod("early").cpu("2").on("late-node").info());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.size()).isZero();
        cache.addNode(node("late-node").build());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("late-node").requested().milliCpu()).isEqualTo(2000);
    }

    @Test
    void removingANodeKeepsItsPodsUntilTheyGo() {
        cache.addNode(node("n1").build());
        cache.addPod(pod("p").on("n1").info());
        cache.removeNode("n1");
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("n1")).isNull();
        assertThat(cache.podCount()).isEqualTo(1);
        cache.removePod("default/p");
        assertThat(cache.node("n1")).isNull();
    }

    @Test
    void nodeUpdatesKeepThePods() {
        cache.addNode(node("n1").build());
        cache.addPod(pod("p").cpu("1").on("n1").info());
        cache.updateNode(node("n1").cpu("8").label("new", "label").build());
        cache.updateSnapshot(snapshot);
        assertThat(snapshot.get("n1").allocatable().milliCpu()).isEqualTo(8000);
        assertThat(snapshot.get("n1").labels()).containsEntry("new", "label");
        assertThat(snapshot.get("n1").requested().milliCpu()).isEqualTo(1000);
    }
}
