package io.capstan.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Container processes outlive their node-agent by design (an agent restart must not kill pods),
 * so a test that SIGKILLs its agents kills what they started itself: every process whose root,
 * working directory or command line lies under the test's state directory.
 */
public final class Containers {
    private Containers() {
    }

    /** SIGKILLs every process that lives under {@code stateDir}. */
    public static void killUnder(Path stateDir) {
        String dir = stateDir.toAbsolutePath().toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> under(p, dir))
                    .forEach(p -> ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(ProcessHandle::destroyForcibly));
        } catch (IOException e) {
            // no /proc: nothing to find
        }
    }

    private static boolean under(Path proc, String dir) {
        for (String link : new String[]{"root", "cwd"}) {
            try {
                if (Files.readSymbolicLink(proc.resolve(link)).toString().startsWith(dir)) {
                    return true;
                }
            } catch (IOException | UnsupportedOperationException e) {
                // gone, or not ours to read
            }
        }
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline"))).contains(dir);
        } catch (IOException e) {
            return false;
        }
    }
}
