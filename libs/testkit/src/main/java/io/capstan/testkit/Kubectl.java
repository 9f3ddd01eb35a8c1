package io.capstan.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real kubectl binary against an api-server under test, with its own kubeconfig and
 * cache directory so runs never share discovery caches.
 */
public final class Kubectl {
    /** The kubectl versions the compatibility suite drives; each must exist on this machine. */
    public static final List<String> VERSIONS = List.of("1.27", "1.30", "1.32", "1.33");

    private final Path binary;
    private final Path home;
    private final Path kubeconfig;
    private final String version;

    public record Result(int exitCode, String stdout, String stderr) {
        public Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("kubectl failed (" + exitCode + "): " + stderr + stdout);
            }
            return this;
        }
    }

    public Kubectl(String version, String server) {
        this.version = version;
        this.binary = find(version);
        try {
            home = Files.createTempDirectory("kubectl-" + version + "-");
            kubeconfig = home.resolve("kubeconfig");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: capstan
                      cluster:
                        server: %s
                    contexts:
                    - name: capstan
                      context:
                        cluster: capstan
                        user: capstan
                        namespace: default
                    current-context: capstan
                    users:
                    - name: capstan
                      user: {}
                    """.formatted(server));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String version() {
        return version;
    }

    public Path home() {
        return home;
    }

    public static Path find(String version) {
        for (String dir : List.of("/usr/lib/google-cloud-sdk/bin", "/usr/local/bin", "/usr/bin")) {
            Path p = Path.of(dir, "kubectl." + version);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        if (version.equals("default")) {
            return Path.of("kubectl");
        }
        throw new IllegalStateException("kubectl " + version + " is not installed on this machine");
    }

    public Result run(String... args) {
        return run(Map.of(), null, args);
    }

    public Result runWithInput(String stdin, String... args) {
        return run(Map.of(), stdin, args);
    }

    public Result run(Map<String, String> env, String stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.add("--cache-dir=" + home.resolve("cache"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("KUBECTL_INTERACTIVE_DELETE", "false");
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile(home, "out", ".txt");
            Path err = Files.createTempFile(home, "err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
