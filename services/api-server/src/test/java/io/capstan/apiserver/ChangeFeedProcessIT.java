package io.capstan.apiserver;

import io.capstan.store.EtcdStore;
import io.capstan.store.StoreEvent;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.KafkaProcess;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The change feed survives SIGKILL of the api-server that leads it, in the middle of 10,000
 * writes: afterwards Kafka holds every etcd revision of every object, in order per key.
 */
class ChangeFeedProcessIT {
    private static final int OBJECTS = 100;
    private static final int WRITES = 10_000;

    @Test
    void killingTheFeedLeaderMidStreamLosesNoRevisionAndKeepsOrderPerKey() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start(); KafkaProcess kafka = KafkaProcess.start();
             ApiServerProcess a = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
             ApiServerProcess b = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers())) {
            List<ApiServerProcess> servers = List.of(a, b);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            send(http, servers, 0, "POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"feedkill\"}}");

            AtomicInteger acked = new AtomicInteger();
            Map<String, ConcurrentSkipListSet<Long>> ackedRevisions = new ConcurrentHashMap<>();
            ExecutorService writers = Executors.newFixedThreadPool(16);
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 16; w++) {
                int worker = w;
                done.add(writers.submit(() -> {
                    for (int i = worker; i < WRITES; i += 16) {
                        String name = "obj-" + (i % OBJECTS);
                        String body;
                        String method;
                        String path;
                        if (i < OBJECTS) {
                            method = "POST";
                            path = "/api/v1/namespaces/feedkill/configmaps";
                            body = "{\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"n\":\"" + i + "\"}}";
                        } else {
                            method = "PATCH";
                            path = "/api/v1/namespaces/feedkill/configmaps/" + name;
                            body = "{\"data\":{\"n\":\"" + i + "\"}}";
                        }
                        String answer = send(http, servers, i, method, path, body);
                        long rv = Long.parseLong(answer.replaceAll("(?s).*\"resourceVersion\":\"(\\d+)\".*", "$1"));
                        ackedRevisions.computeIfAbsent(name, k -> new ConcurrentSkipListSet<>()).add(rv);
                        acked.incrementAndGet();
                    }
                    return null;
                }));
            }
            while (acked.get() < 3_000) {
                Thread.sleep(20);
            }
            ApiServerProcess leader = feedLeader(http, servers);
            leader.kill();
            for (var f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            writers.shutdown();
            assertThat(acked.get()).isEqualTo(WRITES);

            Map<String, List<Long>> history = etcdHistory(etcd.endpoint(), "/registry/configmaps/feedkill/");
            try (FeedConsumer feed = new FeedConsumer(kafka.bootstrapServers(), "capstan.configmaps")) {
                List<FeedConsumer.Event> events = feed.until(seen -> allSeen(seen, history), Duration.ofSeconds(90));
                Map<String, List<Long>> visible = new TreeMap<>();
                for (FeedConsumer.Event e : events) {
                    if (!e.key().startsWith("feedkill/")) {
                        continue;
                    }
                    List<Long> seq = visible.computeIfAbsent(e.key().substring("feedkill/".length()), k -> new ArrayList<>());
                    // What an informer does: drop what is not newer than what it has.
                    if (seq.isEmpty() || e.revision() > seq.get(seq.size() - 1)) {
                        seq.add(e.revision());
                    }
                }
                assertThat(visible).isEqualTo(history);
                ackedRevisions.forEach((key, revs) -> assertThat(history.get(key)).containsAll(revs));
            }
        }
    }

    private static boolean allSeen(List<FeedConsumer.Event> seen, Map<String, List<Long>> history) {
        Map<String, Long> max = new ConcurrentHashMap<>();
        for (FeedConsumer.Event e : seen) {
            max.merge(e.key(), e.revision(), Math::max);
        }
        return history.entrySet().stream().allMatch(h -> max.getOrDefault("feedkill/" + h.getKey(), 0L)
                >= h.getValue().get(h.getValue().size() - 1));
    }

    /** Every revision of every key under the prefix, from etcd's own history (nothing is compacted here). */
    private static Map<String, List<Long>> etcdHistory(String endpoint, String prefix) throws Exception {
        Map<String, List<Long>> history = new TreeMap<>();
        try (EtcdStore store = EtcdStore.connect(endpoint)) {
            long current = store.currentRevision().join();
            java.util.concurrent.CountDownLatch caughtUp = new java.util.concurrent.CountDownLatch(1);
            try (AutoCloseable w = store.watch(prefix, 0, events -> {
                synchronized (history) {
                    for (StoreEvent e : events) {
                        if (e.type() != StoreEvent.Type.DELETED) {
                            history.computeIfAbsent(e.key().substring(prefix.length()), k -> new ArrayList<>()).add(e.revision());
                        }
                        if (e.revision() >= current) {
                            caughtUp.countDown();
                        }
                    }
                }
            }, e -> { })) {
                store.update(prefix + "obj-0", "{}".getBytes(), 0, 0).exceptionally(t -> 0L);
                caughtUp.await(30, TimeUnit.SECONDS);
            }
        }
        return history;
    }

    private static ApiServerProcess feedLeader(HttpClient http, List<ApiServerProcess> servers) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (ApiServerProcess s : servers) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.url() + "/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.body().lines().anyMatch(l -> l.startsWith("capstan_feed_leader") && l.trim().endsWith(" 1.0"))) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no api-server leads the change feed");
    }

    /** Sends through one server, failing over to the other when it is gone; returns the body of a 2xx answer. */
    private static String send(HttpClient http, List<ApiServerProcess> servers, int i, String method, String path, String body)
            throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            ApiServerProcess s = servers.get((i + attempt) % servers.size());
            if (!s.alive()) {
                continue;
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.url() + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 == 2) {
                    return r.body();
                }
                if (r.statusCode() == 409 && method.equals("POST")) {
                    return http.send(HttpRequest.newBuilder(URI.create(s.url() + path + "/" + body.replaceAll(".*\"name\":\"([^\"]+)\".*", "$1")))
                            .build(), HttpResponse.BodyHandlers.ofString()).body();
                }
            } catch (java.io.IOException gone) {
                // the server died under us: try the other one
            }
            Thread.sleep(20);
        }
        throw new AssertionError(method + " " + path + " failed on every api-server");
    }
}
