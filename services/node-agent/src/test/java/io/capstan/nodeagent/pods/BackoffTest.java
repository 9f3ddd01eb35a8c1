package io.capstan.nodeagent.pods;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Backoff backoff = Backoff.crashLoop(clock);

    /** A container that crashes a second after each start: the restart delays the kubelet would use. */
    private List<Long> delaysOfCrashLoop(int restarts) {
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < restarts; i++) {
            clock.advance(Duration.ofSeconds(1));
            Instant exited = clock.instant();
            long waited = 0;
            while (backoff.inBackoffSince("pod/c", exited)) {
                clock.advance(Duration.ofSeconds(1));
                waited++;
            }
            delays.add(waited);
            backoff.next("pod/c", exited);
        }
        return delays;
    }

    @Test
    void theFirstRestartIsImmediateThenTenSecondsDoublingToFiveMinutes() {
        assertThat(delaysOfCrashLoop(9)).containsExactly(0L, 10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L);
        assertThat(backoff.get("pod/c")).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void tenMinutesOfRunningStartsOverAtTenSeconds() {
        delaysOfCrashLoop(5);
        clock.advance(Duration.ofMinutes(11));
        Instant exited = clock.instant();
        assertThat(backoff.inBackoffSince("pod/c", exited)).isFalse();
        backoff.next("pod/c", exited);
        assertThat(backoff.get("pod/c")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void keysAreIndependentAndForgottenByPod() {
        backoff.next("a/x", clock.instant());
        backoff.next("b/x", clock.instant());
        backoff.forgetPrefix("a/");
        assertThat(backoff.get("a/x")).isZero();
        assertThat(backoff.get("b/x")).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.until("b/x", clock.instant())).isEqualTo(clock.instant().plusSeconds(10));
    }
}
