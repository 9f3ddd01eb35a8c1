package io.capstan.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A packaged Capstan service (controller-manager, scheduler, node-agent ...) as a real child
 * process: {@code java <flags> -D<props> -jar <module>/target/quarkus-app/quarkus-run.jar}, ready
 * once its Quarkus liveness endpoint answers. The jar is {@code -Dcapstan.<name>.jar}, else found
 * upwards from the working directory; the reactor builds services before the modules whose tests
 * run them.
 */
public final class ServiceProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final String host;
    private final int port;
    private final Path log;

    private ServiceProcess(String name, Process process, String host, int port, Path log) {
        this.name = name;
        this.process = process;
        this.host = host;
        this.port = port;
        this.log = log;
    }

    /** Where the packaged service of {@code module} (e.g. {@code services/scheduler}) is. */
    public static Path jar(String name, String module) {
        String configured = System.getProperty("capstan." + name + ".jar");
        if (configured != null) {
            return Path.of(configured);
        }
        String relative = module + "/target/quarkus-app/quarkus-run.jar";
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        return Path.of(relative);
    }

    /**
     * Starts {@code module}'s packaged jar with its HTTP server on {@code host:port} and the given
     * system properties and JVM flags, and waits (up to 90 s) until it is live.
     */
    public static ServiceProcess start(String name, String module, String host, int port, Map<String, String> properties,
                                       List<String> jvmFlags) {
        return start(name, module, host, port, properties, jvmFlags, "/q/health/live");
    }

    /** {@link #start}, waiting until {@code healthPath} (e.g. {@code /q/health/ready}) answers 200. */
    public static ServiceProcess start(String name, String module, String host, int port, Map<String, String> properties,
                                       List<String> jvmFlags, String healthPath) {
        Path jar = jar(name, module);
        if (!Files.exists(jar)) {
            throw new IllegalStateException("the packaged " + name + " is missing: " + jar + " (build " + module
                    + ", or pass -Dcapstan." + name + ".jar)");
        }
        try {
            Path log = Files.createTempFile(name + "-" + port, ".log");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmFlags);
            cmd.add("-Dquarkus.http.host=" + host);
            cmd.add("-Dquarkus.http.port=" + port);
            cmd.add("-Dquarkus.log.console.json.enabled=false");
            properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.addAll(List.of("-jar", jar.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("MALLOC_ARENA_MAX", "2"); // as ./capstan runs the roles: fewer glibc arenas, less RSS
            Process p = ExitReaper.adopt(pb.start());
            ServiceProcess service = new ServiceProcess(name, p, host, port, log);
            try {
                service.awaitHealthy(healthPath, Duration.ofSeconds(90));
            } catch (RuntimeException e) {
                p.destroyForcibly(); // never leave a half-started role behind
                throw e;
            }
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitHealthy(String healthPath, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited: " + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + healthPath))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(name + " did not answer " + healthPath + " in " + timeout + ": " + log());
    }

    public String url() {
        return "http://" + host + ":" + port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no resignation, no cleanup. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and wait for the orderly shutdown (SIGKILL after 30 s). */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            kill();
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ExitReaper.release(process);
    }
}
