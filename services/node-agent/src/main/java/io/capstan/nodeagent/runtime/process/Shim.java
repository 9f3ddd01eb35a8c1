package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.ContainerRuntime.RuntimeFailure;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code capstan-shim.pl}, the per-container supervisor (see its header): a Perl script
 * using only builtins and raw system calls, because the supervisor has to outlive the node-agent
 * (so it cannot be a thread), start in a millisecond and stay small for a hundred containers (so it
 * cannot be a JVM), and Perl is on every Debian and Ubuntu system (perl-base is essential). The
 * script is copied into the state directory under a name carrying its hash, so shims started by an
 * older node-agent keep the script they started with.
 */
final class Shim {
    private final Path perl;
    private final Path script;
    private final String arch;

    private Shim(Path perl, Path script, String arch) {
        this.perl = perl;
        this.script = script;
        this.arch = arch;
    }

    static Shim install(Path binDir) {
        try (InputStream in = Shim.class.getResourceAsStream("capstan-shim.pl")) {
            if (in == null) {
                throw new IllegalStateException("resource capstan-shim.pl is missing beside " + Shim.class.getName());
            }
            byte[] bytes = in.readAllBytes();
            Path script = binDir.resolve("capstan-shim-" + sha256(bytes) + ".pl");
            if (!Files.exists(script)) {
                Files.createDirectories(binDir);
                Path tmp = Files.createTempFile(binDir, "capstan-shim", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, script, StandardCopyOption.ATOMIC_MOVE);
            }
            return new Shim(findPerl(), script, System.getProperty("os.arch").toLowerCase(Locale.ROOT));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the container shim in " + binDir, e);
        }
    }

    /** Null when this host lets the shim isolate containers, else why not. */
    String probeIsolation(Path scratch) {
        try {
            Process p = new ProcessBuilder(perl.toString(), script.toString(), "probe", arch, scratch.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "the namespace probe did not finish";
            }
            return p.exitValue() == 0 ? null : out;
        } catch (IOException e) {
            return "cannot run the namespace probe: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Starts the container described in {@code dir} and waits until its command runs. The shim
     * detaches from the node-agent (a double fork, its own session) and bounds the wait itself: it
     * reports a failure, having killed the half-started container, once {@code timeout} is over.
     */
    void run(Path dir, Duration timeout) throws RuntimeFailure {
        report(launch(dir, timeout), dir);
    }

    /** Starts the shim for the container in {@code dir}; {@link #report} reads how the start went. */
    Process launch(Path dir, Duration timeout) throws RuntimeFailure {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(perl.toString(), script.toString(), "run", dir.toString(), arch,
                    Long.toString(Math.max(1, timeout.toSeconds())))
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("shim.log").toFile()));
            pb.environment().clear();
            p = pb.start();
        } catch (IOException e) {
            throw new RuntimeFailure("RunContainerError", "cannot start the container shim: " + e.getMessage(), e);
        }
        return p;
    }

    /**
     * The shim's one-line report: returns once the container's command runs, else throws. The
     * shim's first process writes it before it exits, so it is there however late this reads.
     */
    void report(Process p, Path dir) throws RuntimeFailure {
        String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = out.readLine();
        } catch (IOException e) {
            line = null;
        }
        if (line != null && line.startsWith("started ")) {
            return;
        }
        if (line != null && line.startsWith("failed ")) {
            String failure = line.substring("failed ".length());
            boolean create = failure.startsWith("create: ");
            throw new RuntimeFailure(create ? "CreateContainerError" : "RunContainerError",
                    failure.replaceFirst("^(create|run): ", ""));
        }
        String log = "";
        try {
            log = Files.readString(dir.resolve("shim.log")).trim();
        } catch (IOException ignored) {
            // the message below is all there is
        }
        throw new RuntimeFailure("RunContainerError", "the container shim failed" + (log.isEmpty() ? "" : ": " + log));
    }

    /** A process running {@code command} in the container of {@code dir} ({@code kubectl exec}). */
    Process exec(Path dir, List<String> command, boolean tty) throws IOException {
        List<String> argv = new ArrayList<>(List.of(perl.toString(), script.toString(), "exec", dir.toString(), arch,
                tty ? "1" : "0"));
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(tty);
        pb.environment().clear();
        return pb.start();
    }

    private static Path findPerl() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "perl");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("the process runtime needs perl (Debian's perl-base) on the PATH");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
