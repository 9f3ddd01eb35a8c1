package io.capstan.controllers.it;

import io.capstan.testkit.FreePorts;
import io.capstan.testkit.ServiceProcess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The packaged controller-manager ({@code -Dcapstan.controller-manager.jar}, which failsafe sets to
 * target/quarkus-app/quarkus-run.jar) as a real child process that a test can SIGKILL. Its lease
 * lives {@code leaseTtl}, so a successor takes over that long after a kill.
 */
final class ControllerManagerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServiceProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ControllerManagerProcess(ServiceProcess process) {
        this.process = process;
    }

    static ControllerManagerProcess start(String identity, String apiServer, String etcd, String kafka, Path dataDir, Duration leaseTtl) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("capstan.controller-manager.identity", identity);
        properties.put("capstan.controller-manager.lease-ttl", leaseTtl.toSeconds() + "s");
        properties.put("capstan.controller-manager.api-server-url", apiServer);
        properties.put("capstan.controller-manager.etcd-endpoints", etcd);
        properties.put("capstan.controller-manager.kafka-bootstrap-servers", kafka);
        properties.put("capstan.controller-manager.data-dir", dataDir.toString());
        return new ControllerManagerProcess(ServiceProcess.start("controller-manager", "services/controller-manager", "127.0.0.1",
                FreePorts.next(), properties, List.of("-Xmx256m")));
    }

    /** Whether its readiness check says it leads (false while starting or standing by). */
    boolean leading() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(process.url() + "/q/health/ready"))
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
            if (!process.alive()) {
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
        process.kill();
    }

    String log() {
        return process.log();
    }

    @Override
    public void close() {
        process.close();
    }
}
