package io.capstan.bench;

import io.capstan.api.json.KubeJson;
import io.capstan.store.EtcdStore;
import io.capstan.store.StoredObject;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.ProcessCpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * The api-server benchmark: one fresh etcd, one api-server child process, five phases (raw etcd
 * baseline vs. API creates, open-loop create latency, LIST of 10,000 pods, 100 watchers, RSS),
 * then REPORT.md and results/latest.json. Every loop is bounded by count and by time, and the
 * child processes are killed on every exit path.
 *
 * <p>Usage: {@code ApiBench [api-server-jar] [output-dir]}; {@code -Dbench.quick=true} shrinks
 * every phase for a smoke run.
 */
public final class ApiBench {
    /** The api-server's JVM flags, as the top-level {@code capstan} script starts it (override: -Dbench.serverJvm). */
    static final String SERVER_JVM = System.getProperty("bench.serverJvm",
            "-XX:+UseSerialGC -Xms32m -Xmx160m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
                    + " -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=128m -Xss512k -XX:CICompilerCount=2"
                    + " -Dio.netty.allocator.numDirectArenas=2 -Dio.netty.allocator.numHeapArenas=2");
    static final String LOAD_NS = "bench-load";
    static final String LIST_NS = "default";
    static final int INFLIGHT = 64;
    static final int LIST_TARGET = 10_000;
    static final int WATCHERS = 100;

    private final boolean quick = Boolean.getBoolean("bench.quick");
    private final Path jar;
    private final Path outDir;
    private final ObjectNode results = KubeJson.object();
    private final List<String> notes = new ArrayList<>();
    private final AtomicBoolean cleaned = new AtomicBoolean();
    private final long benchStart = System.nanoTime();

    private EtcdProcess etcd;
    private EtcdStore store;
    private Process server;
    private long serverPid = -1;
    private long etcdPid = -1;
    private int port;
    private Path serverLog;

    private ApiBench(Path jar, Path outDir) {
        this.jar = jar;
        this.outDir = outDir;
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "services/api-server/target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        Path out = Path.of(args.length > 1 ? args[1] : "bench/api").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            System.err.println("api-server jar not found: " + jar);
            System.exit(2);
        }
        ApiBench bench = new ApiBench(jar, out);
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
            bench.run();
        } catch (Throwable t) {
            t.printStackTrace();
            code = 1;
        } finally {
            bench.cleanup();
            watchdog.interrupt();
        }
        System.exit(code);
    }

    // ------------------------------------------------------------------ run

    private void run() throws Exception {
        log("machine: %d cpus, %s, JDK %s", Runtime.getRuntime().availableProcessors(), memTotal(), System.getProperty("java.version"));
        machine();
        etcd = EtcdProcess.start();
        etcdPid = ProcStats.childPid(Path.of(System.getenv().getOrDefault("CAPSTAN_ETCD", "etcd")).getFileName().toString());
        store = EtcdStore.connect(etcd.endpoint());
        log("etcd %s (pid %d)", etcd.endpoint(), etcdPid);
        startServer();
        createNamespace(LOAD_NS);

        phase1();
        phase2();
        phase3And5();
        phase4();
        finalRss();

        results.put("totalSeconds", round((System.nanoTime() - benchStart) / 1e9, 1));
        ((ObjectNode) results.get("machine")).put("loadAverageAtEnd", loadAverage());
        write();
    }

    private void machine() {
        ObjectNode m = results.putObject("machine");
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("memTotal", memTotal());
        m.put("cpuModel", cpuModel());
        m.put("jdk", System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version"));
        m.put("etcd", etcdVersion());
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("quick", quick);
        m.put("loadAverageAtStart", loadAverage());
        m.put("apiServerJar", jar.toString());
        m.put("apiServerFlags", SERVER_JVM);
        m.put("apiServerJvm", SERVER_JVM + ", JDK of the bench (" + System.getProperty("java.home") + ")");
    }

    private void startServer() throws Exception {
        port = FreePorts.next();
        Path dir = Files.createTempDirectory("capstan-bench");
        serverLog = dir.resolve("api-server.log");
        String java = System.getProperty("java.home") + "/bin/java";
        List<String> cmd = new java.util.ArrayList<>(List.of(java));
        cmd.addAll(List.of(SERVER_JVM.split(" ")));
        cmd.addAll(List.of("-Dquarkus.http.port=" + port,
                "-Dcapstan.apiserver.etcd-endpoints=" + etcd.endpoint(),
                "-Dquarkus.log.console.json.enabled=false", "-jar", jar.toString()));
        long t0 = System.nanoTime();
        ProcessBuilder serverProcess = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(serverLog.toFile());
        // As ./capstan starts it: glibc's per-thread malloc arenas would add tens of MB of RSS.
        serverProcess.environment().put("MALLOC_ARENA_MAX", "2");
        server = serverProcess.start();
        serverPid = server.pid();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            if (!server.isAlive()) {
                throw new IllegalStateException("api-server exited with " + server.exitValue() + "; log:\n" + tail(serverLog));
            }
            try (HttpConn c = new HttpConn(port)) {
                c.setReadTimeout(2_000);
                if (c.get("/readyz").status() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("api-server not ready within 90 s; log:\n" + tail(serverLog));
            }
            Thread.sleep(100);
        }
        double startup = (System.nanoTime() - t0) / 1e9;
        results.putObject("apiServer").put("pid", serverPid).put("port", port).put("startupSeconds", round(startup, 2))
                .put("log", serverLog.toString()).put("rssAfterStartupMB", mb(ProcessCpu.statusKb(serverPid, "VmRSS")));
        log("api-server ready on :%d after %.1f s (pid %d, log %s)", port, startup, serverPid, serverLog);
    }

    private void createNamespace(String name) throws IOException {
        try (HttpConn c = conn()) {
            byte[] body = ("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            HttpConn.Response r = c.post("/api/v1/namespaces", body);
            if (r.status() != 201 && r.status() != 409) {
                throw new IllegalStateException("cannot create namespace " + name + ": " + r.status() + " " + r.text());
            }
        }
    }

    // ------------------------------------------------------------------ phase 1: throughput

    private void phase1() throws Exception {
        ObjectNode p = results.putObject("throughput");
        // What the api-server stores for the benchmark pod: create one and read its etcd value back.
        byte[] request = Pods.pod("probe-0", System.nanoTime(), -1);
        try (HttpConn c = conn()) {
            HttpConn.Response r = c.post(podsPath(LOAD_NS), request);
            if (r.status() != 201) {
                throw new IllegalStateException("probe create failed: " + r.status() + " " + r.text());
            }
        }
        Optional<StoredObject> stored = store.get("/registry/pods/" + LOAD_NS + "/probe-0").get(30, TimeUnit.SECONDS);
        byte[] value = stored.orElseThrow(() -> new IllegalStateException("probe pod not in etcd under /registry/pods/")).value();
        p.put("podRequestBytes", request.length).put("podStoredBytes", value.length);
        log("phase 1: pod request %d B, stored in etcd %d B", request.length, value.length);

        KV kv = store.client().getKVClient();
        ByteSequence bytes = ByteSequence.from(value);
        long warm = quick ? 500 : 3_000;
        long measure = quick ? 2_000 : 6_000;
        int max = 200_000;
        log("phase 1a: raw jetcd puts, %d in flight, %.1f s (+%.1f s warm-up)", INFLIGHT, measure / 1e3, warm / 1e3);
        rawLoop(i -> kv.put(ByteSequence.from("/registry/bench-raw/w-" + i, StandardCharsets.UTF_8), bytes), warm, max);
        ObjectNode put = rawLoop(i -> kv.put(ByteSequence.from("/registry/bench-raw/put-" + i, StandardCharsets.UTF_8), bytes), measure, max);
        p.set("rawPut", put);
        log("  raw put: %.0f/s (etcd %.2f ms CPU/op, bench %.2f ms CPU/op)", put.get("perSecond").asDouble(),
                put.get("etcdCpuMsPerOp").asDouble(), put.get("benchCpuMsPerOp").asDouble());
        log("phase 1b: raw jetcd txn-creates (the api-server's create transaction), %d in flight, %.1f s", INFLIGHT, measure / 1e3);
        ObjectNode txn = rawLoop(i -> store.create("/registry/bench-raw/txn-" + i, value, 0), measure, max);
        p.set("rawTxnCreate", txn);
        log("  raw txn-create: %.0f/s", txn.get("perSecond").asDouble());

        long apiWarm = quick ? 1_000 : 8_000;
        long apiMeasure = quick ? 3_000 : 8_000;
        log("phase 1c: API creates (raw-socket HTTP/1.1 client, %d connections), %.1f s warm-up", INFLIGHT, apiWarm / 1e3);
        closedLoop(LOAD_NS, "warm-", apiWarm, 100_000, null);
        log("  measuring %.1f s", apiMeasure / 1e3);
        ObjectNode api = closedLoop(LOAD_NS, "c-", apiMeasure, 100_000, p.putObject("apiCreateServerThreadsCpuMs"));
        p.set("apiCreate", api);
        double ratio = api.get("perSecond").asDouble() / put.get("perSecond").asDouble();
        p.put("ratioToRawPut", round(ratio, 3));
        p.put("ratioToRawTxnCreate", round(api.get("perSecond").asDouble() / txn.get("perSecond").asDouble(), 3));
        log("  API create: %.0f/s = %.0f%% of raw put (server %.2f ms CPU/create, etcd %.2f, bench %.2f), errors %d",
                api.get("perSecond").asDouble(), ratio * 100, api.get("serverCpuMsPerOp").asDouble(),
                api.get("etcdCpuMsPerOp").asDouble(), api.get("benchCpuMsPerOp").asDouble(), api.get("errors").asInt());

        long jdkMeasure = quick ? 2_000 : 5_000;
        log("phase 1d: API creates with the JDK HttpClient (HTTP/1.1, %d in flight), %.1f s (+1 s warm-up)", INFLIGHT, jdkMeasure / 1e3);
        HttpClient hc = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            jdkLoop(hc, "jwarm-", 1_000, 100_000);
            ObjectNode jdk = jdkLoop(hc, "j-", jdkMeasure, 100_000);
            p.set("apiCreateJdkHttpClient", jdk);
            log("  JDK HttpClient: %.0f/s (bench %.2f ms CPU/create vs %.2f with raw sockets)", jdk.get("perSecond").asDouble(),
                    jdk.get("benchCpuMsPerOp").asDouble(), api.get("benchCpuMsPerOp").asDouble());
        } finally {
            hc.close();
        }

        long profile = quick ? 2_000 : 6_000;
        log("phase 1e: profiling window (not measured): creates at %d in flight under JFR (settings=profile), %.0f s",
                INFLIGHT, profile / 1e3);
        ObjectNode prof = JfrProfiler.profile(serverPid, serverLog.getParent(), "create",
                () -> closedLoop(LOAD_NS, "prof-", profile, 100_000, null));
        p.set("createProfile", prof);
        log("  %d execution samples; top self frames %s", prof.path("executionSamples").asLong(), firstEntries(prof.path("selfFrames"), 3));
    }

    private ObjectNode rawLoop(IntFunction<CompletableFuture<?>> op, long millis, int maxOps) throws Exception {
        Semaphore slots = new Semaphore(INFLIGHT);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        Cpu cpu = Cpu.start(this);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        int issued = 0;
        while (issued < maxOps && System.nanoTime() < deadline) {
            if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("etcd stalled: no put completed in 30 s");
            }
            op.apply(issued++).whenComplete((r, t) -> {
                if (t != null) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, t);
                } else {
                    ok.incrementAndGet();
                }
                slots.release();
            });
        }
        if (!slots.tryAcquire(INFLIGHT, 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("etcd stalled: in-flight puts did not finish in 30 s");
        }
        long elapsed = System.nanoTime() - start;
        ObjectNode r = KubeJson.object();
        r.put("ops", ok.get()).put("errors", errors.get()).put("seconds", round(elapsed / 1e9, 3))
                .put("perSecond", round(ok.get() / (elapsed / 1e9), 1));
        cpu.finish(r, ok.get(), null);
        if (firstError.get() != null) {
            r.put("firstError", String.valueOf(firstError.get()));
        }
        return r;
    }

    /** Closed loop: INFLIGHT keep-alive connections, each sending its next create when the previous answered. */
    private ObjectNode closedLoop(String ns, String prefix, long millis, int maxOps, ObjectNode threadCpu) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        Cpu cpu = Cpu.start(this);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        String path = podsPath(ns);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < INFLIGHT; w++) {
            workers.add(Thread.ofVirtual().start(() -> {
                HttpConn c = null;
                try {
                    while (System.nanoTime() < deadline) {
                        int i = next.getAndIncrement();
                        if (i >= maxOps) {
                            break;
                        }
                        if (c == null || c.isClosed()) {
                            c = conn();
                        }
                        long t0 = System.nanoTime();
                        HttpConn.Response r = c.post(path, Pods.pod(prefix + i, t0, -1));
                        long t1 = System.nanoTime();
                        if (r.status() == 201) {
                            ok.incrementAndGet();
                            synchronized (latency) {
                                latency.recordValue(Math.max(1, (t1 - t0) / 1_000));
                            }
                        } else {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, r.status() + " " + r.text());
                        }
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, e.toString());
                } finally {
                    if (c != null) {
                        c.close();
                    }
                }
            }));
        }
        for (Thread w : workers) {
            w.join(TimeUnit.MILLISECONDS.toMillis(millis) + 60_000);
        }
        long elapsed = System.nanoTime() - start;
        ObjectNode r = KubeJson.object();
        r.put("ops", ok.get()).put("errors", errors.get()).put("seconds", round(elapsed / 1e9, 3))
                .put("perSecond", round(ok.get() / (elapsed / 1e9), 1));
        r.set("latencyMs", percentiles(latency));
        cpu.finish(r, ok.get(), threadCpu);
        if (firstError.get() != null) {
            r.put("firstError", truncate(firstError.get()));
        }
        return r;
    }

    private ObjectNode jdkLoop(HttpClient hc, String prefix, long millis, int maxOps) throws Exception {
        Semaphore slots = new Semaphore(INFLIGHT);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Cpu cpu = Cpu.start(this);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        URI uri = URI.create("http://127.0.0.1:" + port + podsPath(LOAD_NS));
        int issued = 0;
        while (issued < maxOps && System.nanoTime() < deadline) {
            if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("api-server stalled: no create completed in 30 s");
            }
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Pods.pod(prefix + issued++, System.nanoTime(), -1))).build();
            hc.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((resp, t) -> {
                if (t != null) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, t.toString());
                } else if (resp.statusCode() != 201) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, resp.statusCode() + " " + new String(resp.body(), StandardCharsets.UTF_8));
                } else {
                    ok.incrementAndGet();
                }
                slots.release();
            });
        }
        if (!slots.tryAcquire(INFLIGHT, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("api-server stalled: in-flight creates did not finish in 60 s");
        }
        long elapsed = System.nanoTime() - start;
        ObjectNode r = KubeJson.object();
        r.put("ops", ok.get()).put("errors", errors.get()).put("seconds", round(elapsed / 1e9, 3))
                .put("perSecond", round(ok.get() / (elapsed / 1e9), 1));
        cpu.finish(r, ok.get(), null);
        if (firstError.get() != null) {
            r.put("firstError", truncate(firstError.get()));
        }
        return r;
    }

    // ------------------------------------------------------------------ phase 2: open loop

    private void phase2() throws Exception {
        int rate = 500;
        long seconds = quick ? 4 : 20;
        log("phase 2: open loop %d creates/s for %d s into namespace %s (latency from intended start)", rate, seconds, LIST_NS);
        OpenLoop ol = openLoop(LIST_NS, "ol-", rate, (int) (rate * seconds), -1, true);
        ObjectNode p = ol.toJson();
        results.set("openLoop", p);
        log("  sent %d in %.1f s (%.0f/s), ok %d, errors %d; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                ol.total, ol.scheduleSeconds, ol.total / ol.scheduleSeconds, ol.ok.get(), ol.errors.get(),
                ms(ol.latency, 50), ms(ol.latency, 99), ol.latency.getMaxValue() / 1e3);
    }

    /** Open-loop creates scheduled by intended start time; each request runs on its own virtual thread. */
    private OpenLoop openLoop(String ns, String prefix, int rate, int total, int seqBase, boolean cpu) throws Exception {
        OpenLoop ol = new OpenLoop(total);
        ConcurrentLinkedDeque<HttpConn> pool = new ConcurrentLinkedDeque<>();
        String path = podsPath(ns);
        Cpu c = cpu ? Cpu.start(this) : null;
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        AtomicInteger inflight = new AtomicInteger();
        for (int i = 0; i < total; i++) {
            long intended = start + i * interval;
            for (long now = System.nanoTime(); now < intended; now = System.nanoTime()) {
                long wait = intended - now;
                if (wait > 200_000) {
                    LockSupport.parkNanos(wait - 100_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            final int n = i;
            ol.maxInflight = Math.max(ol.maxInflight, inflight.incrementAndGet());
            Thread.ofVirtual().start(() -> {
                HttpConn conn = pool.pollFirst();
                try {
                    if (conn == null) {
                        conn = conn();
                        ol.connections.incrementAndGet();
                    }
                    long sent = System.nanoTime();
                    HttpConn.Response r = conn.post(path, Pods.pod(prefix + n, sent, seqBase >= 0 ? seqBase + n : -1));
                    long end = System.nanoTime();
                    if (r.status() == 201) {
                        ol.ok.incrementAndGet();
                        synchronized (ol) {
                            ol.latency.recordValue(Math.max(1, (end - intended) / 1_000));
                            ol.service.recordValue(Math.max(1, (end - sent) / 1_000));
                        }
                    } else {
                        ol.errors.incrementAndGet();
                        ol.firstError.compareAndSet(null, r.status() + " " + r.text());
                    }
                    if (!conn.isClosed()) {
                        pool.offerFirst(conn);
                        conn = null;
                    }
                } catch (IOException e) {
                    ol.errors.incrementAndGet();
                    ol.firstError.compareAndSet(null, e.toString());
                } finally {
                    if (conn != null) {
                        conn.close();
                    }
                    inflight.decrementAndGet();
                    ol.done.countDown();
                }
            });
        }
        ol.scheduleSeconds = (System.nanoTime() - start) / 1e9 + 1.0 / rate;
        ol.lastSend = System.nanoTime();
        if (!ol.done.await(60, TimeUnit.SECONDS)) {
            ol.timedOut = (int) ol.done.getCount();
        }
        if (c != null) {
            ol.cpu = KubeJson.object();
            c.finish(ol.cpu, ol.ok.get(), null);
        }
        for (HttpConn conn; (conn = pool.pollFirst()) != null; ) {
            conn.close();
        }
        return ol;
    }

    private static final class OpenLoop {
        final int total;
        final CountDownLatch done;
        final AtomicLong ok = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        final Histogram service = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        double scheduleSeconds;
        long lastSend;
        int maxInflight;
        int timedOut;
        ObjectNode cpu;

        OpenLoop(int total) {
            this.total = total;
            this.done = new CountDownLatch(total);
        }

        ObjectNode toJson() {
            ObjectNode r = KubeJson.object();
            r.put("intendedRate", Math.round(total / scheduleSeconds));
            r.put("sent", total).put("ok", ok.get()).put("errors", errors.get()).put("timedOut", timedOut)
                    .put("scheduleSeconds", round(scheduleSeconds, 2)).put("connectionsOpened", connections.get())
                    .put("maxInflight", maxInflight);
            r.set("latencyFromIntendedStartMs", percentiles(latency));
            r.set("serviceTimeMs", percentiles(service));
            if (cpu != null) {
                r.set("cpu", cpu);
            }
            if (firstError.get() != null) {
                r.put("firstError", truncate(firstError.get()));
            }
            return r;
        }
    }

    // ------------------------------------------------------------------ phase 3 + 5: LIST and RSS

    private void phase3And5() throws Exception {
        ObjectNode p = results.putObject("list");
        int count;
        try (HttpConn c = conn()) {
            c.setReadTimeout(60_000);
            count = (int) countPods(LIST_NS);
            if (count < LIST_TARGET) {
                log("phase 3: topping up %s from %d to %d pods", LIST_NS, count, LIST_TARGET);
                closedLoop(LIST_NS, "fill-" + count + "-", 120_000, LIST_TARGET - count, null);
                count = (int) countPods(LIST_NS);
            }
            p.put("podsInNamespace", count);
            int runs = quick ? 3 : 5;
            log("phase 3: LIST of %d pods in %s, unpaged, %d runs", count, LIST_NS, runs);
            List<Double> full = new ArrayList<>();
            long bytes = 0;
            int failures = 0;
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                HttpConn.Response r = c.get(podsPath(LIST_NS));
                double ms = (System.nanoTime() - t0) / 1e6;
                if (r.status() != 200) {
                    failures++;
                    p.put("unpagedError", r.status() + " " + truncate(r.text()));
                    log("  run %d: FAILED after %.0f ms: %d %s", i + 1, ms, r.status(), truncate(r.text()));
                    continue;
                }
                full.add(ms);
                bytes = r.body().length;
                int items = countItems(r);
                log("  run %d: %.0f ms, %d items, %.1f MB", i + 1, ms, items, bytes / 1e6);
                if (items < count) {
                    notes.add("unpaged LIST run " + (i + 1) + " returned " + items + " of " + count + " pods");
                }
            }
            p.put("unpagedFailures", failures);
            p.put("responseBytes", bytes);
            p.set("unpagedMs", array(full.stream().mapToDouble(Double::doubleValue).toArray()));
            if (!full.isEmpty()) {
                p.put("unpagedMedianMs", round(median(full.stream().mapToDouble(Double::doubleValue).toArray()), 1));
            }

            log("phase 3: LIST with limit=500 paging, %d runs", runs);
            double[] paged = new double[runs];
            int pages = 0;
            int pagedItems = 0;
            for (int i = 0; i < runs; i++) {
                List<byte[]> bodies = new ArrayList<>();
                String cont = null;
                long t0 = System.nanoTime();
                for (int page = 0; page < 1_000; page++) {
                    String path = podsPath(LIST_NS) + "?limit=500" + (cont == null ? "" : "&continue=" + URLEncoder.encode(cont, StandardCharsets.UTF_8));
                    HttpConn.Response r = c.get(path);
                    if (r.status() != 200) {
                        throw new IllegalStateException("paged LIST failed: " + r.status() + " " + truncate(r.text()));
                    }
                    bodies.add(r.body());
                    cont = continueToken(r.body());
                    if (cont == null || cont.isEmpty()) {
                        break;
                    }
                }
                paged[i] = (System.nanoTime() - t0) / 1e6;
                pages = bodies.size();
                pagedItems = 0;
                for (byte[] b : bodies) {
                    pagedItems += KubeJson.read(b).path("items").size();
                }
                log("  run %d: %.0f ms, %d pages, %d items", i + 1, paged[i], pages, pagedItems);
                if (pagedItems != count) {
                    notes.add("paged LIST run " + (i + 1) + " returned " + pagedItems + " of " + count + " pods");
                }
            }
            p.set("pagedMs", array(paged));
            p.put("pagedMedianMs", round(median(paged), 1)).put("pages", pages).put("pagedItems", pagedItems);
        }

        ObjectNode rss = results.putObject("rss");
        rss.put("podsStoredTotal", totalPods());
        rss.put("afterListMB", mb(ProcessCpu.statusKb(serverPid, "VmRSS")));
        rss.set("heapAfterList", heapInfo());
        log("phase 5: api-server RSS after LIST %.0f MB; idling 5 s", rss.get("afterListMB").asDouble());
        Thread.sleep(5_000);
        rss.put("afterIdleMB", mb(ProcessCpu.statusKb(serverPid, "VmRSS")));
        rss.set("heapAfterIdle", heapInfo());
        rss.put("threads", ProcessCpu.statusKb(serverPid, "Threads"));
        rss.put("peakMB", mb(ProcessCpu.statusKb(serverPid, "VmHWM")));
        rss.put("etcdRssMB", mb(ProcessCpu.statusKb(etcdPid, "VmRSS")));
        log("  RSS after idle %.0f MB (peak so far %.0f MB); etcd RSS %.0f MB", rss.get("afterIdleMB").asDouble(),
                rss.get("peakMB").asDouble(), rss.get("etcdRssMB").asDouble());
    }

    private static int countItems(HttpConn.Response r) {
        if (r.status() != 200) {
            throw new IllegalStateException("LIST failed: " + r.status() + " " + truncate(r.text()));
        }
        return KubeJson.read(r.body()).path("items").size();
    }

    /** The list's metadata.continue, read from the head of the body (metadata precedes items). */
    private static String continueToken(byte[] body) {
        int items = indexOf(body, 0, body.length, "\"items\"".getBytes(StandardCharsets.UTF_8));
        int end = items < 0 ? body.length : items;
        byte[] key = "\"continue\":\"".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(body, 0, end, key);
        if (at < 0) {
            if (items < 0) {
                return KubeJson.read(body).path("metadata").path("continue").asText(null);
            }
            return null;
        }
        int from = at + key.length;
        int to = from;
        while (to < end && body[to] != '"') {
            to++;
        }
        return new String(body, from, to - from, StandardCharsets.UTF_8);
    }

    private long totalPods() throws Exception {
        return countPods(null);
    }

    /** Pods stored in etcd, in one namespace or (null) all. */
    private long countPods(String ns) throws Exception {
        String prefix = ns == null ? "/registry/pods/" : "/registry/pods/" + ns + "/";
        return store.client().getKVClient().get(ByteSequence.from(prefix, StandardCharsets.UTF_8),
                io.etcd.jetcd.options.GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(30, TimeUnit.SECONDS).getCount();
    }

    // ------------------------------------------------------------------ phase 4: watchers

    private void phase4() throws Exception {
        int n = quick ? 400 : 2_000;
        int rate = 200;
        ObjectNode p = results.putObject("watch");
        String rv;
        try (HttpConn c = conn()) {
            HttpConn.Response r = c.get(podsPath(LIST_NS) + "?limit=1");
            rv = KubeJson.read(r.body()).path("metadata").path("resourceVersion").asText();
        }
        log("phase 4: %d watchers on %s pods from resourceVersion %s", WATCHERS, LIST_NS, rv);
        String path = podsPath(LIST_NS) + "?watch=1&resourceVersion=" + rv + "&timeoutSeconds=600";
        CountDownLatch ready = new CountDownLatch(WATCHERS);
        AtomicLong received = new AtomicLong();
        List<Watcher> watchers = new ArrayList<>();
        for (int i = 0; i < WATCHERS; i++) {
            Watcher w = new Watcher(i, path, n, ready, received);
            watchers.add(w);
            w.thread = Thread.ofPlatform().name("watcher-" + i).daemon().stackSize(256 * 1024).start(w);
        }
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                notes.add("only " + (WATCHERS - ready.getCount()) + " of " + WATCHERS + " watch streams answered within 30 s");
            }
            long failed = watchers.stream().filter(w -> w.failure != null).count();
            log("  %d streams open (%d failed); creating %d pods at %d/s", WATCHERS - failed, failed, n, rate);
            Thread.sleep(500);
            Map<String, Double> threadsBefore = ProcStats.threadCpuMs(serverPid);
            Map<String, Double> perThreadBefore = ProcStats.perThreadCpuMs(serverPid);
            OpenLoop ol = openLoop(LIST_NS, "w-", rate, n, 0, true);
            long expected = (long) n * (WATCHERS - failed);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long lastProgress = 0;
            while (received.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(50);
                long now = System.nanoTime();
                if (now - lastProgress > TimeUnit.SECONDS.toNanos(2)) {
                    lastProgress = now;
                    log("  deliveries %d / %d", received.get(), expected);
                }
            }
            double drainSeconds = (System.nanoTime() - ol.lastSend) / 1e9;
            ObjectNode threads = p.putObject("serverThreadsCpuMs");
            ProcStats.delta(threadsBefore, ProcStats.threadCpuMs(serverPid)).forEach((k, v) -> threads.put(k, round(v, 0)));
            ObjectNode single = p.putObject("serverTopThreadsCpuMs");
            ProcStats.delta(perThreadBefore, ProcStats.perThreadCpuMs(serverPid)).entrySet().stream().limit(8)
                    .forEach(en -> single.put(en.getKey(), round(en.getValue(), 0)));
            p.put("watchers", WATCHERS).put("streamsFailed", failed).put("podsCreated", n).put("createRate", rate);
            p.set("creates", ol.toJson());
            p.put("expectedDeliveries", (long) n * WATCHERS).put("received", received.get());
            p.put("secondsFromLastCreateToDrain", round(drainSeconds, 2));
            Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
            long missing = 0;
            long dupes = 0;
            int incomplete = 0;
            ArrayNode missingBy = p.putArray("missingByWatcher");
            Map<String, Integer> otherTypes = new java.util.TreeMap<>();
            for (Watcher w : watchers) {
                synchronized (w) {
                    all.add(w.latency);
                    int got = w.seen.cardinality();
                    dupes += w.duplicates;
                    w.otherTypes.forEach((k, v) -> otherTypes.merge(k, v, Integer::sum));
                    if (got < n) {
                        incomplete++;
                        missing += n - got;
                        missingBy.addObject().put("watcher", w.id).put("missing", n - got)
                                .put("failure", w.failure == null ? "" : truncate(w.failure));
                    }
                }
            }
            p.put("missing", missing).put("duplicates", dupes).put("watchersIncomplete", incomplete);
            ObjectNode types = p.putObject("otherEventTypes");
            otherTypes.forEach(types::put);
            p.set("deliveryLatencyMs", percentiles(all));
            double perEvent = ol.cpu.path("serverCpuMs").asDouble() / Math.max(1, received.get());
            p.put("serverCpuMsPerDeliveredEvent", round(perEvent, 3));
            log("  received %d of %d deliveries (missing %d, duplicates %d); delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    received.get(), (long) n * WATCHERS, missing, dupes, ms(all, 50), ms(all, 99), all.getMaxValue() / 1e3);

            int profileCount = quick ? 400 : 1_000;
            log("phase 4b: profiling window (not measured): %d more creates at %d/s with the watchers open, under JFR", profileCount, rate);
            ObjectNode prof = JfrProfiler.profile(serverPid, serverLog.getParent(), "watch",
                    () -> openLoop(LIST_NS, "wp-", rate, profileCount, n + 1_000_000, false));
            p.set("watchProfile", prof);
            log("  %d execution samples; top self frames %s", prof.path("executionSamples").asLong(), firstEntries(prof.path("selfFrames"), 3));
        } finally {
            for (Watcher w : watchers) {
                w.stop();
            }
            for (Watcher w : watchers) {
                w.thread.join(5_000);
            }
        }
    }

    /** One watch stream on its own connection and thread; parses only what it needs from each line. */
    private final class Watcher implements Runnable {
        private static final byte[] SENT = ("\"" + Pods.SENT_ANNOTATION + "\":\"").getBytes(StandardCharsets.UTF_8);
        private static final byte[] SEQ = ("\"" + Pods.SEQ_ANNOTATION + "\":\"").getBytes(StandardCharsets.UTF_8);
        private static final byte[] TYPE = "\"type\":\"".getBytes(StandardCharsets.UTF_8);

        final int id;
        final String path;
        final int n;
        final CountDownLatch ready;
        final AtomicLong received;
        final BitSet seen;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
        final Map<String, Integer> otherTypes = new java.util.HashMap<>();
        long duplicates;
        volatile String failure;
        volatile boolean stopping;
        volatile HttpConn conn;
        Thread thread;

        Watcher(int id, String path, int n, CountDownLatch ready, AtomicLong received) {
            this.id = id;
            this.path = path;
            this.n = n;
            this.ready = ready;
            this.received = received;
            this.seen = new BitSet(n);
        }

        @Override
        public void run() {
            boolean signalled = false;
            try {
                conn = conn();
                HttpConn.StreamResponse r = conn.openStream(path);
                ready.countDown();
                signalled = true;
                if (r.status() != 200) {
                    failure = "status " + r.status() + ": " + new String(r.body().readNBytes(500), StandardCharsets.UTF_8);
                    return;
                }
                byte[] buf = new byte[256 * 1024];
                int fill = 0;
                while (!stopping) {
                    if (fill == buf.length) {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    }
                    int got = r.body().read(buf, fill, buf.length - fill);
                    if (got < 0) {
                        if (!stopping) {
                            failure = "stream ended by the server";
                        }
                        return;
                    }
                    long now = System.nanoTime();
                    int scanFrom = fill;
                    fill += got;
                    int lineStart = 0;
                    for (int i = scanFrom; i < fill; i++) {
                        if (buf[i] == '\n') {
                            onLine(buf, lineStart, i, now);
                            lineStart = i + 1;
                        }
                    }
                    if (lineStart > 0) {
                        System.arraycopy(buf, lineStart, buf, 0, fill - lineStart);
                        fill -= lineStart;
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!stopping) {
                    failure = e.toString();
                }
            } finally {
                if (!signalled) {
                    ready.countDown();
                }
                HttpConn c = conn;
                if (c != null) {
                    c.close();
                }
            }
        }

        private void onLine(byte[] b, int from, int to, long now) {
            int t = indexOf(b, from, Math.min(to, from + 64), TYPE);
            String type = "?";
            if (t >= 0) {
                int s = t + TYPE.length;
                int e = s;
                while (e < to && b[e] != '"') {
                    e++;
                }
                type = new String(b, s, e - s, StandardCharsets.US_ASCII);
            }
            long seq = number(b, from, to, SEQ);
            synchronized (this) {
                if (!type.equals("ADDED") || seq < 0) {
                    otherTypes.merge(type + (seq < 0 ? "(no seq)" : ""), 1, Integer::sum);
                    return;
                }
                if (seq >= n) {
                    return;
                }
                if (seen.get((int) seq)) {
                    duplicates++;
                    return;
                }
                seen.set((int) seq);
                long sent = number(b, from, to, SENT);
                latency.recordValue(Math.max(1, (now - sent) / 1_000));
            }
            received.incrementAndGet();
        }

        private long number(byte[] b, int from, int to, byte[] key) {
            int at = indexOf(b, from, to, key);
            if (at < 0) {
                return -1;
            }
            long v = 0;
            for (int i = at + key.length; i < to && b[i] != '"'; i++) {
                v = v * 10 + (b[i] - '0');
            }
            return v;
        }

        void stop() {
            stopping = true;
            HttpConn c = conn;
            if (c != null) {
                c.close();
            }
        }
    }

    private void finalRss() {
        ObjectNode rss = (ObjectNode) results.get("rss");
        rss.put("atEndMB", mb(ProcessCpu.statusKb(serverPid, "VmRSS")));
        rss.put("peakAtEndMB", mb(ProcessCpu.statusKb(serverPid, "VmHWM")));
        try {
            rss.put("podsStoredAtEnd", totalPods());
        } catch (Exception e) {
            rss.put("podsStoredAtEnd", -1);
        }
        log("end: api-server RSS %.0f MB, peak %.0f MB", rss.get("atEndMB").asDouble(), rss.get("peakAtEndMB").asDouble());
    }

    // ------------------------------------------------------------------ CPU accounting

    /** CPU time of the api-server, etcd and this JVM across a measured window. */
    private static final class Cpu {
        final ApiBench b;
        final double server;
        final double etcd;
        final long bench;
        final Map<String, Double> threads;
        final Map<String, Double> perThread;
        final long wall = System.nanoTime();

        private Cpu(ApiBench b) {
            this.b = b;
            this.server = ProcStats.cpuMs(b.serverPid);
            this.etcd = ProcStats.cpuMs(b.etcdPid);
            this.bench = benchCpuNanos();
            this.threads = ProcStats.threadCpuMs(b.serverPid);
            this.perThread = ProcStats.perThreadCpuMs(b.serverPid);
        }

        static Cpu start(ApiBench b) {
            return new Cpu(b);
        }

        void finish(ObjectNode r, long ops, ObjectNode threadCpu) {
            double wallMs = (System.nanoTime() - wall) / 1e6;
            double s = ProcStats.cpuMs(b.serverPid) - server;
            double e = ProcStats.cpuMs(b.etcdPid) - etcd;
            double c = (benchCpuNanos() - bench) / 1e6;
            double per = Math.max(1, ops);
            r.put("serverCpuMs", round(s, 0)).put("etcdCpuMs", round(e, 0)).put("benchCpuMs", round(c, 0));
            r.put("serverCores", round(s / wallMs, 2)).put("etcdCores", round(e / wallMs, 2)).put("benchCores", round(c / wallMs, 2));
            r.put("serverCpuMsPerOp", round(s / per, 3)).put("etcdCpuMsPerOp", round(e / per, 3)).put("benchCpuMsPerOp", round(c / per, 3));
            if (threadCpu != null) {
                ProcStats.delta(threads, ProcStats.threadCpuMs(b.serverPid)).forEach((k, v) -> threadCpu.put(k, round(v, 0)));
                ObjectNode single = r.putObject("serverTopThreadsCpuMs");
                ProcStats.delta(perThread, ProcStats.perThreadCpuMs(b.serverPid)).entrySet().stream().limit(8)
                        .forEach(en -> single.put(en.getKey(), round(en.getValue(), 0)));
            }
        }

        private static long benchCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }

    private static String firstEntries(JsonNode n, int k) {
        StringBuilder b = new StringBuilder();
        java.util.Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        for (int i = 0; i < k && it.hasNext(); i++) {
            Map.Entry<String, JsonNode> e = it.next();
            b.append(i == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().asText());
        }
        return b.toString();
    }

    /** Heap committed/used of the api-server from jcmd GC.heap_info (MB). */
    private ObjectNode heapInfo() {
        ObjectNode o = KubeJson.object();
        String out = JfrProfiler.run(System.getProperty("java.home") + "/bin/jcmd", String.valueOf(serverPid), "GC.heap_info");
        java.util.regex.Matcher h = java.util.regex.Pattern.compile("heap\\s+total reserved (\\d+)K, committed (\\d+)K, used (\\d+)K").matcher(out);
        if (h.find()) {
            o.put("heapCommittedMB", mb(Long.parseLong(h.group(2)))).put("heapUsedMB", mb(Long.parseLong(h.group(3))));
        }
        return o;
    }

    // ------------------------------------------------------------------ output

    private void write() throws IOException {
        Files.createDirectories(outDir.resolve("results"));
        results.set("notes", KubeJson.MAPPER.valueToTree(notes));
        Path json = outDir.resolve("results/latest.json");
        Files.writeString(json, KubeJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
        Path md = outDir.resolve("REPORT.md");
        Files.writeString(md, Report.markdown(results));
        log("wrote %s and %s", md, json);
    }

    // ------------------------------------------------------------------ cleanup and helpers

    private void cleanup() {
        if (!cleaned.compareAndSet(false, true)) {
            return;
        }
        if (server != null && server.isAlive()) {
            server.destroy();
            try {
                if (!server.waitFor(10, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                    server.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                server.destroyForcibly();
            }
        }
        if (store != null) {
            try {
                store.close();
            } catch (RuntimeException ignored) {
                // etcd goes away next
            }
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private HttpConn conn() throws IOException {
        HttpConn c = new HttpConn(port);
        c.setReadTimeout(60_000);
        return c;
    }

    static String podsPath(String ns) {
        return "/api/v1/namespaces/" + ns + "/pods";
    }

    private void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - benchStart) / 1e9, String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    static ObjectNode percentiles(Histogram h) {
        ObjectNode o = KubeJson.object();
        o.put("count", h.getTotalCount());
        o.put("p50", round(ms(h, 50), 2)).put("p90", round(ms(h, 90), 2)).put("p99", round(ms(h, 99), 2))
                .put("p999", round(ms(h, 99.9), 2)).put("max", round(h.getMaxValue() / 1e3, 2))
                .put("mean", round(h.getMean() / 1e3, 2));
        return o;
    }

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    static double mb(long kb) {
        return kb < 0 ? -1 : round(kb / 1024.0, 1);
    }

    private static ArrayNode array(double[] v) {
        ArrayNode a = KubeJson.MAPPER.createArrayNode();
        for (double d : v) {
            a.add(round(d, 1));
        }
        return a;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static int indexOf(byte[] b, int from, int to, byte[] key) {
        outer:
        for (int i = from; i <= to - key.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (b[i + j] != key[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static String truncate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static String memTotal() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(l.replaceAll("\\D", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "?";
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }

    private static String etcdVersion() {
        try {
            Process p = new ProcessBuilder(System.getenv().getOrDefault("CAPSTAN_ETCD", "etcd"), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("?").replace("etcd Version:", "").trim();
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    static JsonNode path(JsonNode n, String... keys) {
        JsonNode c = n;
        for (String k : keys) {
            c = c.path(k);
        }
        return c;
    }
}
