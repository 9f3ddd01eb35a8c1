package io.capstan.controllers.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Plays the node until a node-agent exists: every pod that is not Ready yet (and not being
 * deleted) gets phase Running, Ready=True and ready container statuses through the status
 * subresource, as a kubelet would write them.
 */
final class FakeNode implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Thread thread;
    private volatile boolean running = true;

    FakeNode(String server) {
        this.server = server;
        this.thread = new Thread(this::loop, "fake-node");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        while (running) {
            try {
                markReady();
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // the api-server may be restarting; try again on the next round
            }
        }
    }

    private void markReady() throws IOException, InterruptedException {
        JsonNode list = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(server + "/api/v1/pods")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode pod : list.path("items")) {
            JsonNode meta = pod.path("metadata");
            if (meta.has("deletionTimestamp") || "Running".equals(pod.path("status").path("phase").asText())) {
                continue;
            }
            String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            StringBuilder containers = new StringBuilder();
            for (JsonNode c : pod.path("spec").path("containers")) {
                if (!containers.isEmpty()) {
                    containers.append(',');
                }
                containers.append("""
                        {"name":%s,"image":%s,"imageID":"","ready":true,"started":true,"restartCount":0,"state":{"running":{"startedAt":"%s"}}}"""
                        .formatted(JSON.writeValueAsString(c.path("name").asText()), JSON.writeValueAsString(c.path("image").asText()), now));
            }
            String patch = """
                    {"status":{"phase":"Running","podIP":"127.0.0.1","startTime":"%1$s",
                     "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"%1$s"},
                                   {"type":"ContainersReady","status":"True","lastTransitionTime":"%1$s"}],
                     "containerStatuses":[%2$s]}}""".formatted(now, containers);
            String path = "/api/v1/namespaces/" + meta.path("namespace").asText() + "/pods/" + meta.path("name").asText() + "/status";
            http.send(HttpRequest.newBuilder(URI.create(server + path))
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(patch))
                    .header("Content-Type", "application/merge-patch+json").build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
