package io.capstan.nodeagent.node;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What this host offers and how much of it is free, read from /proc and the state directory's
 * file system as the kubelet reads them through cAdvisor. Values that cannot be read on this
 * OS fall back to what the JVM knows.
 */
public final class HostResources {
    private static final Path PROC = Path.of("/proc");

    /**
     * @param cpus                 logical CPUs
     * @param memoryBytes          MemTotal
     * @param memoryAvailableBytes MemAvailable
     * @param diskBytes            the state directory's file system size
     * @param diskAvailableBytes   its space available to this user
     * @param pidMax               kernel.pid_max
     * @param processes            processes running now
     */
    public record Snapshot(int cpus, long memoryBytes, long memoryAvailableBytes, long diskBytes, long diskAvailableBytes,
                           long pidMax, long processes) {
    }

    private final Path stateDir;

    public HostResources(Path stateDir) {
        this.stateDir = stateDir;
    }

    public Snapshot measure() {
        long memTotal = meminfo("MemTotal").orElse(Runtime.getRuntime().maxMemory());
        long memAvailable = meminfo("MemAvailable").orElse(memTotal);
        long disk = 0;
        long diskAvailable = 0;
        try {
            FileStore store = Files.getFileStore(stateDir);
            disk = store.getTotalSpace();
            diskAvailable = store.getUsableSpace();
        } catch (IOException e) {
            // an unreadable file system reports no ephemeral storage rather than a made-up size
        }
        return new Snapshot(Runtime.getRuntime().availableProcessors(), memTotal, memAvailable, disk, diskAvailable,
                pidMax(), processes());
    }

    private static Optional<Long> meminfo(String field) {
        try {
            for (String line : Files.readAllLines(PROC.resolve("meminfo"))) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    long value = Long.parseLong(parts[0]);
                    return Optional.of(parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Optional.empty();
    }

    private static long pidMax() {
        // sysctl files report size 0 and answer a small first read partially: read them by lines
        return firstLine("/proc/sys/kernel/pid_max").map(Long::parseLong).orElse(32768L);
    }

    private static long processes() {
        long n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path ignored : entries) {
                n++;
            }
        } catch (IOException e) {
            return ProcessHandle.allProcesses().count();
        }
        return n;
    }

    /** One line of a file under /proc or /sys or /etc, if readable. */
    public static Optional<String> firstLine(String path) {
        try {
            List<String> lines = Files.readAllLines(Path.of(path));
            return lines.isEmpty() ? Optional.empty() : Optional.of(lines.get(0).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** PRETTY_NAME of /etc/os-release, as the kubelet reports osImage. */
    public static String osImage() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    /** Go's GOARCH names, which Kubernetes uses: amd64, arm64. */
    public static String architecture() {
        return switch (System.getProperty("os.arch")) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
    }
}
