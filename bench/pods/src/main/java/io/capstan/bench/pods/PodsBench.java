package io.capstan.bench.pods;

import io.capstan.testkit.LocalCluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Pod startup latency as Kubernetes' SLO defines it (pod created until a watch sees it Running,
 * no image pulls) for {@code bench.pods} pods (100) spread by the scheduler over two real
 * node-agents with the process runtime, created {@code bench.concurrency} (10) at a time; then
 * each node-agent's resident memory with its share of the pods running. Everything runs as real
 * processes through {@link LocalCluster}; results go to results/latest.json and REPORT.md.
 */
public final class PodsBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "bench";

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/pods");
        int pods = Integer.getInteger("bench.pods", 100);
        int concurrency = Integer.getInteger("bench.concurrency", 10);
        ObjectNode result = JSON.createObjectNode();
        result.put("date", Instant.now().toString());
        result.put("pods", pods);
        result.put("concurrency", concurrency);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        try (LocalCluster cluster = LocalCluster.start(2)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String api = cluster.apiServer.url();
            awaitReadyNodes(http, api, 2, Duration.ofSeconds(90));
            post(http, api + "/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + NS + "\"}}");
            // warm-up: the first pods pay for class loading in every role
            run(http, api, "warm", 6, 3, Duration.ofSeconds(120), new Histogram(3_600_000_000L, 3));
            Histogram bound = new Histogram(3_600_000_000L, 3);
            Histogram latency = run(http, api, "pod", pods, concurrency, Duration.ofSeconds(180), bound);
            result.set("startup", summary(latency));
            result.set("createdToBound", summary(bound));
            // the agents' memory with every pod running
            ObjectNode rss = result.putObject("nodeAgentRssMb");
            for (String node : cluster.nodeNames()) {
                long pid = cluster.agent(node).pid();
                long peak = 0;
                for (int i = 0; i < 10; i++) {
                    peak = Math.max(peak, statusKb(pid, "VmRSS"));
                    Thread.sleep(1000);
                }
                ObjectNode n = rss.putObject(node);
                n.put("pods", countPodsOn(http, api, node));
                n.put("rssMb", peak / 1024.0);
                n.put("hwmMb", statusKb(pid, "VmHWM") / 1024.0);
            }
        }
        Files.createDirectories(out.resolve("results"));
        Files.writeString(out.resolve("results/latest.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }

    /**
     * Creates {@code count} pods, {@code concurrency} at a time, and times each until a watch sees
     * it Running; {@code bound} gets the time until the watch saw it bound to a node.
     */
    private static Histogram run(HttpClient http, String api, String prefix, int count, int concurrency, Duration timeout,
                                 Histogram bound) throws Exception {
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> unbound = new ConcurrentHashMap<>();
        Histogram histogram = new Histogram(3_600_000_000L, 3);
        CountDownLatch running = new CountDownLatch(count);
        String rv = list(http, api + "/api/v1/namespaces/" + NS + "/pods").path("metadata").path("resourceVersion").asText();
        HttpResponse<InputStream> watch = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/namespaces/" + NS
                + "/pods?watch=true&resourceVersion=" + rv)).build(), HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(watch.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    JsonNode pod = JSON.readTree(line).path("object");
                    String name = pod.path("metadata").path("name").asText();
                    Long created = unbound.get(name);
                    if (created != null && !pod.path("spec").path("nodeName").asText().isEmpty() && unbound.remove(name) != null) {
                        bound.recordValue(Math.max(0, (System.nanoTime() - created) / 1000));
                    }
                    Long start = sent.get(name);
                    if (start != null && "Running".equals(pod.path("status").path("phase").asText()) && sent.remove(name) != null) {
                        histogram.recordValue(Math.max(0, (System.nanoTime() - start) / 1000));
                        running.countDown();
                    }
                }
            } catch (IOException e) {
                // the watch ends with the run
            }
        });
        Semaphore inFlight = new Semaphore(concurrency);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                String name = prefix + "-" + i;
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        long now = System.nanoTime();
                        unbound.put(name, now);
                        sent.put(name, now);
                        int code = post(http, api + "/api/v1/namespaces/" + NS + "/pods", pod(name));
                        if (code != 201) {
                            System.err.println("create " + name + " answered " + code);
                        }
                    } finally {
                        inFlight.release();
                    }
                    return null;
                });
            }
        }
        boolean all = running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        watch.body().close();
        reader.interrupt();
        if (!all) {
            throw new IllegalStateException(running.getCount() + " of " + count + " pods not Running within " + timeout);
        }
        return histogram;
    }

    private static String pod(String name) {
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"bench":"pods"}},
                 "spec":{"terminationGracePeriodSeconds":1,"containers":[{"name":"c","image":"busybox",
                 "command":["sleep","3600"],"resources":{"requests":{"cpu":"10m","memory":"8Mi"}}}]}}
                """.formatted(name);
    }

    private static ObjectNode summary(Histogram h) {
        ObjectNode n = JSON.createObjectNode();
        n.put("count", h.getTotalCount());
        for (double p : new double[]{50, 90, 99, 100}) {
            n.put("p" + (p == 100 ? "max" : Integer.toString((int) p)) + "Ms", h.getValueAtPercentile(p) / 1000.0);
        }
        return n;
    }

    private static void awaitReadyNodes(HttpClient http, String api, int want, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int ready = 0;
            for (JsonNode node : list(http, api + "/api/v1/nodes").path("items")) {
                for (JsonNode c : node.path("status").path("conditions")) {
                    if ("Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                        ready++;
                    }
                }
            }
            if (ready >= want) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("nodes not Ready within " + timeout);
    }

    private static int countPodsOn(HttpClient http, String api, String node) throws Exception {
        return list(http, api + "/api/v1/namespaces/" + NS + "/pods?fieldSelector=spec.nodeName%3D" + node
                + ",status.phase%3DRunning").path("items").size();
    }

    private static JsonNode list(HttpClient http, String url) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static int post(HttpClient http, String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private PodsBench() {
    }
}
