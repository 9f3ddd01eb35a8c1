package io.capstan.bench.controllers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** A Capstan service (packaged Quarkus app) run by the bench as a child process, killed on close. */
final class ChildService implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    private final Path app;
    private final long startedNanos = System.nanoTime();

    private ChildService(String name, Process process, Path log, Path app) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.app = app;
    }

    /**
     * Starts {@code java <jvmFlags> <properties> -jar <jar>} with {@code env} added, logging to
     * {@code log}. The jar's whole Quarkus app directory is copied next to the log first: a
     * rebuild of the service while the bench runs would otherwise pull its classes away.
     */
    static ChildService start(String name, Path jar, String jvmFlags, Map<String, String> properties, Map<String, String> env, Path log)
            throws IOException {
        Path app = log.resolveSibling(name + "-app");
        copyTree(jar.getParent(), app);
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String flag : jvmFlags.trim().split("\\s+")) {
            if (!flag.isEmpty()) {
                cmd.add(flag);
            }
        }
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", app.resolve(jar.getFileName()).toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new ChildService(name, pb.start(), log, app);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Waits until {@code ready} holds; fails with the log's tail if the process dies or {@code timeout} passes. */
    double awaitReady(BooleanSupplier ready, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not ready within " + timeout + ":\n" + tail());
            }
            Thread.sleep(100);
        }
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills the process and removes its copy of the app (the log stays). */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(app)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a copy left in /tmp is harmless
        }
    }
}
