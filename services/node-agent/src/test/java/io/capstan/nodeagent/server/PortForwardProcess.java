package io.capstan.nodeagent.server;

import io.capstan.testkit.Kubectl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kubectl port-forward pod/<pod> :<port>} running in the background (at -v=6, so its log
 * shows the upgrade), with the local port it chose, and {@link #curl} through it.
 */
final class PortForwardProcess implements AutoCloseable {
    private final Process process;
    private final int localPort;
    private final String log;

    private PortForwardProcess(Process process, int localPort, String log) {
        this.process = process;
        this.localPort = localPort;
        this.log = log;
    }

    static PortForwardProcess start(Kubectl kubectl, String pod, int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Kubectl.find(kubectl.version()).toString(), "--cache-dir=" + kubectl.home().resolve("cache"),
                "-v=6", "port-forward", "pod/" + pod, ":" + port).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubectl.home().resolve("kubeconfig").toString());
        pb.environment().put("HOME", kubectl.home().toString());
        Process process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        Pattern forwarding = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> " + port);
        try {
            int local = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        seen.append(line).append('\n');
                        Matcher m = forwarding.matcher(line);
                        if (m.find()) {
                            return Integer.parseInt(m.group(1));
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                throw new IllegalStateException("kubectl port-forward ended without forwarding: " + seen);
            }).get(60, TimeUnit.SECONDS);
            // Keep draining its output, or kubectl blocks on a full pipe.
            Thread.ofVirtual().start(() -> {
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (IOException ignored) {
                    // it ended
                }
            });
            return new PortForwardProcess(process, local, seen.toString());
        } catch (Exception e) {
            process.destroy();
            throw e;
        }
    }

    /** kubectl's output up to the "Forwarding from" line. */
    String log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** What curl gets for {@code path} through the forwarded port. */
    String curl(String path) throws Exception {
        Process curl = new ProcessBuilder("curl", "-s", "--max-time", "20", "http://127.0.0.1:" + localPort + path)
                .redirectErrorStream(true).start();
        if (!curl.waitFor(30, TimeUnit.SECONDS)) {
            curl.destroyForcibly();
            throw new AssertionError("curl did not finish in 30 s");
        }
        return new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
