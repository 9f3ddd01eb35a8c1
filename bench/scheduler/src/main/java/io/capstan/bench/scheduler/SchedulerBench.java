package io.capstan.bench.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.scheduler.api.ApiClient;
import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.KafkaProcess;
import io.capstan.testkit.ProcessCpu;
import io.capstan.testkit.ServiceProcess;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scheduler throughput benchmark, in the shape of Kubernetes' scheduler_perf SchedulingBasic
 * (5000Nodes_10000Pods: init pods, then measured pods created while the scheduler runs): for
 * each node count, a fresh stack as real processes (etcd, Kafka, api-server, controller-manager,
 * a node-agent with {@code simulated-nodes=N}, the scheduler), rounds of {@code bench.warmupPods}
 * (1,000) pods until every JVM's JIT compilers have settled (see {@link #warmUp}; the last
 * round's pods stay, as scheduler_perf's init pods), then {@code bench.pods} (10,000) pods created as fast as the
 * api-server takes them ({@code bench.createConcurrency} in flight). A watch on the pods records
 * when each is first seen bound; throughput is measured pods over the time from the first
 * measured create to the last bind seen.
 *
 * <p>Every wait is bounded; every child process is killed on exit. Usage:
 * {@code SchedulerBench <output-dir>}, with {@code -Dbench.nodes=1000,5000}, {@code -Dbench.pods},
 * {@code -Dbench.warmupPods}, {@code -Dbench.minWarmupRounds} (1), {@code -Dbench.maxWarmupRounds} (12),
 * {@code -Dbench.settledJitCores} (0.05), {@code -Dbench.warmupRounds=N} (exactly N rounds), {@code -Dbench.quick=true} (200 nodes, 1,000 pods), {@code -Dbench.algorithmOnly=true}
 * (only the in-process {@link AlgorithmBench}), {@code -Dbench.reportOnly=true} (REPORT.md again from results/latest.json).
 */
public final class SchedulerBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NS = "bench";
    /** How long the stack is watched with its nodes Ready and no pod, see {@link #settleAndIdle} ({@code -Dbench.idleSeconds}). */
    static final Duration IDLE = Duration.ofSeconds(Integer.getInteger("bench.idleSeconds", 10));
    /**
     * JVM flags of the controller-manager, node-agent and scheduler. Their informers hold every
     * pod (fabric8 objects with managedFields, about 15 KB each): 21,000 pods do not fit the 256 MB
     * heap ./capstan gives them, and a full heap turns into minutes of GC instead of scheduling.
     */
    static final List<String> SERVICE_JVM = List.of("-Xmx1g", "-XX:+UseSerialGC");
    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"bench"}},
            "spec":{"containers":[{"name":"pause","image":"registry.k8s.io/pause:3.10","ports":[{"containerPort":80}],
            "resources":{"limits":{"cpu":"100m","memory":"500Mi"},"requests":{"cpu":"100m","memory":"500Mi"}}}]}}
            """.replace("\n", "");

    private final boolean quick = Boolean.getBoolean("bench.quick");
    private final int pods = Integer.getInteger("bench.pods", quick ? 1000 : 10_000);
    private final int warmupPods = Integer.getInteger("bench.warmupPods", quick ? 200 : 1000);
    private final int createConcurrency = Integer.getInteger("bench.createConcurrency", 32);
    private final int bindConcurrency = Integer.getInteger("bench.bindConcurrency", 64);
    private final List<Integer> nodeCounts = Arrays.stream(System.getProperty("bench.nodes", quick ? "200" : "1000,5000").split(","))
            .map(String::trim).map(Integer::parseInt).toList();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Stack stack = new Stack();
    /** nanoTime each pod's create request was sent, by name. */
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/scheduler");
        if (Boolean.getBoolean("bench.reportOnly")) {
            writeReport(out, JSON.readTree(out.resolve("results/latest.json").toFile()));
            return;
        }
        new SchedulerBench().run(out);
    }

    private void run(Path out) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-cleanup"));
        String nodeAgentJar = System.getProperty("capstan.node-agent.jar");
        Apps.snapshot();
        long start = System.nanoTime();
        ObjectNode results = JSON.createObjectNode();
        results.put("date", Instant.now().toString());
        results.put("cores", Runtime.getRuntime().availableProcessors());
        results.put("cpu", Machine.cpuModel());
        results.put("memoryGiB", Machine.memoryGiB());
        results.put("kernel", System.getProperty("os.version"));
        results.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        results.put("pods", pods);
        results.put("warmupPods", warmupPods);
        results.put("createConcurrency", createConcurrency);
        results.put("bindConcurrency", bindConcurrency);
        if (nodeAgentJar != null) {
            results.put("nodeAgentJar", nodeAgentJar);
        }
        ArrayNode algorithm = results.putArray("algorithm");
        for (int nodes : nodeCounts) {
            ObjectNode a = AlgorithmBench.run(nodes, pods, warmupPods);
            System.out.println("in-process scheduling: " + a);
            algorithm.add(a);
        }
        ArrayNode runs = results.putArray("runs");
        for (int nodes : Boolean.getBoolean("bench.algorithmOnly") ? List.<Integer>of() : nodeCounts) {
            System.out.printf("=== %d nodes, %d + %d pods%n", nodes, warmupPods, pods);
            runs.add(runOnce(nodes));
        }
        results.put("totalSeconds", (System.nanoTime() - start) / 1e9);
        Files.createDirectories(out.resolve("results"));
        String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results);
        // a quick or partial run must not replace the numbers the report stands on
        boolean full = !quick && System.getProperty("bench.nodes") == null && System.getProperty("bench.pods") == null;
        Files.writeString(out.resolve(full ? "results/latest.json" : "results/partial.json"), json);
        if (full) {
            writeReport(out, results);
        }
        System.out.println(json);
    }

    private ObjectNode runOnce(int nodes) throws Exception {
        ObjectNode run = JSON.createObjectNode();
        run.put("nodes", nodes);
        Path state = Files.createTempDirectory("bench-scheduler");
        String loadAtStart = Machine.loadAverage();
        long t0 = System.nanoTime();
        boolean simulated = BenchNodes.simulatedModeAvailable();
        run.put("nodeSource", simulated ? "node-agent --simulated-nodes" : "registered by the bench through the API (node-agent without simulated mode)");
        Map<String, String> cmProps = new java.util.HashMap<>(Map.of("capstan.controller-manager.data-dir", state.resolve("cm").toString()));
        if (!simulated) {
            // nobody renews the nodes' Leases: keep node lifecycle from declaring them lost during the run
            cmProps.put("capstan.controller-manager.node-monitor-grace-period", "1h");
            cmProps.put("capstan.controller-manager.node-startup-grace-period", "1h");
        }
        try {
            // each process joins the stack as soon as it runs, so any failure or SIGTERM stops it
            EtcdProcess etcd = stack.started(EtcdProcess.start());
            KafkaProcess kafka = stack.started(KafkaProcess.start());
            profileApiServer(nodes);
            ApiServerProcess api = stack.started(ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers()));
            ServiceProcess cm = stack.started(ServiceProcess.start("controller-manager", "services/controller-manager", "127.0.0.1", FreePorts.next(),
                    with(cmProps, Map.of("capstan.controller-manager.api-server-url", api.url(),
                            "capstan.controller-manager.etcd-endpoints", etcd.endpoint(),
                            "capstan.controller-manager.kafka-bootstrap-servers", kafka.bootstrapServers())), roleJvm("controller-manager", nodes)));
            ServiceProcess agent = !simulated ? null : stack.started(ServiceProcess.start("node-agent", "services/node-agent", "127.0.0.1",
                    FreePorts.next(), Map.of("capstan.node-agent.node-name", "sim",
                            "capstan.node-agent.simulated-nodes", Integer.toString(nodes),
                            "capstan.node-agent.simulated.cpu", "4",
                            "capstan.node-agent.simulated.memory", "32Gi",
                            "capstan.node-agent.simulated.pods", "110",
                            "capstan.node-agent.api-server-url", api.url(),
                            "capstan.node-agent.kafka-bootstrap-servers", kafka.bootstrapServers(),
                            "capstan.node-agent.state-dir", state.resolve("agent").toString()), roleJvm("node-agent", nodes)));
            ServiceProcess scheduler = stack.started(ServiceProcess.start("scheduler", "services/scheduler", "127.0.0.1", FreePorts.next(),
                    Map.of("capstan.scheduler.api-server-url", api.url(),
                            "capstan.scheduler.etcd-endpoints", etcd.endpoint(),
                            "capstan.scheduler.kafka-bootstrap-servers", kafka.bootstrapServers(),
                            // the backlog phase pauses the scheduler while it creates pods; it must stay leader
                            "capstan.scheduler.lease-ttl", "300s",
                            "capstan.scheduler.bind-concurrency", Integer.toString(bindConcurrency)), roleJvm("scheduler", nodes)));
            ProcessCpu cpu = new ProcessCpu().track("etcd", etcd.pid()).track("kafka", kafka.pid())
                    .track("api-server", api.pid())
                    .track("controller-manager", cm.pid()).track("scheduler", scheduler.pid());
            if (agent != null) {
                cpu.track("node-agent", agent.pid());
            }
            run.put("stackStartSeconds", (System.nanoTime() - t0) / 1e9);
            long tNodes = System.nanoTime();
            if (!simulated) {
                try (ApiClient client = new ApiClient(api.url(), 16, Duration.ofSeconds(30))) {
                    BenchNodes.register(client, nodes, 16);
                }
            }
            awaitReadyNodes(api.url(), nodes, Duration.ofMinutes(5));
            run.put("nodesReadySeconds", (System.nanoTime() - tNodes) / 1e9);
            System.out.printf("%s: %d nodes Ready after %.1f s%n", java.time.Instant.now(), nodes, (System.nanoTime() - tNodes) / 1e9);
            settleAndIdle(run, cpu);

            String rv = createNamespace(api.url());
            try (PodWatch watch = new PodWatch(api.url(), NS, rv);
                 ApiClient client = new ApiClient(api.url(), createConcurrency, Duration.ofSeconds(30))) {
                warmUp(run, watch, client, cpu, scheduler);

                // backlog: the scheduler is paused (SIGSTOP) while the pods are created, then drains them
                signal(scheduler.pid(), "STOP");
                long[] backlogErrors;
                try {
                    backlogErrors = create(client, "backlog-", pods);
                    Thread.sleep(2000);
                } finally {
                    signal(scheduler.pid(), "CONT");
                }
                ObjectNode backlog = run.putObject("backlog");
                backlog.put("createErrors", backlogErrors[0]);
                measure(backlog, watch, cpu, "backlog-", System.nanoTime(), null);

                // concurrent: the pods are created while the scheduler runs, as in scheduler_perf
                ObjectNode concurrent = run.putObject("concurrent");
                measure(concurrent, watch, cpu, "pod-", System.nanoTime(), client);
                // let the node-agent mark the last pods Running, then look at the spread
                watch.awaitRunning("pod-", pods, Duration.ofSeconds(30));
                run.put("runningSeen", watch.runningAt.keySet().stream().filter(n -> n.startsWith("pod-") || n.startsWith("backlog-")).count());
                spread(run, watch, nodes);
                run.set("schedulerMetrics", schedulerMetrics(scheduler.url()));
                dumpProfile("api-server", api.pid(), nodes);
                dumpProfile("scheduler", scheduler.pid(), nodes);
                dumpProfile("controller-manager", cm.pid(), nodes);
                if (agent != null) {
                    dumpProfile("node-agent", agent.pid(), nodes);
                }
                ObjectNode memory = run.putObject("rssMb");
                cpu.memoryMb().forEach((role, mb) -> memory.putObject(role).put("rss", mb[0]).put("peak", mb[1]));
            }
        } finally {
            stack.close();
            run.put("loadAverage", loadAtStart + " / " + Machine.loadAverage());
            run.put("runSeconds", (System.nanoTime() - t0) / 1e9);
        }
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run));
        return run;
    }

    /**
     * Warm-up: rounds of {@code warmupPods} pods, each created while the scheduler runs and
     * awaited until bound and Running, until no role's JIT compiler threads used {@code
     * bench.settledJitCores} (5% of a core) or more during each of two rounds in a row (at least
     * {@code bench.minWarmupRounds}, at most {@code bench.maxWarmupRounds}); {@code
     * bench.warmupRounds=N} runs exactly N. A fresh stack's C2 compilers otherwise take a quarter
     * of the machine through the measured phases (measured: 4.4 of 16.4 CPU seconds of a backlog
     * phase after one round), which a long-running cluster has long paid. Every round but the
     * last is deleted before the next, so the measured phases find {@code warmupPods} pods in
     * place, as scheduler_perf's init pods.
     */
    private void warmUp(ObjectNode run, PodWatch watch, ApiClient client, ProcessCpu cpu, ServiceProcess scheduler)
            throws InterruptedException {
        Integer exact = Integer.getInteger("bench.warmupRounds");
        int min = exact != null ? exact : Integer.getInteger("bench.minWarmupRounds", 1);
        int max = exact != null ? exact : Integer.getInteger("bench.maxWarmupRounds", 12);
        double settled = Double.parseDouble(System.getProperty("bench.settledJitCores", "0.05"));
        ObjectNode warmup = run.putObject("warmup");
        warmup.put("rule", exact != null ? "exactly " + exact + " rounds"
                : "until every role's JIT compiler threads used under " + settled + " cores in each of two rounds in a row (at least "
                + min + ", at most " + max + " rounds)");
        ArrayNode rounds = warmup.putArray("rounds");
        long errors = 0;
        int quiet = 0;
        for (int round = 1; ; round++) {
            String prefix = "warm" + round + "-";
            Map<String, Double> cpuBefore = cpu.cpuSeconds();
            Map<String, Double> jitBefore = cpu.compilerCpuSeconds();
            long start = System.nanoTime();
            errors += create(client, prefix, warmupPods)[0];
            if (!watch.awaitBound(prefix, warmupPods, Duration.ofMinutes(3))) {
                throw new IllegalStateException("warm-up pods not bound in time: " + watch.bound(prefix) + " of " + warmupPods
                        + "\n" + tail(scheduler.log()));
            }
            watch.awaitRunning(prefix, warmupPods, Duration.ofSeconds(30));
            Thread.sleep(2000);
            double seconds = (System.nanoTime() - start) / 1e9;
            ObjectNode jit = jitSeconds(jitBefore, cpu.compilerCpuSeconds());
            double busiest = 0;
            for (var role : jit.properties()) {
                busiest = Math.max(busiest, role.getValue().asDouble() / seconds);
            }
            ObjectNode r = rounds.addObject();
            r.put("seconds", Math.round(seconds * 10) / 10.0);
            r.put("busiestJitCores", Math.round(busiest * 1000) / 1000.0);
            r.set("jitCpuSeconds", jit);
            r.set("cpuCores", cores(cpuBefore, cpu.cpuSeconds(), seconds));
            System.out.printf("warm-up round %d: %.1f s, busiest JIT %.2f cores%n", round, seconds, busiest);
            quiet = busiest < settled ? quiet + 1 : 0;
            if (round >= max || (round >= min && (exact != null || quiet >= 2))) {
                break;
            }
            deleteAll(client, watch.boundAt.keySet().stream().filter(n -> n.startsWith(prefix)).toList());
            if (!watch.awaitDeleted(prefix, warmupPods, Duration.ofMinutes(3))) {
                throw new IllegalStateException("warm-up pods not deleted in time");
            }
        }
        run.put("warmupErrors", errors);
        warmup.put("roundsRun", rounds.size());
    }

    private static final String FORCE = "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":0}";

    /** Deletes the pods, {@code createConcurrency} requests at a time. */
    private void deleteAll(ApiClient client, List<String> names) throws InterruptedException {
        concurrently(names.size(), i -> {
            try {
                // at once, as kubectl delete --grace-period=0 --force: the next round must not wait on the simulated kubelet
                client.delete("/api/v1/namespaces/" + NS + "/pods/" + names.get(i), FORCE);
            } catch (IOException e) {
                System.out.println("warm-up delete failed: " + e);
            }
        });
    }

    /** Creates {@code count} pods named {@code prefix<i>}, {@code createConcurrency} at a time; returns {errors}. */
    private long[] create(ApiClient client, String prefix, int count) throws InterruptedException {
        AtomicInteger errors = new AtomicInteger();
        Map<String, String> firstError = new ConcurrentHashMap<>();
        concurrently(count, i -> {
            String name = prefix + i;
            sentAt.put(name, System.nanoTime());
            try {
                ApiClient.Response r = client.post("/api/v1/namespaces/" + NS + "/pods", POD.formatted(name));
                if (!r.ok()) {
                    errors.incrementAndGet();
                    firstError.putIfAbsent("e", r.status() + " " + r.body());
                }
            } catch (IOException e) {
                errors.incrementAndGet();
                firstError.putIfAbsent("e", e.toString());
            }
        });
        if (errors.get() > 0) {
            System.out.println("create errors: " + errors.get() + ", first: " + firstError.get("e"));
        }
        return new long[]{errors.get()};
    }

    /** Runs {@code task} for 0 to {@code count - 1} on {@code createConcurrency} threads, for at most 5 minutes. */
    private void concurrently(int count, java.util.function.IntConsumer task) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (int t = 0; t < createConcurrency; t++) {
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count && System.nanoTime() < deadline) {
                    task.accept(i);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * One measured phase from {@code start}: with a client, creates the pods first (concurrent
     * phase); then waits until all pods of {@code prefix} are bound and summarizes.
     */
    private void measure(ObjectNode phase, PodWatch watch, ProcessCpu cpu, String prefix, long start, ApiClient creator)
            throws InterruptedException {
        Map<String, Double> cpuBefore = cpu.cpuSeconds();
        Map<String, Double> jitBefore = cpu.compilerCpuSeconds();
        long createEnd = start;
        if (creator != null) {
            phase.put("createErrors", create(creator, prefix, pods)[0]);
            createEnd = System.nanoTime();
        }
        boolean all = watch.awaitBound(prefix, pods, Duration.ofMinutes(5));
        long end = System.nanoTime();
        Map<String, Double> cpuAfter = cpu.cpuSeconds();
        phase.set("jitCpuSeconds", jitSeconds(jitBefore, cpu.compilerCpuSeconds()));
        if (!all) {
            phase.put("incomplete", "only " + watch.bound(prefix) + " of " + pods + " bound within 5 minutes");
        }
        summarize(phase, watch, prefix, start, createEnd, end, cpuBefore, cpuAfter);
    }

    /**
     * The stack's CPU with every node Ready and no pod, over two windows of {@link #IDLE}: first
     * while it settles (the node lifecycle controller and the simulated nodes finish the
     * registration of thousands of nodes), then idle: what the nodes cost by themselves (a Lease
     * renewal per node every 10 s, each an api-server write, an etcd transaction, a feed record and
     * an informer event), which every measured phase pays as well.
     */
    private static void settleAndIdle(ObjectNode run, ProcessCpu cpu) throws InterruptedException {
        run.put("idleSeconds", IDLE.toSeconds());
        for (String window : List.of("settle", "idle")) {
            Map<String, Double> before = cpu.cpuSeconds();
            Map<String, Double> jitBefore = cpu.compilerCpuSeconds();
            long t0 = System.nanoTime();
            Thread.sleep(IDLE.toMillis());
            double seconds = (System.nanoTime() - t0) / 1e9;
            run.set(window + "CpuCores", cores(before, cpu.cpuSeconds(), seconds));
            run.set(window + "JitCpuCores", cores(jitBefore, cpu.compilerCpuSeconds(), seconds));
        }
    }

    /** CPU seconds used between two readings, by role, per second of {@code seconds}. */
    private static ObjectNode cores(Map<String, Double> before, Map<String, Double> after, double seconds) {
        ObjectNode cores = JSON.createObjectNode();
        after.forEach((role, cpuSeconds) -> cores.put(role, Math.round((cpuSeconds - before.getOrDefault(role, 0.0)) / seconds * 100) / 100.0));
        return cores;
    }

    /** The JIT compiler threads' CPU seconds between two readings, by role (see {@link ProcessCpu#compilerCpuSeconds()}). */
    private static ObjectNode jitSeconds(Map<String, Double> before, Map<String, Double> after) {
        ObjectNode out = JSON.createObjectNode();
        after.forEach((role, s) -> out.put(role, Math.round(Math.max(0, s - before.getOrDefault(role, 0.0)) * 100) / 100.0));
        return out;
    }

    /** SIGSTOP or SIGCONT to a child process. */
    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
        }
    }

    private void summarize(ObjectNode run, PodWatch watch, String prefix, long start, long createEnd, long end,
                           Map<String, Double> cpuBefore, Map<String, Double> cpuAfter) {
        List<Long> bound = watch.boundAt.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue)
                .sorted().toList();
        long last = bound.isEmpty() ? end : bound.get(bound.size() - 1);
        double window = (last - start) / 1e9;
        run.put("podsBound", bound.size());
        if (createEnd > start) {
            run.put("createSeconds", (createEnd - start) / 1e9);
            run.put("createRate", pods / ((createEnd - start) / 1e9));
        }
        run.put("scheduleSeconds", window);
        run.put("throughput", bound.size() / window);
        // per-second samples of pods bound, as scheduler_perf's throughput collector takes them
        int seconds = (int) Math.floor(window);
        int[] perSecond = new int[Math.max(seconds, 1)];
        for (long t : bound) {
            int s = (int) ((t - start) / 1_000_000_000L);
            if (s < perSecond.length) {
                perSecond[s]++;
            }
        }
        int[] sorted = perSecond.clone();
        Arrays.sort(sorted);
        ObjectNode samples = run.putObject("perSecond");
        samples.put("average", Arrays.stream(perSecond).average().orElse(0));
        samples.put("p50", sorted[sorted.length / 2]);
        samples.put("p90", sorted[(int) (sorted.length * 0.9)]);
        samples.put("max", sorted[sorted.length - 1]);
        ArrayNode timeline = samples.putArray("timeline");
        Arrays.stream(perSecond).forEach(timeline::add);
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        watch.boundAt.forEach((name, t) -> {
            Long sent = sentAt.get(name);
            if (name.startsWith(prefix) && sent != null && t > start) {
                // concurrent: since the create was sent; backlog: since the scheduler was resumed
                long from = createEnd > start ? sent : start;
                latency.recordValue(Math.max(0, Math.min(TimeUnit.NANOSECONDS.toMicros(t - from), latency.getHighestTrackableValue())));
            }
        });
        run.putObject(createEnd > start ? "createToBoundMs" : "resumeToBoundMs").put("p50", latency.getValueAtPercentile(50) / 1000.0)
                .put("p90", latency.getValueAtPercentile(90) / 1000.0).put("p99", latency.getValueAtPercentile(99) / 1000.0)
                .put("max", latency.getMaxValue() / 1000.0);
        long firstBound = bound.isEmpty() ? start : bound.get(0);
        run.put("firstBindAfterMs", (firstBound - start) / 1e6);
        ObjectNode cores = run.putObject("cpuCores");
        double wall = (end - start) / 1e9;
        ObjectNode cpuSeconds = run.putObject("cpuSeconds");
        cpuAfter.forEach((role, after) -> {
            double used = after - cpuBefore.getOrDefault(role, 0.0);
            cores.put(role, Math.round(used / wall * 100) / 100.0);
            cpuSeconds.put(role, Math.round(used * 100) / 100.0);
        });
    }

    private void spread(ObjectNode run, PodWatch watch, int nodes) {
        Map<String, Integer> perNode = new ConcurrentHashMap<>();
        watch.nodeOf.forEach((pod, node) -> perNode.merge(node, 1, Integer::sum));
        int max = perNode.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int min = perNode.size() < nodes ? 0 : perNode.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        run.putObject("podsPerNode").put("nodesUsed", perNode.size()).put("min", min).put("max", max);
    }

    private ObjectNode schedulerMetrics(String url) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(URI.create(url + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        ObjectNode m = JSON.createObjectNode();
        Matcher attempts = Pattern.compile("scheduler_schedule_attempts_total\\{profile=\"default-scheduler\",result=\"(\\w+)\"} ([0-9.E]+)").matcher(text);
        while (attempts.find()) {
            m.put("attempts_" + attempts.group(1), (long) Double.parseDouble(attempts.group(2)));
        }
        double sum = metric(text, "scheduler_scheduling_attempt_duration_seconds_sum\\{profile=\"default-scheduler\",result=\"scheduled\"}");
        double count = metric(text, "scheduler_scheduling_attempt_duration_seconds_count\\{profile=\"default-scheduler\",result=\"scheduled\"}");
        if (count > 0) {
            m.put("attemptToBoundMeanMs", sum / count * 1000);
        }
        Matcher gc = Pattern.compile("jvm_gc_pause_seconds_sum\\{[^}]*} ([0-9.E+-]+)").matcher(text);
        double gcSeconds = 0;
        while (gc.find()) {
            gcSeconds += Double.parseDouble(gc.group(1));
        }
        m.put("gcPauseSeconds", gcSeconds);
        Matcher dropped = Pattern.compile("capstan_scheduler_events_dropped_total\\{[^}]*profile=\"default-scheduler\"[^}]*} ([0-9.E+-]+)").matcher(text);
        if (dropped.find()) {
            m.put("eventsDropped", (long) Double.parseDouble(dropped.group(1)));
        }
        return m;
    }

    private static double metric(String text, String regex) {
        Matcher x = Pattern.compile(regex + " ([0-9.E+-]+)").matcher(text);
        return x.find() ? Double.parseDouble(x.group(1)) : 0;
    }

    private void awaitReadyNodes(String api, int want, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int ready = 0;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/nodes")).build(), HttpResponse.BodyHandlers.ofString());
            ready = 0;
            for (JsonNode n : JSON.readTree(r.body()).path("items")) {
                for (JsonNode c : n.path("status").path("conditions")) {
                    if ("Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                        ready++;
                    }
                }
            }
            if (ready >= want) {
                return;
            }
            Thread.sleep(2000);
        }
        throw new IllegalStateException("only " + ready + " of " + want + " nodes Ready within " + timeout);
    }

    /** Creates the bench namespace and returns the resourceVersion to watch its pods from. */
    private String createNamespace(String api) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/namespaces"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + NS + "\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("namespace: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).path("metadata").path("resourceVersion").asText();
    }

    /**
     * A role's JVM flags: {@link #SERVICE_JVM}, then {@code -Dbench.jvm} ({@code %role} replaced by
     * the role's name); {@code -Dbench.jfr=<dir>} records a JFR profile of it per run there.
     */
    private static List<String> roleJvm(String role, int nodes) {
        List<String> flags = new ArrayList<>(SERVICE_JVM);
        // e.g. -Dbench.jvm="-Xlog:gc+cpu:file=/tmp/gc-%p.log": more flags for every role the bench starts
        String extra = System.getProperty("bench.jvm", "").replace("%role", role);
        if (!extra.isBlank()) {
            flags.addAll(List.of(extra.trim().split("\\s+")));
        }
        String jfr = System.getProperty("bench.jfr");
        if (jfr == null) {
            return flags;
        }
        flags.add("-XX:StartFlightRecording=settings=profile,filename=" + Path.of(jfr, role + "-" + nodes + ".jfr").toAbsolutePath());
        return flags;
    }

    /** REPORT.md from {@code results}, with the other full runs kept in results/ (not latest.json, not partial.json). */
    private static void writeReport(Path out, JsonNode results) throws IOException {
        Map<String, JsonNode> others = new java.util.TreeMap<>();
        try (var files = Files.list(out.resolve("results"))) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".json") && !name.equals("latest.json") && !name.equals("partial.json")) {
                    others.put(name, JSON.readTree(f.toFile()));
                }
            }
        }
        Files.writeString(out.resolve("REPORT.md"), Report.markdown(results, others));
    }

    /**
     * With {@code -Dbench.jfr}, the api-server (started by the testkit, whose flags come from
     * {@code -Dcapstan.apiserver.jvm}) records a profile too: the flag is added to that property.
     */
    private static void profileApiServer(int nodes) {
        String jfr = System.getProperty("bench.jfr");
        if (jfr == null) {
            return;
        }
        String own = System.getProperty("bench.apiserver.jvm", System.getProperty("capstan.apiserver.jvm", ""));
        System.setProperty("bench.apiserver.jvm", own);
        System.setProperty("capstan.apiserver.jvm", own + " -XX:StartFlightRecording=settings=profile,filename="
                + Path.of(jfr, "api-server-" + nodes + ".jfr").toAbsolutePath());
    }

    /** With {@code -Dbench.jfr}, writes a role's recording before the process is killed. */
    private static void dumpProfile(String role, long pid, int nodes) throws IOException, InterruptedException {
        String jfr = System.getProperty("bench.jfr");
        if (jfr == null) {
            return;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "JFR.dump",
                "filename=" + Path.of(jfr, role + "-" + nodes + ".jfr").toAbsolutePath()).inheritIO().start();
        p.waitFor(60, TimeUnit.SECONDS);
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new java.util.HashMap<>(a);
        m.putAll(b);
        return m;
    }

    private static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }
}
