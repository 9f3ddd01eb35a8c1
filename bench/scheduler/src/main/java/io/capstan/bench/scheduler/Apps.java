package io.capstan.bench.scheduler;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.ServiceProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Copies the packaged services into a private directory before the run and points the testkit
 * at the copies ({@code -Dcapstan.<name>.jar}), so a module rebuilt by someone else during a
 * 10-minute run cannot pull a jar out from under a process the bench starts later.
 */
final class Apps {
    private static final Map<String, String> MODULES = Map.of(
            "controller-manager", "services/controller-manager",
            "node-agent", "services/node-agent",
            "scheduler", "services/scheduler");

    private Apps() {
    }

    static void snapshot() {
        try {
            Path dir = Files.createTempDirectory("bench-scheduler-apps");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "bench-apps-cleanup"));
            System.setProperty("capstan.apiserver.jar", copy(ApiServerProcess.jar(), dir.resolve("api-server")).toString());
            MODULES.forEach((name, module) -> {
                Path jar = ServiceProcess.jar(name, module);
                if (Files.exists(jar)) {
                    System.setProperty("capstan." + name + ".jar", copy(jar, dir.resolve(name)).toString());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the quarkus-app directory of {@code jar}; returns the copy's quarkus-run.jar. */
    private static Path copy(Path jar, Path target) {
        Path app = jar.toAbsolutePath().getParent();
        try (Stream<Path> files = Files.walk(app)) {
            for (Path p : files.toList()) {
                Path to = target.resolve(app.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + app, e);
        }
        return target.resolve(jar.getFileName().toString());
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temporary files; the OS cleans /tmp eventually
        }
    }
}
