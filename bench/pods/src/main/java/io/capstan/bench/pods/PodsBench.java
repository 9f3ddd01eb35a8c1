package io.capstan.bench.pods;

import io.capstan.testkit.LocalCluster;
import io.capstan.testkit.ProcessCpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pod startup latency as Kubernetes' SLO defines it (pod created until a watch sees it Running,
 * no image pulls) for {@code bench.pods} pods (100) spread by the scheduler over two real
 * node-agents with the process runtime, created {@code bench.concurrency} (10) at a time; then
 * each node-agent's resident memory with its share of the pods running. Everything runs as real
 * processes through {@link LocalCluster}; results go to results/latest.json and REPORT.md.
 *
 * <p>As Kubernetes' SLO is a p99 over a running cluster, the measured bursts follow unmeasured
 * bursts of the same size, each deleted again: JMH's warm-up iterations, in which the JIT compilers
 * of every role do their work (on a freshly started stack, most of the api-server's CPU in a burst
 * is its compiler threads, and after three bursts it still compiles 0.6-1.1 s per burst). By
 * default the warm-up goes on until no role's compiler threads used {@code bench.settledJitMs}
 * (150) ms of CPU or more in each of the last two bursts, with at least {@code
 * bench.minWarmupBursts} (3) and at most {@code bench.maxWarmupBursts} (30) bursts (the api-server
 * needs 15 to 17 here); each warm-up burst's p99 and compiler CPU are recorded, the first being
 * the freshly started stack's. {@code -Dbench.warmupBursts=N} runs
 * exactly N ({@code 0} measures the freshly started stack). Then
 * {@code bench.measuredBursts} (3) measured bursts, each deleted again but the last: each burst's
 * p99 is reported (the target's measure; the p99 of 100 samples is nearly their maximum, so one
 * burst alone says little), and the percentiles of all measured pods together. Each role's JIT
 * compiler threads' CPU in each measured burst ({@code jitCpuMsPerBurst}) tells whether the
 * warm-up was long enough.
 */
public final class PodsBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "bench";
    /** One label of a Prometheus sample, {@code name="value"}. */
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/pods");
        int pods = Integer.getInteger("bench.pods", 100);
        int concurrency = Integer.getInteger("bench.concurrency", 10);
        // -Dbench.warmupBursts=N: exactly N warm-up bursts; by default, until the JIT compilers have settled (see class doc)
        Integer fixedWarmup = Integer.getInteger("bench.warmupBursts");
        int minWarmup = fixedWarmup != null ? fixedWarmup : Integer.getInteger("bench.minWarmupBursts", 3);
        int maxWarmup = fixedWarmup != null ? fixedWarmup : Integer.getInteger("bench.maxWarmupBursts", 30);
        long settledJitMs = Long.getLong("bench.settledJitMs", 150);
        int measuredBursts = Math.max(1, Integer.getInteger("bench.measuredBursts", 3));
        ObjectNode result = JSON.createObjectNode();
        result.put("date", Instant.now().toString());
        result.put("pods", pods);
        result.put("concurrency", concurrency);
        result.put("warmup", fixedWarmup != null ? fixedWarmup + " bursts"
                : "until every role's JIT compiler threads used under " + settledJitMs + " ms of CPU in each of two bursts in a row (at least "
                + minWarmup + ", at most " + maxWarmup + " bursts)");
        result.put("measuredBursts", measuredBursts);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        try (LocalCluster cluster = LocalCluster.start(2)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String api = cluster.apiServer.url();
            awaitReadyNodes(http, api, 2, Duration.ofSeconds(90));
            post(http, api + "/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + NS + "\"}}");
            // warm-up: the first pods pay for class loading in every role
            run(http, api, "warm", 6, 3, Duration.ofSeconds(120), new Histogram(3_600_000_000L, 3));
            ProcessCpu cpu = new ProcessCpu().track("etcd", cluster.etcd.pid()).track("kafka", cluster.kafka.pid())
                    .track("api-server", cluster.apiServer.pid())
                    .track("controller-manager", cluster.controllerManager.pid()).track("scheduler", cluster.scheduler.pid());
            for (String node : cluster.nodeNames()) {
                cpu.track("node-agent " + node, cluster.agent(node).pid());
            }
            // then whole bursts, deleted again: the JIT compilers of every role finish their work here, not in the
            // measured bursts. Each warm-up burst's p99 and compiler CPU are kept: the first is the freshly started stack's.
            ArrayNode warmupP99 = JSON.createArrayNode();
            ObjectNode warmupJitMs = JSON.createObjectNode();
            int warmupBursts = 0;
            int quiet = 0;
            while (warmupBursts < maxWarmup) {
                String prefix = "burst" + warmupBursts;
                Map<String, Double> jitBefore = cpu.compilerCpuSeconds();
                Histogram burst = run(http, api, prefix, pods, concurrency, Duration.ofSeconds(180), new Histogram(3_600_000_000L, 3));
                long busiest = addJitMs(warmupJitMs, jitBefore, cpu.compilerCpuSeconds());
                warmupP99.add(burst.getValueAtPercentile(99) / 1000.0);
                deleteAndAwaitGone(http, api, prefix + "-", Duration.ofSeconds(120));
                warmupBursts++;
                System.out.printf("warm-up burst %d: p99 %.0f ms, busiest JIT %d ms%n", warmupBursts,
                        burst.getValueAtPercentile(99) / 1000.0, busiest);
                // settled: two bursts in a row in which no role compiled much (one quiet burst can be luck)
                quiet = busiest < settledJitMs ? quiet + 1 : 0;
                if (warmupBursts >= minWarmup && quiet >= 2) {
                    break;
                }
            }
            result.put("warmupBursts", warmupBursts);
            result.set("warmupP99MsPerBurst", warmupP99);
            result.set("warmupJitCpuMsPerBurst", warmupJitMs);
            // the measured bursts: each timed on its own (the target is a p99 per burst of `pods`), all but the last
            // deleted again; CPU and requests are summed over the bursts only, not over the deletes between them
            Histogram latency = new Histogram(3_600_000_000L, 3);
            Histogram bound = new Histogram(3_600_000_000L, 3);
            Map<String, Double> cpuSum = new LinkedHashMap<>();
            Map<String, Double> requestSum = new LinkedHashMap<>();
            double machineSum = 0;
            ArrayNode burstP99 = JSON.createArrayNode();
            // each role's JIT compiler threads' CPU in each measured burst: a role still compiling is not warm yet
            ObjectNode jitMs = JSON.createObjectNode();
            for (int b = 0; b < measuredBursts; b++) {
                boolean last = b == measuredBursts - 1;
                String prefix = last ? "pod" : "measured" + b;
                Map<String, Double> cpuBefore = cpu.cpuSeconds();
                Map<String, Double> jitBefore = cpu.compilerCpuSeconds();
                double machineBefore = ProcessCpu.machineBusySeconds();
                Map<String, Double> requestsBefore = requests(http, api);
                Histogram burst = run(http, api, prefix, pods, concurrency, Duration.ofSeconds(180), bound);
                cpu.cpuSeconds().forEach((k, v) -> cpuSum.merge(k, v - cpuBefore.getOrDefault(k, 0.0), Double::sum));
                machineSum += ProcessCpu.machineBusySeconds() - machineBefore;
                requests(http, api).forEach((k, n) -> requestSum.merge(k, n - requestsBefore.getOrDefault(k, 0.0), Double::sum));
                latency.add(burst);
                burstP99.add(burst.getValueAtPercentile(99) / 1000.0);
                addJitMs(jitMs, jitBefore, cpu.compilerCpuSeconds());
                if (!last) {
                    deleteAndAwaitGone(http, api, prefix + "-", Duration.ofSeconds(120));
                }
            }
            int measuredPods = pods * measuredBursts;
            // CPU of each role over the bursts (create of the first pod until the last is seen Running), per pod
            ObjectNode cpuMs = result.putObject("cpuMsPerPod");
            double total = 0;
            for (Map.Entry<String, Double> e : cpuSum.entrySet()) {
                double ms = e.getValue() * 1000 / measuredPods;
                cpuMs.put(e.getKey(), Math.round(ms * 10) / 10.0);
                total += ms;
            }
            cpuMs.put("all", Math.round(total * 10) / 10.0);
            // the whole machine's busy CPU over the same windows: the rest is the containers, their shims and the kernel
            cpuMs.put("machine", Math.round(machineSum * 1000 / measuredPods * 10) / 10.0);
            // what the stack asked of the api-server over the bursts, per pod
            ObjectNode perPod = result.putObject("apiRequestsPerPod");
            requestSum.forEach((key, n) -> {
                double d = n / measuredPods;
                if (d >= 0.01) {
                    perPod.put(key, Math.round(d * 100) / 100.0);
                }
            });
            // each burst's p99 (the target's measure), then every measured pod together
            result.set("startupP99MsPerBurst", burstP99);
            result.set("jitCpuMsPerBurst", jitMs);
            result.set("startup", summary(latency));
            result.set("createdToBound", summary(bound));
            // the agents' memory with every pod running: the peak over the 10 s after the burst, and over 50 to 60 s after
            // it, once the agents have settled with their pods (an agent gives back heap after a quiet spell: HeapShrink)
            List<String> nodes = cluster.nodeNames();
            Map<String, Long> burstPeak = rssPeaks(cluster, nodes, 10);
            Thread.sleep(40_000);
            Map<String, Long> settledPeak = rssPeaks(cluster, nodes, 10);
            ObjectNode rss = result.putObject("nodeAgentRssMb");
            for (String node : nodes) {
                ObjectNode n = rss.putObject(node);
                n.put("pods", countPodsOn(http, api, node));
                n.put("rssMb", burstPeak.get(node) / 1024.0);
                n.put("settledRssMb", settledPeak.get(node) / 1024.0);
                n.put("hwmMb", ProcessCpu.statusKb(cluster.agent(node).pid(), "VmHWM") / 1024.0);
            }
            // -Dbench.hold=SECONDS keeps the stack up with its pods after the measurement, to look at it (jcmd, /proc)
            long hold = Long.getLong("bench.hold", 0);
            if (hold > 0) {
                nodes.forEach(node -> System.out.println("holding: node-agent " + node + " pid " + cluster.agent(node).pid()));
                System.out.println("holding: api-server " + api + " for " + hold + " s");
                Thread.sleep(hold * 1000);
            }
        }
        Files.createDirectories(out.resolve("results"));
        Files.writeString(out.resolve("results/latest.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }

    /** Appends each role's JIT compiler CPU between two readings (ms) to its array in {@code into}; returns the largest. */
    private static long addJitMs(ObjectNode into, Map<String, Double> before, Map<String, Double> after) {
        long busiest = 0;
        for (Map.Entry<String, Double> e : after.entrySet()) {
            long ms = Math.round(Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0)) * 1000);
            (into.has(e.getKey()) ? (ArrayNode) into.get(e.getKey()) : into.putArray(e.getKey())).add(ms);
            busiest = Math.max(busiest, ms);
        }
        return busiest;
    }

    /**
     * Creates {@code count} pods, {@code concurrency} at a time, and times each until a watch sees
     * it Running; {@code bound} gets the time until the watch saw it bound to a node.
     */
    private static Histogram run(HttpClient http, String api, String prefix, int count, int concurrency, Duration timeout,
                                 Histogram bound) throws Exception {
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> unbound = new ConcurrentHashMap<>();
        // -Dbench.timeline=FILE: each pod's create, bound and Running times (ms from the first create) and node, as CSV
        String timelineFile = System.getProperty("bench.timeline");
        Map<String, long[]> timeline = new ConcurrentHashMap<>();
        Map<String, String> nodes = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
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
                        timeline.computeIfAbsent(name, k -> new long[3])[1] = (System.nanoTime() - t0) / 1_000_000;
                        nodes.put(name, pod.path("spec").path("nodeName").asText());
                    }
                    Long start = sent.get(name);
                    if (start != null && "Running".equals(pod.path("status").path("phase").asText()) && sent.remove(name) != null) {
                        histogram.recordValue(Math.max(0, (System.nanoTime() - start) / 1000));
                        timeline.computeIfAbsent(name, k -> new long[3])[2] = (System.nanoTime() - t0) / 1_000_000;
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
                        timeline.computeIfAbsent(name, k -> new long[3])[0] = (now - t0) / 1_000_000;
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
        if (timelineFile != null) {
            StringBuilder csv = new StringBuilder("pod,node,createdMs,boundMs,runningMs\n");
            timeline.entrySet().stream().sorted(Map.Entry.comparingByValue((a, b) -> Long.compare(a[0], b[0])))
                    .forEach(e -> csv.append(e.getKey()).append(',').append(nodes.getOrDefault(e.getKey(), "")).append(',')
                            .append(e.getValue()[0]).append(',').append(e.getValue()[1]).append(',').append(e.getValue()[2]).append('\n'));
            Files.writeString(Path.of(timelineFile), csv);
        }
        if (!all) {
            StringBuilder stuck = new StringBuilder();
            for (String name : sent.keySet()) {
                JsonNode pod = list(http, api + "/api/v1/namespaces/" + NS + "/pods/" + name);
                stuck.append("\n  ").append(name).append(" on ").append(pod.path("spec").path("nodeName").asText("-"))
                        .append(": ").append(pod.path("status"));
            }
            throw new IllegalStateException(running.getCount() + " of " + count + " pods not Running within " + timeout + ":" + stuck);
        }
        return histogram;
    }

    /** Each agent's highest VmRSS (kB) over {@code seconds} one-second samples. */
    private static Map<String, Long> rssPeaks(LocalCluster cluster, List<String> nodes, int seconds) throws InterruptedException {
        Map<String, Long> peaks = new LinkedHashMap<>();
        for (int i = 0; i < seconds; i++) {
            for (String node : nodes) {
                peaks.merge(node, ProcessCpu.statusKb(cluster.agent(node).pid(), "VmRSS"), Math::max);
            }
            Thread.sleep(1000);
        }
        return peaks;
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

    /** The api-server's {@code apiserver_request_total} by "VERB resource[/subresource]", summed over the other labels. */
    private static Map<String, Double> requests(HttpClient http, String api) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(api + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("apiserver_request_total{")) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher m = LABEL.matcher(line.substring(0, line.lastIndexOf('}')));
            while (m.find()) {
                labels.put(m.group(1), m.group(2));
            }
            String sub = labels.getOrDefault("subresource", "");
            String key = labels.get("verb") + " " + labels.get("resource") + (sub.isEmpty() ? "" : "/" + sub);
            out.merge(key, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
        }
        return out;
    }

    /** Deletes the pods named {@code prefix}* and waits until the API has none of them left. */
    private static void deleteAndAwaitGone(HttpClient http, String api, String prefix, Duration timeout) throws Exception {
        String pods = api + "/api/v1/namespaces/" + NS + "/pods";
        for (JsonNode pod : list(http, pods).path("items")) {
            String name = pod.path("metadata").path("name").asText();
            if (name.startsWith(prefix)) {
                http.send(HttpRequest.newBuilder(URI.create(pods + "/" + name)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean left = false;
            for (JsonNode pod : list(http, pods).path("items")) {
                left |= pod.path("metadata").path("name").asText().startsWith(prefix);
            }
            if (!left) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("pods " + prefix + "* not gone within " + timeout);
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

    private PodsBench() {
    }
}
