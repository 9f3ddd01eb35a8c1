package io.capstan.testkit;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JIT's share of a JVM's CPU, read from its compiler threads under /proc. */
class ProcessCpuTest {
    @Test
    void aJvmThatHasCompiledCodeShowsItsCompilerThreadsCpuAndAGoneProcessNone() {
        // enough distinct work for the JIT compilers to take at least a clock tick (10 ms)
        Map<Integer, String> m = new HashMap<>();
        long sum = 0;
        for (int i = 0; i < 2_000_000; i++) {
            m.put(i % 5000, Integer.toHexString(i));
            sum += m.get(i % 5000).hashCode();
        }
        long self = ProcessHandle.current().pid();
        double jit = ProcessCpu.compilerCpuSeconds(self);
        assertNotEquals(0, sum);
        assertTrue(jit > 0, "compiler threads' CPU " + jit);
        assertTrue(jit <= ProcessCpu.cpuSeconds(self), "no more than the process's");
        assertTrue(new ProcessCpu().track("self", self).compilerCpuSeconds().get("self") > 0, "by role");
        assertEquals(0, ProcessCpu.compilerCpuSeconds(Integer.MAX_VALUE));
    }
}
