package io.capstan.nodeagent.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads this (Linux) host, as the node's capacity and pressure conditions do. */
class HostResourcesTest {
    @TempDir
    Path dir;

    @Test
    void measuresThisHost() {
        HostResources.Snapshot s = new HostResources(dir).measure();
        assertThat(s.cpus()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(s.memoryBytes()).isGreaterThan(s.memoryAvailableBytes()).isPositive();
        assertThat(s.diskBytes()).isGreaterThanOrEqualTo(s.diskAvailableBytes()).isPositive();
        assertThat(s.pidMax()).as("kernel.pid_max, which procfs answers short reads for").isGreaterThanOrEqualTo(301);
        assertThat(s.processes()).isPositive().isLessThan(s.pidMax());
    }
}
