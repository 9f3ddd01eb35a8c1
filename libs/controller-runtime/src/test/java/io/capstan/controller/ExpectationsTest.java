package io.capstan.controller;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ExpectationsTest {
    private final AtomicLong now = new AtomicLong();
    private final Expectations expectations = new Expectations(Duration.ofMinutes(5), now::get);

    @Test
    void aKeyWithoutExpectationsIsSatisfied() {
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void creationsMustAllBeObservedBeforeTheKeyIsSatisfied() {
        expectations.expectCreations("ns/rs", 3);
        expectations.creationObserved("ns/rs");
        expectations.creationObserved("ns/rs");
        assertThat(expectations.satisfied("ns/rs")).isFalse();
        assertThat(expectations.pendingCreations("ns/rs")).isEqualTo(1);

        expectations.creationObserved("ns/rs");
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void deletionsAreTrackedLikeCreations() {
        expectations.expectDeletions("ns/rs", 2);
        expectations.deletionObserved("ns/rs");
        assertThat(expectations.satisfied("ns/rs")).isFalse();
        expectations.deletionObserved("ns/rs");
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void expectationsExpireAfterTheTtl() {
        expectations.expectCreations("ns/rs", 1);
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(expectations.satisfied("ns/rs")).isFalse();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void observationsDoNotRestartTheTtl() {
        expectations.expectCreations("ns/rs", 2);
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        expectations.creationObserved("ns/rs");
        now.addAndGet(Duration.ofMinutes(2).toNanos());
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void raiseAddsToOutstandingAndDeleteForgets() {
        expectations.expectCreations("ns/rs", 1);
        expectations.raise("ns/rs", 1, 1);
        assertThat(expectations.pendingCreations("ns/rs")).isEqualTo(2);
        assertThat(expectations.pendingDeletions("ns/rs")).isEqualTo(1);
        expectations.delete("ns/rs");
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void observationsForUnknownKeysAreIgnored() {
        expectations.creationObserved("ns/other");
        assertThat(expectations.satisfied("ns/other")).isTrue();
        assertThat(expectations.pendingCreations("ns/other")).isZero();
    }
}
