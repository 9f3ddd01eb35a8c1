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

/**
 * The packaged api-server as a real child process, for tests that need a real one (or kill it).
 * The jar is {@code -Dcapstan.apiserver.jar}, else services/api-server/target/quarkus-app/
 * quarkus-run.jar found upwards from the working directory; the reactor builds the api-server
 * before the modules whose tests use it.
 */
public final class ApiServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private ApiServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Where the packaged api-server is. */
    public static Path jar() {
        String configured = System.getProperty("capstan.apiserver.jar");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("services/api-server/target/quarkus-app/quarkus-run.jar");
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        return Path.of("services/api-server/target/quarkus-app/quarkus-run.jar");
    }

    /**
     * The api-server's JVM flags: {@code -Xmx384m}, then the flags of {@code -Dcapstan.apiserver.jvm},
     * else of the environment's {@code CAPSTAN_APISERVER_JVM} (a later flag wins).
     */
    static List<String> jvmFlags() {
        return JvmFlags.withExtra(List.of("-Xmx384m"), "capstan.apiserver.jvm", "CAPSTAN_APISERVER_JVM");
    }

    /** Starts an api-server on a free port; {@code kafka} may be null for no change feed. */
    public static ApiServerProcess start(String etcd, String kafka) {
        String jar = jar().toString();
        if (!Files.exists(Path.of(jar))) {
            throw new IllegalStateException("the packaged api-server is missing: " + jar
                    + " (build services/api-server, or pass -Dcapstan.apiserver.jar)");
        }
        int port = FreePorts.next();
        try {
            Path log = Files.createTempFile("api-server-" + port, ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(jvmFlags());
            cmd.addAll(List.of("-Dquarkus.http.port=" + port,
                    "-Dcapstan.apiserver.etcd-endpoints=" + etcd,
                    "-Dquarkus.log.console.json.enabled=false"));
            if (kafka != null) {
                cmd.add("-Dcapstan.kafka.bootstrap-servers=" + kafka);
            }
            cmd.addAll(List.of("-jar", jar));
            Process p = ExitReaper.adopt(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
            ApiServerProcess server = new ApiServerProcess(p, port, log);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("api-server exited: " + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
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
            }
        }
        throw new IllegalStateException("api-server did not become ready: " + log());
    }

    /** The process's pid (for the benches' CPU accounting). */
    public long pid() {
        return process.pid();
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, no resignation. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
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
        ExitReaper.release(process);
    }
}
