package io.capstan.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Kafka (KRaft: one JVM that is broker and controller), started as a child
 * process on free loopback ports with its data in a temporary directory, for integration tests.
 * {@link #close()} kills it and removes the data.
 *
 * <p>The broker runs from the jars that {@code tools/kafka} copies out of Maven Central into
 * {@code tools/kafka/target/broker-lib}. That directory is found through the system property
 * {@code capstan.kafka.lib}, else the environment variable {@code CAPSTAN_KAFKA_LIB}, else by
 * looking for {@code tools/kafka/target/broker-lib} in the working directory and its parents.
 * The child JVM is the {@code java} of the running JVM ({@code java.home}).
 */
public final class KafkaProcess implements AutoCloseable {
    private static final String STARTED = "Kafka Server started";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path dir;
    private final int port;
    private final int controllerPort;

    private KafkaProcess(Process process, Path dir, int port, int controllerPort) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker with Capstan's test settings and waits until it serves clients. */
    public static KafkaProcess start() {
        return start(Map.of());
    }

    /**
     * Starts a broker with Capstan's test settings overridden or extended by {@code overrides}
     * (broker configuration names, e.g. {@code num.partitions}) and waits until it serves clients.
     */
    public static KafkaProcess start(Map<String, String> overrides) {
        Path lib = libDir();
        Path dir;
        try {
            dir = Files.createTempDirectory("capstan-kafka");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data directory for Kafka", e);
        }
        int port = FreePorts.next();
        int controllerPort = FreePorts.next();
        Path config = dir.resolve("server.properties");
        Path log = dir.resolve("kafka.log");
        KafkaProcess kafka = null;
        try {
            Map<String, String> props = serverProperties(port, controllerPort, dir.resolve("data"));
            props.putAll(overrides);
            StringBuilder text = new StringBuilder();
            props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(config, text);

            Process format = new ProcessBuilder(command(lib, "kafka.tools.StorageTool",
                    "format", "--cluster-id", randomClusterId(), "--config", config.toString(),
                    "--ignore-formatted"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("format.log").toFile())
                    .start();
            if (!format.waitFor(60, TimeUnit.SECONDS)) {
                format.destroyForcibly();
                throw new IllegalStateException("formatting Kafka's storage took over 60 s: "
                        + read(dir.resolve("format.log")));
            }
            if (format.exitValue() != 0) {
                throw new IllegalStateException("formatting Kafka's storage failed with " + format.exitValue()
                        + ": " + read(dir.resolve("format.log")));
            }

            Process p = new ProcessBuilder(command(lib, "kafka.Kafka", config.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            kafka = new KafkaProcess(ExitReaper.adopt(p), dir, port, controllerPort);
            kafka.awaitReady(START_TIMEOUT);
            return kafka;
        } catch (IOException e) {
            cleanUp(kafka, dir);
            throw new UncheckedIOException("cannot start Kafka from " + lib, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanUp(kafka, dir);
            throw new IllegalStateException("interrupted while starting Kafka", e);
        } catch (RuntimeException e) {
            cleanUp(kafka, dir);
            throw e;
        }
    }

    /** The process's pid (for the benches' CPU accounting). */
    public long pid() {
        return process.pid();
    }

    /** {@code host:port} of the plaintext listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** The broker's log so far (stdout and stderr of its JVM). */
    public String log() {
        return read(dir.resolve("kafka.log"));
    }

    /**
     * The directory with the broker's jars: {@code capstan.kafka.lib}, {@code CAPSTAN_KAFKA_LIB}, or
     * {@code tools/kafka/target/broker-lib} above the working directory.
     */
    public static Path libDir() {
        String configured = System.getProperty("capstan.kafka.lib");
        String source = "system property capstan.kafka.lib";
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("CAPSTAN_KAFKA_LIB");
            source = "environment variable CAPSTAN_KAFKA_LIB";
        }
        if (configured != null && !configured.isBlank()) {
            Path lib = Path.of(configured).toAbsolutePath();
            if (!hasBroker(lib)) {
                throw new IllegalStateException(source + " is " + lib + ", which holds no kafka_2.13 jar;"
                        + " build it with ./mvnw -pl tools/kafka install");
            }
            return lib;
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = start; d != null; d = d.getParent()) {
            Path lib = d.resolve("tools/kafka/target/broker-lib");
            if (hasBroker(lib)) {
                return lib;
            }
        }
        throw new IllegalStateException("no Kafka broker jars: tools/kafka/target/broker-lib was not found in "
                + start + " or above it. Build them with ./mvnw -pl tools/kafka install (./mvnw install does it"
                + " too), or point -Dcapstan.kafka.lib or CAPSTAN_KAFKA_LIB at a directory of Kafka jars");
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
        deleteTree(dir);
    }

    private static Map<String, String> serverProperties(int port, int controllerPort, Path data) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", data.toString());
        p.put("num.partitions", "3");
        p.put("auto.create.topics.enable", "true");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        return p;
    }

    private static List<String> command(Path lib, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.awt.headless=true");
        if (Runtime.version().feature() >= 23) { // else every start warns about Kafka's Unsafe and JNI use
            cmd.add("--sun-misc-unsafe-memory-access=allow");
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-Dlog4j2.configurationFile=" + lib.resolve("log4j2.properties"));
        cmd.add("-cp");
        cmd.add(lib + "/*");
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Kafka's cluster id format: a random UUID as 22 characters of unpadded URL-safe Base64, never
     * starting with a dash (it would read as an option on the command line).
     */
    private static String randomClusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            ByteBuffer bytes = ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
            if (id.charAt(0) != '-') {
                return id;
            }
        }
    }

    private void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!(log().contains(STARTED) && accepts(port))) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka exited with " + process.exitValue() + ": " + tail(log()));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("Kafka did not start within " + timeout + ": " + tail(log()));
            }
            sleep(50);
        }
        confirmWithAdminClient(deadline);
    }

    /**
     * When kafka-clients is on the classpath (as in tests that use Kafka), asks the broker for the
     * cluster's nodes, so the broker is known to answer metadata requests before start() returns.
     */
    private void confirmWithAdminClient(Instant deadline) {
        Class<?> admin;
        try {
            admin = Class.forName("org.apache.kafka.clients.admin.Admin", true, KafkaProcess.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError absent) {
            return;
        }
        Map<String, Object> config = Map.of(
                "bootstrap.servers", bootstrapServers(),
                "request.timeout.ms", 10_000,
                "default.api.timeout.ms", 20_000);
        Exception last = null;
        try (AutoCloseable client = (AutoCloseable) admin.getMethod("create", Map.class).invoke(null, config)) {
            Method describeCluster = admin.getMethod("describeCluster");
            while (Instant.now().isBefore(deadline)) {
                try {
                    Object result = describeCluster.invoke(client);
                    Future<?> nodes = (Future<?>) result.getClass().getMethod("nodes").invoke(result);
                    if (!((java.util.Collection<?>) nodes.get(10, TimeUnit.SECONDS)).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = e;
                }
                sleep(100);
            }
        } catch (Exception e) {
            last = e;
        }
        throw new IllegalStateException("Kafka listens on " + bootstrapServers()
                + " but its AdminClient describeCluster did not succeed: " + last + "\n" + tail(log()));
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static boolean hasBroker(Path lib) {
        if (!Files.isDirectory(lib)) {
            return false;
        }
        try (Stream<Path> files = Files.list(lib)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("kafka_2.13-"));
        } catch (IOException e) {
            return false;
        }
    }

    private static void cleanUp(KafkaProcess kafka, Path dir) {
        if (kafka != null) {
            kafka.close();
        } else {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
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
