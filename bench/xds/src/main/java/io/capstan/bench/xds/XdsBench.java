package io.capstan.bench.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.KafkaProcess;
import io.capstan.testkit.ServiceProcess;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * xDS convergence: etcd, Kafka, the api-server and the packaged mesh control plane as processes;
 * {@code bench.services} selector-less Services (one HTTP port) with one EndpointSlice of
 * {@code bench.endpoints} endpoints each; {@code bench.clients} state-of-the-world ADS clients
 * that ACK everything. Then, for {@code bench.seconds}, {@code bench.rate} endpoint changes a
 * second (one endpoint of a different Service each time gets a new address): the time from
 * sending the write to the api-server until every client has ACKed an EDS response that holds
 * the new address. Warm-up changes ({@code bench.warmup} seconds) are not counted. Counts and
 * times are bounded; {@code -Dbench.delta=true} runs delta clients. The result goes to
 * {@code <dir>/results/sotw.md} or {@code delta.md}, summarized by hand in {@code <dir>/REPORT.md}.
 */
public final class XdsBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int SERVICES = Integer.getInteger("bench.services", 1000);
    static final int ENDPOINTS = Integer.getInteger("bench.endpoints", 5);
    static final int CLIENTS = Integer.getInteger("bench.clients", 10);
    static final int RATE = Integer.getInteger("bench.rate", 20);
    static final int SECONDS = Integer.getInteger("bench.seconds", 30);
    static final int WARMUP = Integer.getInteger("bench.warmup", 5);
    static final boolean DELTA = Boolean.getBoolean("bench.delta");
    static final Duration SETTLE = Duration.ofSeconds(10);

    /** One endpoint change and which clients have ACKed it. */
    static final class Change {
        final String cluster;
        final String ip;
        final long written;
        final boolean measured;
        final AtomicIntegerArray seen = new AtomicIntegerArray(CLIENTS);
        final AtomicInteger left = new AtomicInteger(CLIENTS);

        Change(String cluster, String ip, long written, boolean measured) {
            this.cluster = cluster;
            this.ip = ip;
            this.written = written;
            this.measured = measured;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Change> pending = new ConcurrentHashMap<>();
    private final Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    private final AtomicLong writeErrors = new AtomicLong();
    private final List<String> sliceVersions = new ArrayList<>();
    private String apiUrl;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "bench/xds");
        new XdsBench().run(dir);
        System.exit(0);
    }

    void run(Path dir) throws Exception {
        StringBuilder log = new StringBuilder();
        Instant started = Instant.now();
        try (EtcdProcess etcd = EtcdProcess.start();
             KafkaProcess kafka = KafkaProcess.start();
             ApiServerProcess api = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers())) {
            apiUrl = api.url();
            int xdsPort = FreePorts.next();
            long t0 = System.nanoTime();
            createObjects();
            note(log, "created %d Services and %d EndpointSlices (%d endpoints) in %d ms", SERVICES, SERVICES, SERVICES * ENDPOINTS,
                    ms(System.nanoTime() - t0));
            try (ServiceProcess cp = ServiceProcess.start("mesh", "mesh/control-plane", "127.0.0.1", FreePorts.next(),
                    controlPlaneProperties(api.url(), kafka.bootstrapServers(), xdsPort),
                    List.of("-Xmx512m", "-XX:+UseSerialGC"), "/q/health/ready")) {
                List<BenchProxy> clients = new ArrayList<>();
                t0 = System.nanoTime();
                for (int i = 0; i < CLIENTS; i++) {
                    int index = i;
                    clients.add(DELTA ? new DeltaBenchClient(xdsPort, i, (clas, at) -> acked(index, clas, at))
                            : new BenchClient(xdsPort, i, (clas, at) -> acked(index, clas, at)));
                }
                awaitSynced(clients);
                clients.forEach(BenchProxy::stopCounting);
                note(log, "%d clients have %d clusters and %d endpoints each after %d ms", CLIENTS, SERVICES, SERVICES * ENDPOINTS,
                        ms(System.nanoTime() - t0));
                drive(WARMUP, false, 0);
                histogram.reset();
                drive(SECONDS, true, WARMUP * RATE);
                long deadline = System.nanoTime() + SETTLE.toNanos();
                while (pending.values().stream().anyMatch(c -> c.left.get() > 0) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                long lost = pending.values().stream().filter(c -> c.measured && c.left.get() > 0).count();
                for (BenchProxy c : clients) {
                    if (c.failure() != null) {
                        note(log, "client failed: %s", c.failure());
                    }
                    c.close();
                }
                String metrics = get(cp.url() + "/q/metrics");
                String cpu = processCpu(cp.pid());
                // the control plane's log, for a run that went wrong (not part of the results)
                Files.createDirectories(dir.resolve("target"));
                Files.writeString(dir.resolve("target").resolve(mode() + "-control-plane.log"), cp.log());
                writeReport(dir, log, started, lost, metrics, cpu);
            }
        }
    }

    static String mode() {
        return DELTA ? "delta" : "sotw";
    }

    /** The control plane's settings; {@code -Dbench.debug=true} logs every rebuild's timing. */
    static Map<String, String> controlPlaneProperties(String api, String kafka, int xdsPort) {
        Map<String, String> props = new java.util.HashMap<>(Map.of("capstan.mesh.api-server-url", api,
                "capstan.mesh.kafka-bootstrap-servers", kafka,
                "capstan.mesh.xds-port", Integer.toString(xdsPort)));
        if (Boolean.getBoolean("bench.debug")) {
            props.put("quarkus.log.category.\"io.capstan.mesh\".level", "DEBUG");
        }
        return props;
    }

    private void createObjects() throws Exception {
        Semaphore inFlight = new Semaphore(16);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < SERVICES; i++) {
            sliceVersions.add("");
        }
        for (int i = 0; i < SERVICES; i++) {
            int index = i;
            inFlight.acquire();
            all.add(post("/api/v1/namespaces/default/services", service(i))
                    .thenCompose(r -> post("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", slice(index, 0)))
                    .thenAccept(body -> sliceVersions.set(index, body.path("metadata").path("resourceVersion").asText()))
                    .whenComplete((r, e) -> inFlight.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    }

    static String name(int i) {
        return "svc-" + i;
    }

    static String cluster(int i) {
        return XdsNames.outboundCluster(80, "", XdsNames.serviceHost(name(i), "default"));
    }

    /** Endpoint k of Service i; generation g of endpoint 0 is its g-th address. */
    static String ip(int i, int k, int generation) {
        int host = k == 0 ? 10 + generation : 1 + k;
        return "10." + (1 + i / 250) + "." + (i % 250) + "." + host;
    }

    static ObjectNode service(int i) {
        ObjectNode s = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Service");
        s.putObject("metadata").put("name", name(i)).put("namespace", "default");
        s.putObject("spec").putArray("ports").addObject().put("name", "http").put("port", 80).put("targetPort", 8080);
        return s;
    }

    static ObjectNode slice(int i, int generation) {
        ObjectNode s = JSON.createObjectNode().put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice");
        ObjectNode meta = s.putObject("metadata").put("name", name(i)).put("namespace", "default");
        meta.putObject("labels").put("kubernetes.io/service-name", name(i));
        s.put("addressType", "IPv4");
        s.putArray("ports").addObject().put("name", "http").put("port", 8080).put("protocol", "TCP");
        ArrayNode eps = s.putArray("endpoints");
        for (int k = 0; k < ENDPOINTS; k++) {
            ObjectNode e = eps.addObject();
            e.putArray("addresses").add(ip(i, k, generation));
            e.putObject("conditions").put("ready", true);
        }
        return s;
    }

    private CompletableFuture<JsonNode> post(String path, ObjectNode body) {
        return send(HttpRequest.newBuilder(URI.create(apiUrl + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private CompletableFuture<JsonNode> send(HttpRequest.Builder request) {
        return http.sendAsync(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(r.statusCode() + " " + r.body());
            }
            try {
                return JSON.readTree(r.body());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void awaitSynced(List<BenchProxy> clients) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (clients.stream().allMatch(c -> c.clusters() >= SERVICES && c.endpoints() >= SERVICES * ENDPOINTS)) {
                return;
            }
            for (BenchProxy c : clients) {
                if (c.failure() != null) {
                    throw new IllegalStateException("client failed", c.failure());
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("clients did not receive every cluster and endpoint in 3 minutes: "
                + clients.stream().map(c -> c.clusters() + "/" + c.endpoints()).collect(Collectors.joining(", ")));
    }

    /** {@code seconds} of changes at {@code RATE} a second, each to a different Service (starting at {@code first}). */
    private void drive(int seconds, boolean measured, int first) throws InterruptedException {
        long period = TimeUnit.SECONDS.toNanos(1) / RATE;
        long start = System.nanoTime();
        int count = seconds * RATE;
        for (int n = 0; n < count; n++) {
            long due = start + n * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int i = (first + n) % SERVICES;
            int generation = (first + n) / SERVICES + 1;
            ObjectNode body = slice(i, generation);
            ((ObjectNode) body.get("metadata")).put("resourceVersion", sliceVersions.get(i));
            Change change = new Change(cluster(i), ip(i, 0, generation), System.nanoTime(), measured);
            pending.put(change.cluster, change);
            send(HttpRequest.newBuilder(URI.create(apiUrl + "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/" + name(i)))
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body.toString())))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            writeErrors.incrementAndGet();
                            pending.remove(change.cluster, change);
                        } else {
                            sliceVersions.set(i, r.path("metadata").path("resourceVersion").asText());
                        }
                    });
        }
    }

    /** Client {@code client} ACKed an EDS response with {@code clas} at {@code at}. */
    private void acked(int client, Map<String, ByteString> clas, long at) {
        for (Change c : pending.values()) {
            ByteString cla = c.left.get() > 0 && c.seen.get(client) == 0 ? clas.get(c.cluster) : null;
            if (cla != null && BenchClient.contains(parse(cla), c.ip) && c.seen.compareAndSet(client, 0, 1)
                    && c.left.decrementAndGet() == 0 && c.measured) {
                synchronized (histogram) {
                    histogram.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(at - c.written)));
                }
            }
        }
    }

    private static ClusterLoadAssignment parse(ByteString bytes) {
        try {
            return ClusterLoadAssignment.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private String get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    static String processCpu(long pid) {
        try {
            String[] stat = Files.readString(Path.of("/proc/" + pid + "/stat")).split(" ");
            long ticks = Long.parseLong(stat[13]) + Long.parseLong(stat[14]);
            return String.format("%.1f s", ticks / 100.0);
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void note(StringBuilder log, String format, Object... args) {
        String line = String.format(format, args);
        System.out.println(line);
        log.append("- ").append(line).append('\n');
    }

    private void writeReport(Path dir, StringBuilder log, Instant started, long lost, String metrics, String cpu) throws IOException {
        Histogram h;
        synchronized (histogram) {
            h = histogram.copy();
        }
        double p50 = h.getValueAtPercentile(50) / 1000.0;
        double p90 = h.getValueAtPercentile(90) / 1000.0;
        double p99 = h.getValueAtPercentile(99) / 1000.0;
        double max = h.getMaxValue() / 1000.0;
        String serverSide = metrics.lines().filter(l -> l.startsWith("capstan_mesh_proxy_convergence_seconds_count")
                || l.startsWith("capstan_mesh_proxy_convergence_seconds_sum") || l.startsWith("capstan_mesh_proxy_convergence_seconds_max")
                || l.startsWith("capstan_mesh_xds_pushes_total") || l.startsWith("capstan_mesh_xds_rejects_total")
                || l.startsWith("capstan_mesh_xds_connected_proxies")).collect(Collectors.joining("\n"));
        String result = String.format("""
                        services=%d endpoints=%d clients=%d rate=%d/s seconds=%d warmup=%d
                        changes measured=%d converged=%d not-converged=%d write-errors=%d
                        convergence ms: p50=%.1f p90=%.1f p99=%.1f max=%.1f (target p99 < 100)
                        control-plane cpu total=%s
                        """, SERVICES, SERVICES * ENDPOINTS, CLIENTS, RATE, SECONDS, WARMUP, SECONDS * RATE, h.getTotalCount(), lost,
                writeErrors.get(), p50, p90, p99, max, cpu);
        System.out.print(result);
        Path results = dir.resolve("results");
        Files.createDirectories(results);
        Files.writeString(results.resolve(mode() + ".md"), """
                ## %s, run %s

                | | p50 | p90 | p99 | max | target |
                |---|---|---|---|---|---|
                | change written → all %d clients ACKed | %.1f ms | %.1f ms | %.1f ms | %.1f ms | p99 < 100 ms: **%s** |

                %d changes measured, %d converged, %d not within %d s, %d write errors; %d Services, %d endpoints, %d changes/s for
                %d s after %d s of warm-up. Control plane CPU over the whole run (start, initial sync and changes): %s.

                %s
                The control plane's own metrics at the end:

                ```
                %s
                ```
                """.formatted(DELTA ? "Delta xDS" : "State of the world", started, CLIENTS, p50, p90, p99, max,
                p99 < 100 ? "met" : "not met", SECONDS * RATE, h.getTotalCount(), lost, SETTLE.toSeconds(), writeErrors.get(),
                SERVICES, SERVICES * ENDPOINTS, RATE, SECONDS, WARMUP, cpu, log, serverSide));
    }
}
