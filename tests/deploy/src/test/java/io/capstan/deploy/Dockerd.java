package io.capstan.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Docker daemon of the test's own: apt's dockerd (root only) with its socket, data and state in
 * a temporary directory, no bridge network and no iptables rules, so it touches nothing of the
 * machine's and no other test's. Containers use the host's network (and bind 127.0.0.1).
 */
final class Dockerd implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final Path log;

    private Dockerd(Process process, Path dir, Path log) {
        this.process = process;
        this.dir = dir;
        this.log = log;
    }

    /** Why no daemon can be started here, or null when one can. */
    static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "dockerd needs root and this test runs as " + System.getProperty("user.name");
        }
        try {
            Commands.require("dockerd");
            Commands.require("docker");
        } catch (AssertionError e) {
            return e.getMessage();
        }
        return null;
    }

    static Dockerd start() {
        try {
            // A short path: the daemon's unix sockets must fit in 108 bytes.
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "capstan-dockerd");
            Path log = dir.resolve("dockerd.log");
            List<String> command = List.of(Commands.require("dockerd"), "--host", "unix://" + dir.resolve("docker.sock"),
                    "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                    "--pidfile", dir.resolve("docker.pid").toString(), "--bridge", "none", "--iptables=false",
                    "--ip6tables=false");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Dockerd dockerd = new Dockerd(process, dir, log);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("dockerd exited: " + dockerd.log());
                }
                if (dockerd.docker(Duration.ofSeconds(10), "version").exit() == 0) {
                    return dockerd;
                }
                Thread.sleep(300);
            }
            dockerd.close();
            throw new IllegalStateException("dockerd did not answer within 60 s: " + dockerd.log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String host() {
        return "unix://" + dir.resolve("docker.sock");
    }

    Commands.Result docker(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(Commands.require("docker")));
        command.addAll(List.of(args));
        return Commands.run(timeout, Repo.ROOT, Map.of("DOCKER_HOST", host()), command);
    }

    String log() {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // dockerd leaves its default network namespace bind-mounted under the exec root.
        try {
            List<String> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String target = line.split(" ")[1];
                if (target.startsWith(dir.toString())) {
                    mounts.add(target);
                }
            }
            mounts.sort(java.util.Comparator.reverseOrder());
            for (String mount : mounts) {
                Commands.run(Duration.ofSeconds(30), "umount", mount);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Commands.run(Duration.ofSeconds(60), "rm", "-rf", dir.toString());
    }
}
