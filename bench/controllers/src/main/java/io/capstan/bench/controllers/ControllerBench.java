package io.capstan.bench.controllers;

import io.capstan.api.json.KubeJson;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.KafkaProcess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The controller benchmark: fresh etcd, Kafka, api-server and controller-manager processes, then
 * (a) change-feed latency from an api-server write to a controller-runtime informer at 1,000
 * writes/s, with a per-key loss and order check, after {@code -Dbench.feed.warmup} seconds (60) at
 * that rate so that the JVMs' JIT compilers have done their work (5 s measured inside it); (b) 1,000 Deployments of 3 replicas created at
 * once until all 3,000 pods exist; (c) the controller-manager's RSS with 10,000 pods cached.
 * Writes REPORT.md and results/latest.json. Every wait is bounded, the whole run by a 15-minute
 * watchdog, and the child processes are killed on every exit path.
 *
 * <p>Usage: {@code ControllerBench <api-server jar> <controller-manager jar> <output dir>}.
 * {@code -Dbench.quick=true} shrinks every phase for a smoke run; {@code -Dbench.cmJvm} and
 * {@code -Dbench.apiJvm} replace the JVM flags of the services (default: as ./capstan starts them);
 * {@code -Dbench.phases=feed,deployments,rss} picks phases; {@code -Dbench.profile=true} records the
 * controller-manager with JFR during (b); {@code -Dbench.renderOnly=true} only rewrites REPORT.md.
 */
public final class ControllerBench {
    /** The api-server's flags in ./capstan (measured by bench/api). */
    static final String API_JVM = System.getProperty("bench.apiJvm",
            "-XX:+UseSerialGC -Xms32m -Xmx160m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
                    + " -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=128m -Xss512k -XX:CICompilerCount=2"
                    + " -Dio.netty.allocator.numDirectArenas=2 -Dio.netty.allocator.numHeapArenas=2");
    /**
     * The controller-manager's flags in ./capstan, measured here (REPORT.md), with the compact
     * object headers ./capstan adds on a JDK that has them (the bench runs on 25).
     */
    static final String CM_JVM = System.getProperty("bench.cmJvm",
            "-XX:+UseSerialGC -Xms32m -Xmx256m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
                    + " -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=128m -Xss512k -XX:TieredStopAtLevel=1"
                    + " -XX:+UseStringDeduplication -XX:TrimNativeHeapInterval=5000"
                    + " -Dio.netty.allocator.numDirectArenas=2 -Dio.netty.allocator.numHeapArenas=2 -XX:+UseCompactObjectHeaders");

    private final boolean quick = Boolean.getBoolean("bench.quick");
    private final int feedRate = Integer.getInteger("bench.feed.rate", 1000);
    private final int feedSeconds = Integer.getInteger("bench.feed.seconds", quick ? 5 : 30);
    private final int feedWarmupSeconds = Integer.getInteger("bench.feed.warmup", quick ? 2 : 60);
    private final int deployments = Integer.getInteger("bench.deployments", quick ? 100 : 1000);
    private final int cachedPods = Integer.getInteger("bench.pods", quick ? 1000 : 10_000);
    private final int feedKeys = Integer.getInteger("bench.feed.keys", 1000);
    /** Records the controller-manager with JDK Flight Recorder during (b), for `jfr view hot-methods`. */
    private final boolean profile = Boolean.getBoolean("bench.profile");
    /** Which phases run (for iterating on one); the report needs all three. */
    private final List<String> phases = List.of(System.getProperty("bench.phases", "feed,deployments,rss").split(","));
    private final Path apiJar;
    private final Path cmJar;
    private final Path outDir;
    private final ObjectNode results = KubeJson.object();
    private final long benchStart = System.nanoTime();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicBoolean cleaned = new AtomicBoolean();

    private ControllerBench(Path apiJar, Path cmJar, Path outDir) {
        this.apiJar = apiJar;
        this.cmJar = cmJar;
        this.outDir = outDir;
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: ControllerBench <api-server jar> <controller-manager jar> <output dir>");
            System.exit(2);
        }
        ControllerBench bench = new ControllerBench(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]).toAbsolutePath(),
                Path.of(args[2]).toAbsolutePath());
        Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanup, "bench-cleanup"));
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(15));
                System.err.println("bench: watchdog - the run exceeded 15 minutes, aborting");
                System.exit(3);
            } catch (InterruptedException done) {
                // normal end
            }
        }, "bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int code = 0;
        try {
            if (Boolean.getBoolean("bench.renderOnly")) {
                // REPORT.md again from results/latest.json, e.g. after editing ANALYSIS.md
                bench.results.setAll((ObjectNode) KubeJson.read(Files.readAllBytes(bench.outDir.resolve("results/latest.json"))));
                bench.write();
            } else {
                bench.run();
            }
        } catch (Throwable t) {
            t.printStackTrace();
            code = 1;
        } finally {
            bench.cleanup();
            watchdog.interrupt();
        }
        System.exit(code);
    }

    private void run() throws Exception {
        machine();
        EtcdProcess etcd = EtcdProcess.start();
        closeables.add(etcd);
        KafkaProcess kafka = KafkaProcess.start();
        closeables.add(kafka);
        log("etcd %s, kafka %s", etcd.endpoint(), kafka.bootstrapServers());
        Path logs = Files.createTempDirectory("capstan-bench-controllers");

        int apiPort = FreePorts.next();
        LoopbackHttp http = new LoopbackHttp(apiPort);
        closeables.add(http);
        ChildService api = ChildService.start("api-server", apiJar, API_JVM, Map.of(
                "quarkus.http.port", String.valueOf(apiPort),
                "capstan.apiserver.etcd-endpoints", etcd.endpoint(),
                "capstan.kafka.bootstrap-servers", kafka.bootstrapServers(),
                "quarkus.log.console.json.enabled", "false"), Map.of("MALLOC_ARENA_MAX", "2"), logs.resolve("api-server.log"));
        closeables.add(api);
        double apiStart = api.awaitReady(() -> status(http, "/readyz") == 200, Duration.ofSeconds(90));

        int cmPort = FreePorts.next();
        LoopbackHttp cmHttp = new LoopbackHttp(cmPort);
        closeables.add(cmHttp);
        ChildService cm = ChildService.start("controller-manager", cmJar, CM_JVM, Map.of(
                "quarkus.http.port", String.valueOf(cmPort),
                "capstan.controller-manager.api-server-url", "http://127.0.0.1:" + apiPort,
                "capstan.controller-manager.etcd-endpoints", etcd.endpoint(),
                "capstan.controller-manager.kafka-bootstrap-servers", kafka.bootstrapServers(),
                "capstan.controller-manager.data-dir", logs.resolve("data").toString(),
                "capstan.controller-manager.identity", "bench",
                "quarkus.log.console.json.enabled", "false"), Map.of("MALLOC_ARENA_MAX", "2"), logs.resolve("controller-manager.log"));
        closeables.add(cm);
        double cmStart = cm.awaitReady(() -> leading(cmHttp), Duration.ofSeconds(90));
        log("api-server ready in %.1f s (pid %d), controller-manager leading in %.1f s (pid %d); logs in %s",
                apiStart, api.pid(), cmStart, cm.pid(), logs);
        ObjectNode services = results.putObject("services");
        services.put("logs", logs.toString());
        services.putObject("apiServer").put("jar", apiJar.toString()).put("jvm", API_JVM).put("startupSeconds", round(apiStart, 1));
        services.putObject("controllerManager").put("jar", cmJar.toString()).put("jvm", CM_JVM).put("startupSeconds", round(cmStart, 1))
                .put("rssAfterStartupMB", round(Proc.statusMb(cm.pid(), "VmRSS"), 1));

        Cpu cpu = new Cpu().track("apiServer", api.pid()).track("controllerManager", cm.pid())
                .track("etcd", childPid(cmd -> cmd.startsWith("etcd ") || cmd.contains("/etcd ")))
                .track("kafka", childPid(cmd -> cmd.contains("kafka.Kafka"))).track("bench", ProcessHandle.current().pid()).threadsOf(cm.pid());
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + apiPort)
                        .withRequestTimeout(60_000).withConnectionTimeout(10_000).build())
                .withHttpClientFactory(new JdkHttpClientFactory())
                .withKubernetesSerialization(new KubernetesSerialization(new ObjectMapper(), false))
                .build();
        closeables.add(client);

        if (phases.contains("feed")) {
            results.set("feed", new FeedLatencyPhase("bench-feed", http, client, kafka.bootstrapServers(), feedRate, feedKeys,
                    Duration.ofSeconds(feedWarmupSeconds), Duration.ofSeconds(feedSeconds)).run(cpu));
            // the same at half the rate: how much of the latency is the api-server's backlog rather than the feed
            results.set("feedHalfRate", new FeedLatencyPhase("bench-feed-half", http, client, kafka.bootstrapServers(), feedRate / 2,
                    feedKeys, Duration.ofSeconds(quick ? 2 : 5), Duration.ofSeconds(quick ? 5 : 20)).run(cpu));
            results.with("services").with("controllerManager").put("rssAfterFeedMB", round(Proc.statusMb(cm.pid(), "VmRSS"), 1));
            log("feed: %s", results.path("feed").path("feedLatencyMs"));
        }

        PodFeedCounter pods = new PodFeedCounter(kafka.bootstrapServers());
        closeables.add(pods);
        if (phases.contains("deployments")) {
            Path recording = logs.resolve("controller-manager-deployments.jfr");
            if (profile) {
                jcmd(cm.pid(), "JFR.start name=bench settings=profile filename=" + recording);
            }
            results.set("deployments", new DeploymentBurstPhase(http, pods, deployments, 3, Duration.ofMinutes(5)).run(cpu));
            if (profile) {
                jcmd(cm.pid(), "JFR.stop name=bench");
                results.with("deployments").put("controllerManagerRecording", recording.toString());
            }
            results.with("services").with("controllerManager").put("rssAfterDeploymentsMB", round(Proc.statusMb(cm.pid(), "VmRSS"), 1));
            results.with("deployments").set("controllerMetrics", controllerMetrics(cmHttp));
            log("deployments: %s pods in %s s", results.path("deployments").path("podsSeen"), results.path("deployments").path("secondsToAllPods"));
        }
        if (phases.contains("rss")) {
            results.set("rss", new CachedPodsRssPhase(http, pods, cm.pid(), cachedPods, quick ? 3 : 10).run());
            log("rss: %s MB with %s pods", results.path("rss").path("rssMB"), results.path("rss").path("podsInCluster"));
        }

        results.put("totalSeconds", round((System.nanoTime() - benchStart) / 1e9, 1));
        results.with("machine").put("loadAverageAtEnd", Proc.loadAverage());
        write();
    }

    private void machine() {
        ObjectNode m = results.putObject("machine");
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("memTotal", firstLine("/proc/meminfo"));
        m.put("cpuModel", cpuModel());
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("jdk", System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version"));
        m.put("quick", quick);
        m.put("loadAverageAtStart", Proc.loadAverage());
    }

    private void write() throws IOException {
        Files.createDirectories(outDir.resolve("results"));
        Files.writeString(outDir.resolve("results/latest.json"), KubeJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
        Path analysis = outDir.resolve("ANALYSIS.md");
        Files.writeString(outDir.resolve("REPORT.md"), Report.markdown(results, Files.exists(analysis) ? Files.readString(analysis) : null));
        log("wrote %s and %s", outDir.resolve("results/latest.json"), outDir.resolve("REPORT.md"));
    }

    private void cleanup() {
        if (!cleaned.compareAndSet(false, true)) {
            return;
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception ignored) {
                // best effort: the processes are killed regardless
            }
        }
    }

    // ------------------------------------------------------------------ shared helpers

    static void log(String format, Object... args) {
        System.out.printf("[bench %s] %s%n", java.time.LocalTime.now().withNano(0), String.format(Locale.ROOT, format, args));
    }

    static double round(double v, int places) {
        double scale = Math.pow(10, places);
        return Math.round(v * scale) / scale;
    }

    /** A latency histogram recorded in microseconds, as milliseconds. */
    static ObjectNode histogram(Histogram h) {
        ObjectNode o = KubeJson.object();
        o.put("count", h.getTotalCount());
        for (double p : new double[]{50, 90, 99, 99.9}) {
            o.put(p == 99.9 ? "p999" : "p" + (int) p, round(h.getValueAtPercentile(p) / 1000.0, 2));
        }
        o.put("max", round(h.getMaxValue() / 1000.0, 2));
        o.put("mean", round(h.getMean() / 1000.0, 2));
        return o;
    }

    static void createNamespace(LoopbackHttp http, String name) throws IOException {
        expectOk(http.post("/api/v1/namespaces", Manifests.namespace(name)), "create namespace " + name);
    }

    static LoopbackHttp.Response expectOk(LoopbackHttp.Response r, String what) {
        if (!r.ok()) {
            throw new IllegalStateException(what + ": HTTP " + r.status() + " " + r.text());
        }
        return r;
    }

    /** The output of {@code jcmd <pid> <command>} from this JDK, or the error. */
    static String jcmd(long pid, String command) {
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), String.valueOf(pid), command)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out.trim();
        } catch (IOException e) {
            return "jcmd failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The controller-manager's reconcile and work-queue counters by controller (Prometheus text from /q/metrics). */
    private static ObjectNode controllerMetrics(LoopbackHttp cm) throws IOException {
        ObjectNode out = KubeJson.object();
        for (String line : cm.getText("/q/metrics").text().split("\n")) {
            if (line.startsWith("controller_runtime_reconcile_total") || line.startsWith("workqueue_adds_total")
                    || line.startsWith("workqueue_retries_total") || line.startsWith("controller_runtime_reconcile_time_seconds_sum")
                    || line.startsWith("controller_runtime_reconcile_time_seconds_count")) {
                int space = line.lastIndexOf(' ');
                double value = Double.parseDouble(line.substring(space + 1));
                if (value > 0) {
                    out.put(line.substring(0, space), round(value, 3));
                }
            }
        }
        return out;
    }

    private static int status(LoopbackHttp http, String path) {
        try {
            return http.get(path).status();
        } catch (IOException notYet) {
            return -1;
        }
    }

    private static boolean leading(LoopbackHttp cm) {
        try {
            JsonNode health = KubeJson.read(cm.get("/q/health/ready").body());
            for (JsonNode check : health.path("checks")) {
                if (check.path("data").path("leader").asBoolean(false)) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException notYet) {
            return false;
        }
    }

    /** A child of this JVM whose command line matches (etcd, the Kafka broker), or -1. */
    private static long childPid(Predicate<String> commandLine) {
        return ProcessHandle.current().children()
                .filter(p -> commandLine.test(p.info().commandLine().orElse("")))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstLine(String file) {
        try {
            return Files.readAllLines(Path.of(file)).get(0).replaceAll("\\s+", " ");
        } catch (IOException | IndexOutOfBoundsException e) {
            return "?";
        }
    }
}
