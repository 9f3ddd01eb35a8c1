package io.capstan.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.capstan.scheduler.testing.TestPod;
import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class EventWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            bodies.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(exchange.getRequestMethod().equals("POST") ? 201 : 200, ok.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ok);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void aRepeatBumpsTheCountOfTheSameEventAndAnotherMessageStartsANewOne() throws IOException {
        Pod pod = TestPod.pod("web-1").build();
        try (ApiClient api = new ApiClient(start(), 2, Duration.ofSeconds(5))) {
            EventWriter events = new EventWriter(api, "default-scheduler", "replica-1", 1, new SimpleMeterRegistry().counter("dropped"));
            events.event(pod, "Warning", "FailedScheduling", "Scheduling", "0/3 nodes are available: 3 Insufficient cpu.");
            events.event(pod, "Warning", "FailedScheduling", "Scheduling", "0/3 nodes are available: 3 Insufficient cpu.");
            events.event(pod, "Normal", "Scheduled", "Binding", "Successfully assigned default/web-1 to node-a");
            events.close();
        }
        assertThat(requests).hasSize(3);
        assertThat(requests.get(0)).isEqualTo("POST /api/v1/namespaces/default/events");
        JsonNode first = bodies.get(0);
        assertThat(first.path("involvedObject").path("kind").asText()).isEqualTo("Pod");
        assertThat(first.path("involvedObject").path("name").asText()).isEqualTo("web-1");
        assertThat(first.path("involvedObject").path("uid").asText()).isEqualTo("uid-web-1");
        assertThat(first.path("source").path("component").asText()).isEqualTo("default-scheduler");
        assertThat(first.path("reportingInstance").asText()).isEqualTo("replica-1");
        assertThat(first.path("action").asText()).isEqualTo("Scheduling");
        assertThat(first.path("count").asInt()).isEqualTo(1);
        String name = first.path("metadata").path("name").asText();
        assertThat(name).startsWith("web-1.");
        assertThat(requests.get(1)).isEqualTo("PATCH /api/v1/namespaces/default/events/" + name);
        assertThat(bodies.get(1).path("count").asInt()).isEqualTo(2);
        assertThat(requests.get(2)).isEqualTo("POST /api/v1/namespaces/default/events");
        assertThat(bodies.get(2).path("reason").asText()).isEqualTo("Scheduled");
    }

    @Test
    void aFullQueueDropsEventsAndCountsThemWithoutBlocking() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getRequestBody().readAllBytes();
            byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(201, ok.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ok);
            }
        });
        server.start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Counter counter = registry.counter("capstan_scheduler_events_dropped");
        try (ApiClient api = new ApiClient("http://127.0.0.1:" + server.getAddress().getPort(), 2, Duration.ofSeconds(5))) {
            EventWriter events = new EventWriter(api, "default-scheduler", "replica-1", 1, counter);
            int sent = EventWriter.QUEUE + 10;
            long start = System.nanoTime();
            for (int i = 0; i < sent; i++) {
                events.event(TestPod.pod("p-" + i).build(), "Normal", "Scheduled", "Binding", "Successfully assigned default/p-" + i + " to n");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("never waits for the writer").isLessThan(Duration.ofSeconds(10));
            // one in the writer's hands (once it took it), QUEUE waiting, the rest dropped
            assertThat(events.dropped()).isBetween(9L, 10L);
            assertThat(counter.count()).isEqualTo(events.dropped());
            release.countDown();
            events.close();
        }
    }
}
