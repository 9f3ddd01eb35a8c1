package io.capstan.controllers.it;

import io.capstan.testkit.FreePorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The packaged controller-manager ({@code -Dcapstan.controller-manager.jar}, which failsafe sets to
 * target/quarkus-app/quarkus-run.jar) as a real child process that a test can SIGKILL. Its lease
 * lives {@code leaseTtl}, so a successor takes over that long after a kill.
 */
final class ControllerManagerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ControllerManagerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static ControllerManagerProcess start(String identity, String apiServer, String etcd, String kafka, Path dataDir, Duration leaseTtl) {
        String jar = System.getProperty("capstan.controller-manager.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("the packaged controller-manager is missing: " + jar + " (run through failsafe after package)");
        }
        int port = FreePorts.next();
        try {
            Path log = Files.createTempFile("controller-manager-" + identity, ".log");
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-Dquarkus.http.port=" + port,
                    "-Dquarkus.log.console.json.enabled=false",
                    "-Dcapstan.controller-manager.identity=" + identity,
                    "-Dcapstan.controller-manager.lease-ttl=" + leaseTtl.toSeconds() + "s",
                    "-Dcapstan.controller-manager.api-server-url=" + apiServer,
                    "-Dcapstan.controller-manager.etcd-endpoints=" + etcd,
                    "-Dcapstan.controller-manager.kafka-bootstrap-servers=" + kafka,
                    "-Dcapstan.controller-manager.data-dir=" + dataDir,
                    "-jar", jar))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new ControllerManagerProcess(p, port, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether its readiness check says it leads (false while starting or standing by). */
    boolean leading() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode checks = JSON.readTree(r.body()).path("checks");
            for (JsonNode check : checks) {
                if (check.path("data").path("leader").asBoolean(false)) {
                    return true;
                }
            }
            return false;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void awaitLeading(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("controller-manager exited: " + log());
            }
            if (leading()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("controller-manager did not lead within " + timeout + ": " + log());
    }

    /** SIGKILL: no shutdown hook, no lease revocation, writes in flight are cut off. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
