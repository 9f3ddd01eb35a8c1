package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.ContainerConfig.Resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One cgroup per container, in v1 (a directory per controller, memory and cpu) or v2 (one
 * directory): it carries the memory and cpu limits, counts OOM kills, and lists every process the
 * container started so stopping it leaves nothing behind. Where the host does not let the
 * node-agent create cgroups the runtime still runs containers and says that limits are only
 * recorded.
 *
 * <p>Placement: under v1 the containers' cgroups go below the node-agent's own cgroup (so whatever
 * bounds the agent bounds its containers too); under v2 at the top of the hierarchy, as kubelet's
 * {@code kubepods}, because v2 only delegates controllers to children of a cgroup that holds no
 * processes itself. An absolute {@code parent} ("/capstan") is taken from the hierarchy's root.
 */
final class Cgroups {
    private static final long CPU_PERIOD_US = 100_000;

    enum Version { V1, V2, NONE }

    private final Version version;
    private final Path memoryParent;
    private final Path cpuParent;
    private final String problem;

    private Cgroups(Version version, Path memoryParent, Path cpuParent, String problem) {
        this.version = version;
        this.memoryParent = memoryParent;
        this.cpuParent = cpuParent;
        this.problem = problem;
    }

    /** What this host offers, from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. */
    static Cgroups detect(String parent) {
        try {
            List<Mount> mounts = mounts();
            Map<String, String> own = ownCgroups();
            Mount memory = mounts.stream().filter(m -> m.type().equals("cgroup") && m.options().contains("memory"))
                    .findFirst().orElse(null);
            Mount cpu = mounts.stream().filter(m -> m.type().equals("cgroup") && m.options().contains("cpu"))
                    .findFirst().orElse(null);
            if (memory != null || cpu != null) {
                Path memoryParent = memory == null ? null : parentDir(memory, own.get("memory"), parent, false);
                Path cpuParent = cpu == null ? null : parentDir(cpu, own.get("cpu"), parent, false);
                for (Path p : Arrays.asList(memoryParent, cpuParent)) {
                    if (p != null) {
                        Files.createDirectories(p);
                    }
                }
                return new Cgroups(Version.V1, memoryParent, cpuParent,
                        memory == null ? "the memory cgroup controller is not mounted" : null);
            }
            Mount unified = mounts.stream().filter(m -> m.type().equals("cgroup2")).findFirst().orElse(null);
            if (unified == null) {
                return none("no cgroup filesystem is mounted");
            }
            Path dir = parentDir(unified, own.get(""), parent, true);
            Files.createDirectories(dir);
            String available = Files.readString(dir.getParent().resolve("cgroup.controllers"));
            List<String> wanted = List.of("memory", "cpu", "pids").stream()
                    .filter(c -> Set.of(available.trim().split("\\s+")).contains(c)).toList();
            for (Path p : List.of(dir.getParent(), dir)) {
                for (String c : wanted) {
                    writeIfPossible(p.resolve("cgroup.subtree_control"), "+" + c);
                }
            }
            String delegated = Files.readString(dir.resolve("cgroup.subtree_control"));
            String problem = delegated.contains("memory") ? null
                    : "cgroup v2 does not delegate the memory controller to " + dir
                    + " (its parent holds processes or does not enable it)";
            return new Cgroups(Version.V2, dir, dir, problem);
        } catch (IOException | RuntimeException e) {
            return none("cannot create cgroups: " + e.getMessage());
        }
    }

    static Cgroups none(String why) {
        return new Cgroups(Version.NONE, null, null, why);
    }

    /** Null when limits can be enforced, else why not. */
    String problem() {
        return problem;
    }

    /**
     * Creates the container's cgroup and applies its limits. Never throws: a cgroup that cannot be
     * made or a limit that cannot be set is reported through {@link Cgroup#enforced()}.
     */
    Cgroup create(String name, Resources resources) {
        Resources r = resources == null ? Resources.NONE : resources;
        List<String> failures = new ArrayList<>();
        if (problem != null) {
            failures.add(problem);
        }
        List<Path> dirs = new ArrayList<>();
        Path oom = null;
        try {
            if (version == Version.V1) {
                if (memoryParent != null) {
                    Path mem = Files.createDirectories(memoryParent.resolve(name));
                    dirs.add(mem);
                    oom = mem.resolve("memory.oom_control");
                    if (r.memoryLimitBytes() != null) {
                        write(mem.resolve("memory.limit_in_bytes"), r.memoryLimitBytes(), failures);
                        writeIfPossible(mem.resolve("memory.memsw.limit_in_bytes"), String.valueOf(r.memoryLimitBytes()));
                    }
                }
                if (cpuParent != null) {
                    Path cpu = Files.createDirectories(cpuParent.resolve(name));
                    dirs.add(cpu);
                    if (r.cpuLimitMillis() != null) {
                        write(cpu.resolve("cpu.cfs_period_us"), CPU_PERIOD_US, failures);
                        write(cpu.resolve("cpu.cfs_quota_us"), quota(r.cpuLimitMillis()), failures);
                    }
                    if (r.cpuRequestMillis() != null) {
                        write(cpu.resolve("cpu.shares"), Math.max(2, r.cpuRequestMillis() * 1024 / 1000), failures);
                    }
                } else if (r.cpuLimitMillis() != null) {
                    failures.add("the cpu cgroup controller is not mounted");
                }
            } else if (version == Version.V2) {
                Path dir = Files.createDirectories(memoryParent.resolve(name));
                dirs.add(dir);
                oom = dir.resolve("memory.events");
                if (r.memoryLimitBytes() != null) {
                    write(dir.resolve("memory.max"), r.memoryLimitBytes(), failures);
                    writeIfPossible(dir.resolve("memory.swap.max"), "0");
                }
                if (r.cpuLimitMillis() != null) {
                    writeText(dir.resolve("cpu.max"), quota(r.cpuLimitMillis()) + " " + CPU_PERIOD_US, failures);
                }
                if (r.cpuRequestMillis() != null) {
                    long shares = Math.max(2, r.cpuRequestMillis() * 1024 / 1000);
                    write(dir.resolve("cpu.weight"), 1 + ((shares - 2) * 9999) / 262142, failures);
                }
            }
        } catch (IOException e) {
            failures.add("cannot create cgroup " + name + ": " + e.getMessage());
        }
        boolean enforced = version != Version.NONE && !dirs.isEmpty() && failures.isEmpty();
        String message = enforced ? null
                : "resource limits are recorded, not enforced: " + String.join("; ", failures);
        return new Cgroup(List.copyOf(dirs), oom, enforced, message);
    }

    /** Removes the container's cgroup directories (they must be empty of processes). */
    static boolean remove(List<Path> dirs) {
        boolean all = true;
        for (Path dir : dirs) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException busy) {
                all = false;
            }
        }
        return all;
    }

    private static long quota(long millis) {
        return Math.max(1000, millis * CPU_PERIOD_US / 1000);
    }

    private static void write(Path file, long value, List<String> failures) {
        writeText(file, String.valueOf(value), failures);
    }

    private static void writeText(Path file, String value, List<String> failures) {
        try {
            Files.writeString(file, value, StandardOpenOption.WRITE);
        } catch (IOException e) {
            failures.add("cannot write " + value + " to " + file + ": " + e.getMessage());
        }
    }

    private static void writeIfPossible(Path file, String value) {
        try {
            if (Files.exists(file)) {
                Files.writeString(file, value, StandardOpenOption.WRITE);
            }
        } catch (IOException ignored) {
            // optional settings (swap limits, controller delegation): their absence shows elsewhere
        }
    }

    private static Path parentDir(Mount mount, String ownPath, String parent, boolean topLevel) {
        if (parent.startsWith("/") || topLevel && !parent.contains("/")) {
            return mount.point().resolve(parent.replaceFirst("^/+", ""));
        }
        String own = ownPath == null ? "/" : ownPath;
        if (!mount.root().equals("/") && own.startsWith(mount.root())) {
            own = own.substring(mount.root().length());
        }
        return mount.point().resolve(own.replaceFirst("^/+", "")).resolve(parent);
    }

    private record Mount(Path point, String root, String type, Set<String> options) {
    }

    private static List<Mount> mounts() throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] left = line.substring(0, dash).split(" ");
            String[] right = line.substring(dash + 3).split(" ");
            if (left.length < 5 || right.length < 3) {
                continue;
            }
            mounts.add(new Mount(Path.of(unescape(left[4])), unescape(left[3]), right[0],
                    Set.of(right[2].split(","))));
        }
        return mounts;
    }

    /** Controller (or "" for v2) to the node-agent's own cgroup path. */
    private static Map<String, String> ownCgroups() throws IOException {
        Map<String, String> own = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3) {
                for (String controller : parts[1].split(",")) {
                    own.put(controller, parts[2]);
                }
            }
        }
        return own;
    }

    private static String unescape(String mountinfoField) {
        return mountinfoField.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
    }

    /** A container's cgroup: its directories, the file counting OOM kills, whether limits hold. */
    record Cgroup(List<Path> dirs, Path oomFile, boolean enforced, String message) {
        List<Path> procsFiles() {
            return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
        }
    }
}
