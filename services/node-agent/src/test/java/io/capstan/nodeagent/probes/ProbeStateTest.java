package io.capstan.nodeagent.probes;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProbeStateTest {
    @Test
    void livenessFailsAfterFailureThresholdMissesInARowThenHolds() {
        ProbeState liveness = new ProbeState(ProbeState.Kind.LIVENESS, 1, 3);
        assertThat(liveness.failed()).isFalse();
        assertThat(liveness.record(false)).isFalse();
        assertThat(liveness.record(true)).isTrue();
        assertThat(liveness.record(false)).isFalse();
        assertThat(liveness.record(false)).isFalse();
        assertThat(liveness.failed()).isFalse();
        assertThat(liveness.record(false)).as("third miss in a row").isTrue();
        assertThat(liveness.failed()).isTrue();
        assertThat(liveness.onHold()).isTrue();
        assertThat(liveness.record(true)).as("on hold until the container is replaced").isFalse();
        assertThat(liveness.failed()).isTrue();
    }

    @Test
    void readinessStartsNotReadyAndNeedsSuccessThresholdSuccesses() {
        ProbeState readiness = new ProbeState(ProbeState.Kind.READINESS, 2, 1);
        assertThat(readiness.ready()).isFalse();
        readiness.record(true);
        assertThat(readiness.ready()).isFalse();
        readiness.record(true);
        assertThat(readiness.ready()).isTrue();
        readiness.record(false);
        assertThat(readiness.ready()).isFalse();
        assertThat(readiness.onHold()).as("readiness keeps probing").isFalse();
        readiness.record(true);
        readiness.record(true);
        assertThat(readiness.ready()).isTrue();
    }

    @Test
    void startupSucceedsOnceOrFailsTheContainer() {
        ProbeState startup = new ProbeState(ProbeState.Kind.STARTUP, 1, 2);
        assertThat(startup.succeeded()).isFalse();
        startup.record(false);
        startup.record(true);
        assertThat(startup.succeeded()).isTrue();
        ProbeState failing = new ProbeState(ProbeState.Kind.STARTUP, 1, 2);
        failing.record(false);
        failing.record(false);
        assertThat(failing.failed()).isTrue();
    }
}
