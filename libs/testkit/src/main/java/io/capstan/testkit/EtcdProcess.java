package io.capstan.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real etcd server, started as a child process on free loopback ports with its data in a
 * temporary directory, for integration tests. {@link #close()} kills it and removes the data.
 * The binary is {@code etcd} on the PATH (Debian's etcd-server, installed by
 * {@code scripts/install-deps.sh}) unless {@code CAPSTAN_ETCD} names another.
 */
public final class EtcdProcess implements AutoCloseable {
    private final Process process;
    private final Path dataDir;
    private final int clientPort;

    private EtcdProcess(Process process, Path dataDir, int clientPort) {
        this.process = process;
        this.dataDir = dataDir;
        this.clientPort = clientPort;
    }

    public static EtcdProcess start() {
        try {
            Path dir = Files.createTempDirectory("capstan-etcd");
            int client = FreePorts.next();
            int peer = FreePorts.next();
            String binary = System.getenv().getOrDefault("CAPSTAN_ETCD", "etcd");
            ProcessBuilder pb = new ProcessBuilder(List.of(binary,
                    "--name", "test",
                    "--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + client,
                    "--advertise-client-urls", "http://127.0.0.1:" + client,
                    "--listen-peer-urls", "http://127.0.0.1:" + peer,
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                    "--initial-cluster", "test=http://127.0.0.1:" + peer,
                    "--quota-backend-bytes", String.valueOf(4L * 1024 * 1024 * 1024),
                    "--log-level", "warn"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("etcd.log").toFile());
            pb.environment().put("ETCD_UNSUPPORTED_ARCH", "");
            Process p = ExitReaper.adopt(pb.start());
            EtcdProcess etcd = new EtcdProcess(p, dir, client);
            etcd.awaitListening(Duration.ofSeconds(20));
            return etcd;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd (is etcd-server installed? run scripts/install-deps.sh)", e);
        }
    }

    private void awaitListening(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        close();
        throw new IllegalStateException("etcd did not listen within " + timeout + ": " + log());
    }

    /** The process's pid (for the benches' CPU accounting). */
    public long pid() {
        return process.pid();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public String log() {
        try {
            return Files.readString(dataDir.resolve("etcd.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ExitReaper.release(process);
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
