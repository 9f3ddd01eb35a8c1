package io.capstan.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Docker daemon of the test's own: apt's dockerd (root only) with its socket, data and state in
 * a temporary directory under /tmp, no default bridge and no iptables rules, so it touches nothing
 * of the machine's and no other test's. User-defined bridge networks work (the host reaches their
 * containers on the bridge); nothing reaches beyond the machine. {@link #close()} leaves nothing
 * behind: it removes the containers and the networks (and with them their bridges on the host),
 * stops the daemon, kills what it left running, unmounts and deletes its directory.
 */
public final class Dockerd implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final Path log;

    private Dockerd(Process process, Path dir, Path log) {
        this.process = process;
        this.dir = dir;
        this.log = log;
    }

    /** The output and exit code of a command. */
    public record Result(int exit, String output) {
        /** This result, or an AssertionError with the output when the command failed. */
        public Result orFail() {
            if (exit != 0) {
                throw new AssertionError("docker command exited " + exit + ":\n" + output);
            }
            return this;
        }
    }

    /** Why no daemon can be started here, or null when one can. */
    public static String unavailableReason() {
        if (!isRoot()) {
            return "a dockerd of the test's own needs root, and this test runs as " + System.getProperty("user.name");
        }
        for (String tool : List.of("dockerd", "docker")) {
            if (which(tool).isEmpty()) {
                return tool + " is not installed (apt-get install docker.io)";
            }
        }
        return null;
    }

    public static Dockerd start() {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        try {
            // a short path: the daemon's unix sockets must fit in 108 bytes
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "capstan-dockerd");
            Path log = dir.resolve("dockerd.log");
            List<String> command = List.of(which("dockerd").orElseThrow().toString(),
                    "--host", "unix://" + dir.resolve("docker.sock"),
                    "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                    "--pidfile", dir.resolve("docker.pid").toString(), "--bridge", "none", "--iptables=false",
                    "--ip6tables=false");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Dockerd dockerd = new Dockerd(process, dir, log);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    dockerd.close();
                    throw new IllegalStateException("dockerd exited: " + dockerd.log());
                }
                if (dockerd.docker(Duration.ofSeconds(10), "version").exit() == 0) {
                    return dockerd;
                }
                Thread.sleep(200);
            }
            String tail = dockerd.log();
            dockerd.close();
            throw new IllegalStateException("dockerd did not answer within 60 s: " + tail);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The daemon's address, for DOCKER_HOST. */
    public String host() {
        return "unix://" + dir.resolve("docker.sock");
    }

    /** The daemon's directory (data, exec root, socket, log). */
    public Path dir() {
        return dir;
    }

    /** Runs the docker CLI against this daemon. */
    public Result docker(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(which("docker").orElseThrow().toString()));
        command.addAll(List.of(args));
        return run(timeout, command);
    }

    /** Runs a command with DOCKER_HOST set to this daemon (a script that drives docker, say). */
    public Result run(Duration timeout, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("DOCKER_HOST", host());
            Process p = pb.start();
            p.getOutputStream().close();
            var output = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    p.getInputStream().transferTo(output);
                } catch (IOException ignored) {
                    // the process went away
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                reader.join(Duration.ofSeconds(5));
                return new Result(-1, output.toString(StandardCharsets.UTF_8) + "\n(timed out after " + timeout + ")");
            }
            reader.join(Duration.ofSeconds(10));
            return new Result(p.exitValue(), output.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The end of the daemon's log, for failure messages. */
    public String log() {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        List<String> networks = new ArrayList<>();
        if (process.isAlive()) {
            Duration minute = Duration.ofSeconds(60);
            List<String> containers = lines(docker(minute, "ps", "-aq"));
            if (!containers.isEmpty()) {
                List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                rm.addAll(containers);
                docker(minute, rm.toArray(String[]::new));
            }
            // a user-defined network's bridge lives in the host's namespace and outlives the daemon
            networks.addAll(lines(docker(minute, "network", "ls", "--filter", "type=custom", "--no-trunc", "-q")));
            for (String network : networks) {
                docker(minute, "network", "rm", network);
            }
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (String network : networks) {
            String bridge = "br-" + network.substring(0, Math.min(12, network.length()));
            if (Files.exists(Path.of("/sys/class/net", bridge))) {
                run(Duration.ofSeconds(10), List.of("ip", "link", "del", bridge));
            }
        }
        // containerd and shims the daemon left behind, and anything still running in a container root
        Containers.killUnder(dir);
        try {
            List<String> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String target = line.split(" ")[1];
                if (target.startsWith(dir.toString())) {
                    mounts.add(target);
                }
            }
            mounts.sort(Comparator.reverseOrder());
            for (String mount : mounts) {
                run(Duration.ofSeconds(30), List.of("umount", "-l", mount));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(Duration.ofSeconds(60), List.of("rm", "-rf", dir.toString()));
    }

    private static List<String> lines(Result result) {
        return result.exit() != 0 ? List.of()
                : result.output().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    private static Optional<Path> which(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst();
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).map(l -> l.split("\\s+")[2]).anyMatch("0"::equals);
        } catch (IOException e) {
            return false;
        }
    }
}
