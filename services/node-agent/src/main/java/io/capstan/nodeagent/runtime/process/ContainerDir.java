package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerInfo.State;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One container's directory ({@code <pod-dir>/containers/<name>/<attempt>}) and the truth about
 * the container read from it. The runtime writes {@code container.properties} and {@code spec}
 * before starting it; the shim writes {@code pid} once the command runs and {@code exit} once it
 * has ended. Nothing else is kept, so a new runtime on the same state directory sees exactly what
 * the old one saw. Thread-safe: the files are written once, atomically.
 */
final class ContainerDir {
    static final String META = "container.properties";
    static final int LOST_EXIT_CODE = 137;

    private final ContainerId id;
    private final Path dir;
    private final String image;
    private final boolean limitsEnforced;
    private final String message;
    private final List<Path> cgroups;
    private volatile PidFile pid;
    private volatile ContainerInfo exited;

    private ContainerDir(ContainerId id, Path dir, Properties meta) {
        this.id = id;
        this.dir = dir;
        this.image = meta.getProperty("image", "");
        this.limitsEnforced = Boolean.parseBoolean(meta.getProperty("limitsEnforced"));
        String m = meta.getProperty("message", "");
        this.message = m.isEmpty() ? null : m;
        this.cgroups = meta.getProperty("cgroups", "").lines().filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    static ContainerDir create(ContainerId id, Path dir, String image, boolean limitsEnforced, String message,
                               List<Path> cgroups) throws IOException {
        Properties meta = new Properties();
        meta.setProperty("image", image);
        meta.setProperty("limitsEnforced", Boolean.toString(limitsEnforced));
        meta.setProperty("message", message == null ? "" : message);
        meta.setProperty("cgroups", String.join("\n", cgroups.stream().map(Path::toString).toList()));
        Path tmp = dir.resolve(META + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            meta.store(w, "capstan process runtime: " + id.uri("process"));
        }
        Files.move(tmp, dir.resolve(META), StandardCopyOption.ATOMIC_MOVE);
        return new ContainerDir(id, dir, meta);
    }

    /** The container in {@code dir}, if the runtime got as far as describing it there. */
    static Optional<ContainerDir> load(ContainerId id, Path dir) {
        Properties meta = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(META))) {
            meta.load(r);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(new ContainerDir(id, dir, meta));
    }

    ContainerId id() {
        return id;
    }

    Path dir() {
        return dir;
    }

    List<Path> cgroups() {
        return cgroups;
    }

    List<Path> cgroupProcs() {
        return cgroups.stream().map(c -> c.resolve("cgroup.procs")).toList();
    }

    Optional<PidFile> pidFile() {
        PidFile p = pid;
        if (p == null) {
            Map<String, String> kv = keys(dir.resolve("pid"));
            if (kv.isEmpty()) {
                return Optional.empty();
            }
            p = new PidFile(Long.parseLong(kv.get("pid")), Long.parseLong(kv.get("start")), kv.get("boot"),
                    Long.parseLong(kv.get("shim")), Long.parseLong(kv.get("shimstart")), nanos(kv.get("started")));
            pid = p;
        }
        return Optional.of(p);
    }

    /** The container's state now; {@code bootId} is this boot's, to tell a live pid from a reused one. */
    ContainerInfo status(String bootId) {
        ContainerInfo done = exited;
        if (done != null) {
            return done;
        }
        Optional<ContainerInfo> ended = readExit();
        if (ended.isPresent()) {
            return ended.get();
        }
        Optional<PidFile> p = pidFile();
        if (p.isEmpty()) {
            return new ContainerInfo(id, image, State.CREATED, 0, null, null, null, null, null, message, limitsEnforced);
        }
        PidFile pf = p.get();
        boolean running = ProcFs.alive(pf.pid(), pf.start(), pf.boot(), bootId)
                // the main process is gone but its shim is still draining the log: exit file imminent
                || ProcFs.alive(pf.shim(), pf.shimStart(), pf.boot(), bootId);
        if (running) {
            return new ContainerInfo(id, image, State.RUNNING, pf.pid(), pf.started(), null, null, null, null, message,
                    limitsEnforced);
        }
        return readExit().orElseGet(() -> recordLost(pf));
    }

    /**
     * The container ended without its shim recording how (the shim was killed, or the node
     * rebooted): Kubernetes' ContainerStatusUnknown with exit code 137, written down so every later
     * look agrees.
     */
    private ContainerInfo recordLost(PidFile pf) {
        try {
            Path tmp = dir.resolve("exit.tmp");
            Files.writeString(tmp, "code=" + LOST_EXIT_CODE + "\nsignal=0\noom=0\nfinished="
                    + nanosOf(Instant.now()) + "\nlost=1\n");
            Files.move(tmp, dir.resolve("exit"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return readExit().orElseThrow();
    }

    private Optional<ContainerInfo> readExit() {
        Map<String, String> kv = keys(dir.resolve("exit"));
        if (kv.isEmpty()) {
            return Optional.empty();
        }
        int code = Integer.parseInt(kv.get("code"));
        int signal = Integer.parseInt(kv.getOrDefault("signal", "0"));
        boolean oom = Long.parseLong(kv.getOrDefault("oom", "0")) > 0;
        boolean lost = kv.containsKey("lost");
        String reason = lost ? "ContainerStatusUnknown" : oom ? "OOMKilled" : code == 0 ? "Completed" : "Error";
        String why = lost ? "the container's process is gone and its exit code was not recorded "
                + "(its shim was killed or the node restarted)" : message;
        Optional<PidFile> p = pidFile();
        ContainerInfo info = new ContainerInfo(id, image, State.EXITED, p.map(PidFile::pid).orElse(0L),
                p.map(PidFile::started).orElse(null), nanos(kv.get("finished")), code, signal == 0 ? null : signal,
                reason, why, limitsEnforced);
        exited = info;
        return Optional.of(info);
    }

    /** What the shim recorded once the command ran. */
    record PidFile(long pid, long start, String boot, long shim, long shimStart, Instant started) {
    }

    private static Map<String, String> keys(Path file) {
        // a running container has no exit file, and the relist looks every second: no exception
        // (and its stack trace) for the common case; the catch below still covers a race
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            Map<String, String> kv = new HashMap<>();
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return kv;
        } catch (NoSuchFileException absent) {
            return Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Instant nanos(String value) {
        long n = Long.parseLong(value);
        return Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L);
    }

    private static long nanosOf(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
