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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays the node until a node-agent exists: every pod that is not Ready yet (and not being
 * deleted or finished) gets phase Running, Ready=True and ready container statuses through the
 * status subresource, as a kubelet would write them. In a namespace given an {@link Outcome}, pods
 * instead run to completion (Succeeded or Failed, with terminated container statuses), or are
 * left Pending while it is {@link Outcome#HOLD}.
 */
final class FakeNode implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Thread thread;
    private volatile boolean running = true;
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Map<String, String> podIPs = new ConcurrentHashMap<>();
    private final AtomicInteger nextIP = new AtomicInteger();

    enum Outcome { SUCCEED, FAIL, HOLD }

    /** What pods in {@code namespace} do from now on; null: run and become Ready. */
    void outcome(String namespace, Outcome outcome) {
        if (outcome == null) {
            outcomes.remove(namespace);
        } else {
            outcomes.put(namespace, outcome);
        }
    }

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
            String phase = pod.path("status").path("phase").asText();
            Outcome outcome = outcomes.get(meta.path("namespace").asText());
            if (meta.has("deletionTimestamp") || "Succeeded".equals(phase) || "Failed".equals(phase) || outcome == Outcome.HOLD
                    || (outcome == null && "Running".equals(phase))) {
                continue;
            }
            String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            if (outcome != null) {
                finish(pod, outcome == Outcome.SUCCEED, now);
                continue;
            }
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
                    {"status":{"phase":"Running","podIP":"%3$s","podIPs":[{"ip":"%3$s"}],"startTime":"%1$s",
                     "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"%1$s"},
                                   {"type":"ContainersReady","status":"True","lastTransitionTime":"%1$s"}],
                     "containerStatuses":[%2$s]}}""".formatted(now, containers, ip(meta));
            String path = "/api/v1/namespaces/" + meta.path("namespace").asText() + "/pods/" + meta.path("name").asText() + "/status";
            http.send(HttpRequest.newBuilder(URI.create(server + path))
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(patch))
                    .header("Content-Type", "application/merge-patch+json").build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    private void finish(JsonNode pod, boolean success, String now) throws IOException, InterruptedException {
        JsonNode meta = pod.path("metadata");
        StringBuilder containers = new StringBuilder();
        for (JsonNode c : pod.path("spec").path("containers")) {
            if (!containers.isEmpty()) {
                containers.append(',');
            }
            containers.append("""
                    {"name":%s,"image":%s,"imageID":"","ready":false,"started":false,"restartCount":0,
                     "state":{"terminated":{"exitCode":%d,"reason":"%s","startedAt":"%s","finishedAt":"%s"}}}"""
                    .formatted(JSON.writeValueAsString(c.path("name").asText()), JSON.writeValueAsString(c.path("image").asText()),
                            success ? 0 : 1, success ? "Completed" : "Error", now, now));
        }
        String patch = """
                {"status":{"phase":"%1$s","podIP":"%4$s","startTime":"%2$s",
                 "conditions":[{"type":"Ready","status":"False","reason":"PodCompleted","lastTransitionTime":"%2$s"},
                               {"type":"ContainersReady","status":"False","reason":"PodCompleted","lastTransitionTime":"%2$s"}],
                 "containerStatuses":[%3$s]}}""".formatted(success ? "Succeeded" : "Failed", now, containers, ip(meta));
        String path = "/api/v1/namespaces/" + meta.path("namespace").asText() + "/pods/" + meta.path("name").asText() + "/status";
        http.send(HttpRequest.newBuilder(URI.create(server + path))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(patch))
                .header("Content-Type", "application/merge-patch+json").build(), HttpResponse.BodyHandlers.discarding());
    }

    /** A pod IP unique to the pod (by uid): 127.244.0.1, 127.244.0.2, ... */
    private String ip(JsonNode meta) {
        String uid = meta.path("uid").asText(meta.path("namespace").asText() + "/" + meta.path("name").asText());
        return podIPs.computeIfAbsent(uid, u -> {
            int n = nextIP.incrementAndGet();
            return "127.244." + (n / 254) + "." + (n % 254 + 1);
        });
    }

    /** Marks a Running pod not Ready, as a kubelet would after a failing readiness probe; the node leaves Running pods alone. */
    void markNotReady(String namespace, String name) throws IOException, InterruptedException {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String patch = """
                {"status":{"conditions":[{"type":"Ready","status":"False","lastTransitionTime":"%1$s"},
                                         {"type":"ContainersReady","status":"False","lastTransitionTime":"%1$s"}]}}""".formatted(now);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server + "/api/v1/namespaces/" + namespace + "/pods/" + name + "/status"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(patch))
                .header("Content-Type", "application/merge-patch+json").build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("marking " + namespace + "/" + name + " not ready: " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
