package io.capstan.bench.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches the bench namespace's pods through the api-server (the client's view, as the brief
 * asks: "bound, as seen by a watch") and records, per pod, when it was first seen bound to a node
 * and when first seen Running. One daemon thread reads the chunked stream line by line.
 */
final class PodWatch implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** nanoTime when first seen with spec.nodeName, by pod name. */
    final Map<String, Long> boundAt = new ConcurrentHashMap<>();
    /** The node each pod was bound to. */
    final Map<String, String> nodeOf = new ConcurrentHashMap<>();
    final Map<String, Long> runningAt = new ConcurrentHashMap<>();
    /** nanoTime when seen DELETED, by pod name. */
    final Map<String, Long> deletedAt = new ConcurrentHashMap<>();
    final AtomicInteger events = new AtomicInteger();
    private final Thread thread;
    private volatile InputStream stream;
    private volatile boolean closed;
    private volatile String failure;

    PodWatch(String apiServer, String namespace, String resourceVersion) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(apiServer + "/api/v1/namespaces/" + namespace
                        + "/pods?watch=1&allowWatchBookmarks=false&resourceVersion=" + resourceVersion)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IOException("watch failed: HTTP " + r.statusCode() + " " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        stream = r.body();
        thread = new Thread(this::read, "pod-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                long now = System.nanoTime();
                if (line.isBlank()) {
                    continue;
                }
                events.incrementAndGet();
                JsonNode event = JSON.readTree(line);
                JsonNode pod = event.path("object");
                String name = pod.path("metadata").path("name").asText();
                if ("DELETED".equals(event.path("type").asText())) {
                    deletedAt.putIfAbsent(name, now);
                    continue;
                }
                String node = pod.path("spec").path("nodeName").asText("");
                if (!node.isEmpty() && boundAt.putIfAbsent(name, now) == null) {
                    nodeOf.put(name, node);
                }
                if ("Running".equals(pod.path("status").path("phase").asText())) {
                    runningAt.putIfAbsent(name, now);
                }
            }
            if (!closed) {
                failure = "watch ended";
            }
        } catch (IOException e) {
            if (!closed) {
                failure = "watch failed: " + e;
            }
        }
    }

    /** Why the watch stopped early, or null. */
    String failure() {
        return failure;
    }

    /** Waits until {@code count} pods matching {@code prefix} are bound; false on timeout. */
    boolean awaitBound(String prefix, int count, Duration timeout) throws InterruptedException {
        return await(boundAt, prefix, count, timeout, 100, true);
    }

    /** Waits until {@code count} pods matching {@code prefix} were seen Running; false on timeout. */
    boolean awaitRunning(String prefix, int count, Duration timeout) throws InterruptedException {
        return await(runningAt, prefix, count, timeout, 200, false);
    }

    /** Waits until {@code count} pods matching {@code prefix} were seen deleted; false on timeout. */
    boolean awaitDeleted(String prefix, int count, Duration timeout) throws InterruptedException {
        return await(deletedAt, prefix, count, timeout, 200, true);
    }

    /** Polls until {@code seen} holds {@code count} names with {@code prefix}; with {@code failFast}, a watch that stopped ends the wait. */
    private boolean await(Map<String, Long> seen, String prefix, int count, Duration timeout, long pollMillis, boolean failFast)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (seen.keySet().stream().filter(n -> n.startsWith(prefix)).count() >= count) {
                return true;
            }
            if (failFast && failure != null) {
                throw new IllegalStateException(failure);
            }
            Thread.sleep(pollMillis);
        }
        return false;
    }

    long bound(String prefix) {
        return boundAt.keySet().stream().filter(n -> n.startsWith(prefix)).count();
    }

    @Override
    public void close() {
        closed = true;
        try {
            stream.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        thread.interrupt();
    }
}
