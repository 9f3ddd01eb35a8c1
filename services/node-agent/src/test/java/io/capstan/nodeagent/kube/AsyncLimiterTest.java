package io.capstan.nodeagent.kube;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class AsyncLimiterTest {
    @Test
    void atMostLimitRequestsAreInFlightAndTheRestRunInOrder() {
        AsyncLimiter limiter = new AsyncLimiter(2);
        List<CompletableFuture<String>> pending = new ArrayList<>();
        List<CompletableFuture<String>> results = new ArrayList<>();
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            results.add(limiter.submit(() -> {
                started.add(n);
                CompletableFuture<String> f = new CompletableFuture<>();
                pending.add(f);
                return f;
            }));
        }
        assertThat(started).containsExactly(0, 1);
        assertThat(limiter.inFlight()).isEqualTo(2);
        assertThat(limiter.queued()).isEqualTo(3);
        pending.get(0).complete("a");
        assertThat(started).containsExactly(0, 1, 2);
        pending.get(1).completeExceptionally(new IllegalStateException("boom"));
        pending.get(2).complete("c");
        pending.get(3).complete("d");
        pending.get(4).complete("e");
        assertThat(results.get(0).join()).isEqualTo("a");
        assertThat(results.get(1)).isCompletedExceptionally();
        assertThat(results.get(4).join()).isEqualTo("e");
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void urgentRequestsGoAheadOfQueuedOnesButNotOfEachOther() {
        AsyncLimiter limiter = new AsyncLimiter(1);
        List<CompletableFuture<String>> pending = new ArrayList<>();
        List<String> started = new ArrayList<>();
        for (String name : List.of("status-1", "status-2", "lease-1", "status-3", "lease-2")) {
            java.util.function.Supplier<CompletableFuture<String>> request = () -> {
                started.add(name);
                CompletableFuture<String> f = new CompletableFuture<>();
                pending.add(f);
                return f;
            };
            if (name.startsWith("lease")) {
                limiter.submitUrgent(request);
            } else {
                limiter.submit(request);
            }
        }
        assertThat(limiter.queued()).isEqualTo(4);
        for (int i = 0; i < 5; i++) {
            pending.get(i).complete("ok");
        }
        assertThat(started).containsExactly("status-1", "lease-1", "lease-2", "status-2", "status-3");
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queued()).isZero();
    }
}
