package io.capstan.store;

import io.capstan.testkit.EtcdProcess;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class LeaderElectionIT {
    @Test
    void exactlyOneCandidateLeadsAndTheOtherTakesOverWhenItResigns() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start();
             EtcdStore a = EtcdStore.connect(etcd.endpoint());
             EtcdStore b = EtcdStore.connect(etcd.endpoint())) {
            AtomicInteger leaders = new AtomicInteger();
            LeaderElection first = new LeaderElection(a.client(), "test-election", "a", Duration.ofSeconds(5),
                    leaders::incrementAndGet, leaders::decrementAndGet).start();
            awaitTrue(first::isLeader);
            LeaderElection second = new LeaderElection(b.client(), "test-election", "b", Duration.ofSeconds(5),
                    leaders::incrementAndGet, leaders::decrementAndGet).start();
            Thread.sleep(1000);
            assertThat(second.isLeader()).isFalse();
            assertThat(leaders.get()).isEqualTo(1);
            first.close();
            awaitTrue(second::isLeader);
            assertThat(leaders.get()).isEqualTo(1);
            second.close();
            assertThat(leaders.get()).isZero();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
