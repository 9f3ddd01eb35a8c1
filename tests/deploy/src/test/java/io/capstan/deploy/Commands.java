package io.capstan.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** External tools (promtool, docker-compose, docker, tar, Maven) run with a time limit. */
final class Commands {
    private Commands() {
    }

    /** What a command did: its exit code and its stdout and stderr together. */
    record Result(List<String> command, int exit, String output) {
        Result orFail() {
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exit + ":\n" + output);
            }
            return this;
        }
    }

    static Result run(Duration timeout, Path dir, Map<String, String> env, List<String> command) {
        try {
            Path out = Files.createTempFile("capstan-command", ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectErrorStream(true).redirectOutput(out.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                            + Files.readString(out));
                }
                return new Result(command, process.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Result run(Duration timeout, String... command) {
        return run(timeout, Repo.ROOT, Map.of(), List.of(command));
    }

    /** The tool's path, or an assertion error that says how to install it. */
    static String require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError(tool + " is not installed: run scripts/install-deploy-deps.sh (apt's docker.io, "
                + "docker-compose and prometheus)");
    }
}
