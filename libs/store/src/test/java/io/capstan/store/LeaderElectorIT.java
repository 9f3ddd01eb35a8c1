package io.capstan.store;

import io.capstan.testkit.EtcdProcess;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class LeaderElectorIT {
    private static EtcdProcess etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    /** Counts how many candidates lead at once and the most that ever did. */
    static final class Leadership {
        final AtomicInteger leaders = new AtomicInteger();
        final AtomicInteger maxLeaders = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();

        Runnable start() {
            return () -> maxLeaders.accumulateAndGet(leaders.incrementAndGet(), Math::max);
        }

        Runnable stop() {
            return () -> {
                leaders.decrementAndGet();
                stops.incrementAndGet();
            };
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void oneCandidateLeadsAndTheOtherTakesOverWhenItCloses() throws Exception {
        String election = "/capstan/test/leader/" + UUID.randomUUID();
        Leadership leadership = new Leadership();
        try (Client c1 = Client.builder().endpoints(etcd.endpoint()).build();
             Client c2 = Client.builder().endpoints(etcd.endpoint()).build();
             LeaderElector first = new LeaderElector(c1, election, "first", Duration.ofSeconds(2));
             LeaderElector second = new LeaderElector(c2, election, "second", Duration.ofSeconds(2))) {
            first.runWhenLeader(leadership.start(), leadership.stop());
            await("first leads", Duration.ofSeconds(10), first::isLeader);
            second.runWhenLeader(leadership.start(), leadership.stop());

            Thread.sleep(3000);
            assertThat(second.isLeader()).as("second waits while first renews its lease").isFalse();

            first.close();
            assertThat(leadership.stops.get()).as("closing a leader calls stop").isEqualTo(1);
            await("second takes over", Duration.ofSeconds(10), second::isLeader);
            assertThat(leadership.maxLeaders.get()).isEqualTo(1);
        }
    }

    @Test
    void aCandidateTakesOverWhenTheLeadersLeaseExpires() throws Exception {
        String election = "/capstan/test/leader/" + UUID.randomUUID();
        Leadership leadership = new Leadership();
        Client crashing = Client.builder().endpoints(etcd.endpoint()).build();
        try (Client c2 = Client.builder().endpoints(etcd.endpoint()).build();
             LeaderElector first = new LeaderElector(crashing, election, "first", Duration.ofSeconds(2));
             LeaderElector second = new LeaderElector(c2, election, "second", Duration.ofSeconds(2))) {
            first.runWhenLeader(leadership.start(), leadership.stop());
            await("first leads", Duration.ofSeconds(10), first::isLeader);
            second.runWhenLeader(leadership.start(), leadership.stop());
            Thread.sleep(500);

            // like a crash: no resignation, no revoke, the keep-alives just stop
            crashing.close();

            await("first notices it lost leadership", Duration.ofSeconds(10), () -> !first.isLeader());
            await("second takes over after the lease expires", Duration.ofSeconds(15), second::isLeader);
            assertThat(leadership.maxLeaders.get()).isEqualTo(1);
        }
    }
}
