package io.capstan.nodeagent.it;

import io.capstan.testkit.FreePorts;
import io.capstan.testkit.LocalCluster;
import io.capstan.testkit.ServiceProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The packaged node-agent ({@code -Dcapstan.node-agent.jar}, else target/quarkus-app/quarkus-run.jar)
 * as a real child process ({@link ServiceProcess}) with the JVM settings ./capstan uses for it, so
 * a test can kill it the hard way and start it again on the same state directory.
 */
final class AgentProcess implements AutoCloseable {
    private final ServiceProcess process;

    private AgentProcess(ServiceProcess process) {
        this.process = process;
    }

    /** Starts the agent with {@code settings} ({@code capstan.node-agent.*} without the prefix) and waits until it is ready. */
    static AgentProcess start(String host, Map<String, String> settings) {
        Map<String, String> properties = new LinkedHashMap<>();
        settings.forEach((k, v) -> properties.put("capstan.node-agent." + k, v));
        return new AgentProcess(ServiceProcess.start("node-agent", "services/node-agent", host, FreePorts.next(), properties,
                LocalCluster.AGENT_JVM, "/q/health/ready"));
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
        process.kill();
    }

    String log() {
        return process.log();
    }

    /** SIGTERM and wait for the orderly shutdown. */
    @Override
    public void close() {
        try {
            process.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.close();
        }
    }
}
