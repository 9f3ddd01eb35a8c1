package io.capstan.nodeagent.it;

import io.capstan.testkit.FreePorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged node-agent ({@code -Dcapstan.node-agent.jar}, else target/quarkus-app/quarkus-run.jar)
 * as a real child process, with the JVM settings recommended for it, so a test can kill it the
 * hard way and start it again on the same state directory.
 */
final class AgentProcess implements AutoCloseable {
    /** The flags ./capstan is asked to use for node-agents (see services/node-agent/DESIGN.md, "Memory"). */
    static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx48m", "-Xmn8m", "-XX:MaxMetaspaceSize=96m",
            "-XX:ReservedCodeCacheSize=24m", "-Xss256k", "-XX:CICompilerCount=1", "-XX:TieredStopAtLevel=1",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:TrimNativeHeapInterval=5000", "-XX:-UsePerfData",
            "-Dio.netty.allocator.numDirectArenas=1", "-Dio.netty.allocator.numHeapArenas=1");

    private final Process process;
    private final Path log;
    private final int port;
    private final String host;

    private AgentProcess(Process process, Path log, String host, int port) {
        this.process = process;
        this.log = log;
        this.host = host;
        this.port = port;
    }

    static Path jar() {
        String configured = System.getProperty("capstan.node-agent.jar");
        return configured != null ? Path.of(configured) : Path.of("target/quarkus-app/quarkus-run.jar");
    }

    /** Starts the agent with {@code settings} ({@code capstan.node-agent.*} without the prefix) and waits until it is ready. */
    static AgentProcess start(String host, Map<String, String> settings) {
        Path jar = jar();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("the packaged node-agent is missing: " + jar + " (run mvn package)");
        }
        int port = FreePorts.next();
        try {
            Path log = Files.createTempFile("node-agent-" + port, ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(JVM);
            cmd.add("-Dquarkus.http.host=" + host);
            cmd.add("-Dquarkus.http.port=" + port);
            cmd.add("-Dquarkus.log.console.json.enabled=false");
            settings.forEach((k, v) -> cmd.add("-Dcapstan.node-agent." + k + "=" + v));
            cmd.addAll(List.of("-jar", jar.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("MALLOC_ARENA_MAX", "2");
            AgentProcess agent = new AgentProcess(pb.start(), log, host, port);
            agent.awaitReady();
            return agent;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node-agent exited: " + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new IllegalStateException("node-agent did not become ready: " + log());
    }

    long pid() {
        return process.pid();
    }

    /** The agent's resident set size from /proc, in bytes. */
    long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** SIGKILL: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(Duration.ofSeconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
