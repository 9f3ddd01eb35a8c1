package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A tiny REST client for tests: raw requests, JSON answers, and watch streams. */
final class Rest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    record Answer(int code, JsonNode body, HttpResponse<String> raw) {
        String reason() {
            return body.path("reason").asText();
        }
    }

    Rest(String base) {
        this.base = base.replaceAll("/$", "");
    }

    Answer send(String method, String path, String contentType, byte[] body) {
        return send(method, path, contentType, body, "application/json");
    }

    Answer send(String method, String path, String contentType, byte[] body, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (accept != null) {
            b.header("Accept", accept);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed;
            try {
                parsed = r.body().isEmpty() ? KubeJson.object() : KubeJson.MAPPER.readTree(r.body());
            } catch (IOException notJson) {
                parsed = KubeJson.NODES.textNode(r.body());
            }
            return new Answer(r.statusCode(), parsed, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Answer get(String path) {
        return send("GET", path, null, null);
    }

    Answer post(String path, String json) {
        return send("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    Answer put(String path, String json) {
        return send("PUT", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    Answer patch(String path, String type, String json) {
        return send("PATCH", path, type, json.getBytes(StandardCharsets.UTF_8));
    }

    Answer delete(String path) {
        return send("DELETE", path, null, null);
    }

    /** Opens a watch and feeds each event into the returned queue until the stream ends. */
    BlockingQueue<JsonNode> watch(String pathWithQuery) {
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + pathWithQuery)).header("Accept", "application/json").build();
        http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream()).thenAccept(r -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.isBlank()) {
                        events.add(KubeJson.MAPPER.readTree(line));
                    }
                }
            } catch (IOException ignored) {
                // stream closed
            }
        });
        return events;
    }
}
