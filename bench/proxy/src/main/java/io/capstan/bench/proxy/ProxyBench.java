package io.capstan.bench.proxy;

import io.capstan.proxy.testing.MeshFixture;
import io.capstan.proxy.testing.MeshFixture.Ep;
import io.capstan.proxy.testing.TestControlPlane;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.ProcessCpu;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The node-proxy benchmark (see run.sh): overhead against a direct connection at a fixed rate,
 * throughput on one core, and RSS with 1,000 Services. The proxy is the packaged capstan-proxy
 * as a child process; the bench pins itself and the proxy to different cores.
 */
public final class ProxyBench {
    private static final String NS = "default";
    /**
     * The proxy JVM flags this benchmark recommends (see REPORT.md, "JVM flags"): C1 only (no C2
     * compiler, code or arenas: about 15 MB less RSS, and 40 MB less after load), a 64 MB serial
     * heap that gives memory back after a full GC in one step, metaspace and code-cache thresholds
     * high enough that no full GC is triggered by class loading or JIT-compiled code while serving,
     * glibc heap trimmed every second, one direct Netty arena and no pooled heap arenas. Run it
     * with MALLOC_ARENA_MAX=2.
     */
    static final String PROXY_JVM = "-XX:+UseSerialGC -Xms8m -Xmx64m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:-ShrinkHeapInSteps"
            + " -XX:MetaspaceSize=64m -XX:MaxMetaspaceSize=80m -XX:ReservedCodeCacheSize=64m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
            + " -Xss256k -XX:TrimNativeHeapInterval=1000 -XX:-UsePerfData"
            + " -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=0";

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "bench/proxy");
        int seconds = Integer.getInteger("bench.seconds", 30);
        int warmup = Integer.getInteger("bench.warmup", 10);
        int rate = Integer.getInteger("bench.rate", 1000);
        int connections = Integer.getInteger("bench.connections", 64);
        int services = Integer.getInteger("bench.services", 1000);
        // Only the memory phase, for trying JVM flags: prints and writes target/memory-only.json, leaves REPORT.md alone.
        boolean memoryOnly = Boolean.getBoolean("bench.memoryOnly");
        String proxyCpu = System.getProperty("bench.proxyCpu", "0");
        String benchCpu = System.getProperty("bench.benchCpu", "1");
        String jar = System.getProperty("capstan.proxy.jar", "services/proxy/target/quarkus-app/quarkus-run.jar");
        String proxyJvm = System.getProperty("bench.proxyJvm",
                PROXY_JVM)
                .replace(',', ' ') + " " + System.getProperty("bench.proxyJvmExtra", "").replace(',', ' ');

        pin(ProcessHandle.current().pid(), benchCpu);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
        results.put("cores", Runtime.getRuntime().availableProcessors());
        results.put("proxyCpu", proxyCpu);
        results.put("benchCpu", benchCpu);
        results.put("proxyJvm", proxyJvm);

        try (TestControlPlane cp = new TestControlPlane().start();
             BenchBackend backend = new BenchBackend("127.0.0.1");
             LoadGenerator load = new LoadGenerator()) {
            String node = "bench";
            int httpPort = FreePorts.next();
            List<String> cmd = new ArrayList<>(List.of("taskset", "-c", proxyCpu, javaBin()));
            cmd.addAll(List.of(proxyJvm.trim().split("\\s+")));
            cmd.addAll(List.of("-Dcapstan.proxy.node-name=" + node, "-Dcapstan.proxy.node-ip=127.0.0.1",
                    "-Dcapstan.proxy.xds-address=" + cp.address(), "-Dcapstan.proxy.dns-port=0",
                    "-Dcapstan.proxy.event-loops=1", "-Dquarkus.http.port=" + httpPort,
                    "-Dquarkus.log.console.json.enabled=false", "-jar", jar));
            Path log = dir.resolve("target/proxy.log");
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            // glibc's per-thread malloc arenas are most of the native memory a small JVM does not account for.
            pb.environment().put("MALLOC_ARENA_MAX", System.getProperty("bench.mallocArenas", "2"));
            results.put("proxyEnv", "MALLOC_ARENA_MAX=" + pb.environment().get("MALLOC_ARENA_MAX"));
            Process proxy = pb.start();
            try {
                String vip = MeshFixture.randomVip();
                int port = FreePorts.next();
                MeshFixture mesh = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.LEAST_REQUEST, false,
                        List.of(Ep.healthy("127.0.0.1", backend.port())));
                cp.push(node, mesh);
                awaitHttp(proxy, vip, port, Duration.ofSeconds(60));
                InetSocketAddress direct = new InetSocketAddress("127.0.0.1", backend.port());
                InetSocketAddress viaProxy = new InetSocketAddress(vip, port);

                Map<String, Object> memory = new LinkedHashMap<>();
                memory.put("rssOneServiceMb", rssMb(proxy.pid(), "VmRSS"));
                System.out.printf("memory: pushing %d Services%n", services);
                for (int i = 0; i < services; i++) {
                    String svcVip = "127.98." + (i / 250) + "." + (1 + i % 250);
                    List<Ep> eps = new ArrayList<>();
                    for (int e = 0; e < 5; e++) {
                        eps.add(Ep.healthy("10." + (i / 200) + "." + (i % 200) + "." + (e + 1), 8080));
                    }
                    mesh.service("svc-" + i, NS, svcVip, 8080, i % 2 == 0, Cluster.LbPolicy.LEAST_REQUEST, false, eps);
                }
                long pushed = System.nanoTime();
                cp.push(node, mesh);
                String lastVip = "127.98." + ((services - 1) / 250) + "." + (1 + (services - 1) % 250);
                awaitListening(lastVip, 8080, Duration.ofSeconds(120));
                memory.put("services", services);
                memory.put("listeners", services + 1);
                memory.put("appliedWithinMs", (System.nanoTime() - pushed) / 1_000_000);
                Thread.sleep(5000);
                memory.put("rssWith1000ServicesMb", rssMb(proxy.pid(), "VmRSS"));
                memory.put("threads", status(proxy.pid(), "Threads"));
                // RssFile is mapped files (libjvm.so, the CDS archive, jars), RssAnon the JVM's own memory.
                memory.put("rssAnonMb", rssMb(proxy.pid(), "RssAnon"));
                memory.put("rssFileMb", rssMb(proxy.pid(), "RssFile"));
                results.put("memory", memory);
                System.out.println("  " + memory);
                if (proxyJvm.contains("NativeMemoryTracking")) {
                    jcmd(proxy.pid(), dir.resolve("target/nmt-services.txt"), "VM.native_memory", "summary");
                }
                if (memoryOnly) {
                    jcmd(proxy.pid(), dir.resolve("target/threads.txt"), "Thread.print");
                    jcmd(proxy.pid(), dir.resolve("target/heap-before-gc.txt"), "GC.heap_info");
                    jcmd(proxy.pid(), dir.resolve("target/histogram.txt"), "GC.class_histogram");
                    jcmd(proxy.pid(), dir.resolve("target/heap-after-gc.txt"), "GC.heap_info");
                    Thread.sleep(2000);
                    memory.put("rssAfterFullGcMb", rssMb(proxy.pid(), "VmRSS"));
                    System.out.println("  " + memory);
                    Files.writeString(dir.resolve("target/memory-only.json"), Json.write(results));
                    return;
                }

                System.out.printf("overhead: %d req/s direct and through the proxy, %ds warmup, %ds measured%n", rate, warmup, seconds);
                long waitedBefore = runQueueWaitNanos(proxy.pid());
                double cpuBefore = ProcessCpu.cpuSeconds(proxy.pid());
                LoadGenerator.Result[] side = load.openLoop(new InetSocketAddress[]{direct, viaProxy}, rate, warmup, seconds);
                long waitedMs = (runQueueWaitNanos(proxy.pid()) - waitedBefore) / 1_000_000;
                double cpuSec = ProcessCpu.cpuSeconds(proxy.pid()) - cpuBefore;
                Map<String, Object> overhead = new LinkedHashMap<>();
                overhead.put("rate", rate);
                overhead.put("seconds", seconds);
                overhead.put("direct", summary(side[0]));
                overhead.put("proxy", summary(side[1]));
                overhead.put("addedP50Ms", ms(side[1].latencyMicros().getValueAtPercentile(50) - side[0].latencyMicros().getValueAtPercentile(50)));
                overhead.put("addedP90Ms", ms(side[1].latencyMicros().getValueAtPercentile(90) - side[0].latencyMicros().getValueAtPercentile(90)));
                // Time the proxy's runnable threads waited for its (shared) core: the machine's share of the tail.
                overhead.put("proxyRunQueueWaitMs", waitedMs);
                overhead.put("proxyCpuSeconds", cpuSec);
                overhead.put("addedP99Ms", ms(side[1].latencyMicros().getValueAtPercentile(99) - side[0].latencyMicros().getValueAtPercentile(99)));
                results.put("overhead", overhead);
                System.out.println("  " + overhead);

                System.out.printf("throughput: closed loop, %d connections, %ds%n", connections, seconds);
                LoadGenerator.Result tp = load.closedLoop(viaProxy, connections, 5, seconds);
                LoadGenerator.Result tpDirect = load.closedLoop(direct, connections, 3, Math.max(5, seconds / 3));
                Map<String, Object> throughput = new LinkedHashMap<>();
                throughput.put("connections", connections);
                throughput.put("proxy", summary(tp));
                throughput.put("directSameGenerator", summary(tpDirect));
                throughput.put("proxyCpuSeconds", ProcessCpu.cpuSeconds(proxy.pid()));
                results.put("throughput", throughput);
                System.out.println("  " + throughput);

                memory.put("rssAfterLoadMb", rssMb(proxy.pid(), "VmRSS"));
                memory.put("peakRssMb", rssMb(proxy.pid(), "VmHWM"));
                if (proxyJvm.contains("NativeMemoryTracking")) {
                    jcmd(proxy.pid(), dir.resolve("target/nmt.txt"), "VM.native_memory", "summary");
                }
                System.out.println("  " + memory);
            } finally {
                proxy.destroy();
                if (!proxy.waitFor(10, TimeUnit.SECONDS)) {
                    proxy.destroyForcibly();
                }
            }
        }
        Files.createDirectories(dir.resolve("results"));
        String json = Json.write(results);
        Files.writeString(dir.resolve("results/latest.json"), json);
        Files.writeString(dir.resolve("REPORT.md"), Report.render(results));
        System.out.println(json);
    }

    private static void jcmd(long pid, Path out, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        cmd.addAll(List.of(command));
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start().waitFor(30, TimeUnit.SECONDS);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void pin(long pid, String cpus) {
        try {
            new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            System.out.println("cannot pin the bench to cpu " + cpus + ": " + e.getMessage());
        }
    }

    static Map<String, Object> summary(LoadGenerator.Result r) {
        Histogram h = r.latencyMicros();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("completed", r.completed());
        m.put("errors", r.errors());
        m.put("reqPerSec", Math.round(r.rate()));
        m.put("p50Ms", ms(h.getValueAtPercentile(50)));
        m.put("p90Ms", ms(h.getValueAtPercentile(90)));
        m.put("p99Ms", ms(h.getValueAtPercentile(99)));
        m.put("p999Ms", ms(h.getValueAtPercentile(99.9)));
        m.put("maxMs", ms(h.getMaxValue()));
        return m;
    }

    static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    private static double rssMb(long pid, String field) throws IOException {
        long kb = status(pid, field);
        return kb < 0 ? -1 : Math.round(kb / 102.4) / 10.0;
    }

    /** A number from /proc/<pid>/status (kB for the Vm* fields), or -1. */
    private static long status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Sum over the process's threads of the time spent runnable but waiting for a CPU (/proc/.../schedstat). */
    private static long runQueueWaitNanos(long pid) {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String[] f = Files.readString(t.resolve("schedstat")).trim().split(" ");
                    sum += Long.parseLong(f[1]);
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    private static void awaitHttp(Process proxy, String ip, int port, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (!proxy.isAlive()) {
                throw new IllegalStateException("the proxy exited with " + proxy.exitValue() + "; see target/proxy.log");
            }
            try (Socket s = new Socket()) {
                s.setSoTimeout(2000);
                s.connect(new InetSocketAddress(ip, port), 1000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                if (head.endsWith("200")) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the proxy did not serve " + ip + ":" + port + " within " + max);
    }

    private static void awaitListening(String ip, int port, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(ip, port), 1000);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("no listener at " + ip + ":" + port + " within " + max);
    }

    static String fmt(Object o) {
        return o instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : String.valueOf(o);
    }
}
