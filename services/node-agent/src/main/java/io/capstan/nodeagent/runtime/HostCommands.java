package io.capstan.nodeagent.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Running the host's own tools (iproute2, nsenter) for the runtimes' pod networking, as root. */
public final class HostCommands {
    private HostCommands() {
    }

    /** Whether this process runs as root (real uid 0). */
    public static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).map(l -> l.split("\\s+")[2]).anyMatch("0"::equals);
        } catch (IOException e) {
            return false;
        }
    }

    /** The executable {@code tool} on the PATH or in the sbin and bin directories, or null. */
    public static String find(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : (path + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /**
     * Runs {@code argv}, feeding it {@code stdinLines} (null for none), and returns its output
     * (stdout and stderr, trimmed); a failure, or no exit within 30 s, is an IOException with it.
     */
    public static String run(List<String> argv, List<String> stdinLines) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try {
            if (stdinLines != null) {
                p.getOutputStream().write((String.join("\n", stdinLines) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", argv) + (stdinLines == null ? "" : " " + stdinLines) + " failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted running " + String.join(" ", argv), e);
        }
    }
}
