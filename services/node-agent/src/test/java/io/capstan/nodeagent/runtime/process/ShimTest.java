package io.capstan.nodeagent.runtime.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real {@code capstan-shim.pl} under Perl, with a container that runs on the host (no isolation). */
class ShimTest {

    /**
     * The JVM closes a child's stdout once the child has exited and what was in the pipe is
     * drained. An agent thread that reads the report late (a busy machine) must still get it: the
     * shim's first process may only exit after the report is in the pipe. Before, it exited right
     * after detaching, the late reader saw no report, the agent called the start failed although
     * the container ran, and its retry found the attempt taken: the pod stayed Pending for good.
     */
    @Test
    void theReportOfAStartSurvivesTheShimExitingBeforeTheAgentReads(@TempDir Path state) throws Exception {
        Shim shim = Shim.install(state.resolve("bin"));
        Path dir = Files.createDirectories(state.resolve("container"));
        new ShimSpec().op("isolate", "0").op("wd", dir.toString()).op("log", dir.resolve("log").toString())
                .op("arg", "sleep").op("arg", "30").write(dir.resolve("spec"));

        Process first = shim.launch(dir, Duration.ofSeconds(20));
        try {
            // the late reader: the shim's first process has exited before anyone reads its stdout
            assertTrue(first.waitFor(20, TimeUnit.SECONDS), "the shim's first process exits once it has reported");
            assertDoesNotThrow(() -> shim.report(first, dir), "the report is still there after the exit");
            assertTrue(Files.exists(dir.resolve("pid")), "the container runs");
        } finally {
            killContainer(dir);
        }
    }

    private static void killContainer(Path dir) throws Exception {
        Path pid = dir.resolve("pid");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!Files.exists(pid)) {
            return;
        }
        for (String line : Files.readAllLines(pid)) {
            if (line.startsWith("pid=") || line.startsWith("shim=")) {
                ProcessHandle.of(Long.parseLong(line.substring(line.indexOf('=') + 1))).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
