package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.FileTrees;
import io.capstan.nodeagent.runtime.PodFiles;
import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.ExecSession;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The process runtime: each container is a host process, started and watched by its own shim
 * ({@code capstan-shim.pl}), in its own mount and UTS namespaces with a root assembled from the
 * image catalog, its volumes bound at their paths and its hostname set, in a cgroup carrying its
 * limits. Where the host allows no namespaces (not root) containers run on the host with their env
 * and working directory only, and where it allows no cgroups their limits are only recorded; both
 * are said in {@link ContainerInfo#message()} and {@link #capabilities()}.
 *
 * <p>Everything lives in the state directory: {@code pods/<uid>/} holds a pod's volumes, its
 * {@code logs/<container>/<attempt>.log} and {@code containers/<container>/<attempt>/} (the root,
 * the shim's spec, and the pid and exit files the shim writes). Containers outlive the runtime:
 * {@link #close()} leaves them running, and a new runtime on the same directory lists them
 * (running, or exited with their exit code) and never starts a second copy.
 *
 * <p>Thread-safe. Operations on one (pod, container name) are serialized; different containers
 * proceed in parallel.
 */
public final class ProcessRuntime implements ContainerRuntime {
    private static final String NAME = "process";
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    private final Path stateDir;
    private final ImageCatalog catalog;
    private final Options options;
    private final Shim shim;
    private final ImageStore images;
    private final Cgroups cgroups;
    private final Capabilities capabilities;
    private final PodNetns netns;
    private final String bootId = ProcFs.bootId();
    private final Map<ContainerId, ContainerDir> containers = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Thread imagePreparation;

    /**
     * How the runtime isolates: {@code isolation} false runs every container on the host (env and
     * working dir only) even where namespaces are allowed; {@code cgroupParent} places the
     * containers' cgroups (null: below the node-agent's own cgroup under v1, {@code /capstan} under
     * v2); {@code startTimeout} bounds the wait for a container's command to run;
     * {@code netnsNode} N &gt; 0 gives each pod its own network namespace on the bridge {@code capbr<N>}
     * (pod IPs in 198.18.N.0/24; needs root and {@code ip}), 0 leaves pods on the host's network.
     */
    public record Options(boolean isolation, String cgroupParent, Duration startTimeout, int netnsNode) {
        public static final Options DEFAULTS = new Options(true, null, Duration.ofSeconds(30));

        public Options(boolean isolation, String cgroupParent, Duration startTimeout) {
            this(isolation, cgroupParent, startTimeout, 0);
        }

        public Options withNetns(int nodeIndex) {
            return new Options(isolation, cgroupParent, startTimeout, nodeIndex);
        }
    }

    /** What this host let the runtime do; a null reason means the feature works. */
    public record Capabilities(boolean isolation, String isolationProblem, boolean limits, String limitsProblem) {
    }

    public ProcessRuntime(Path stateDir) {
        this(stateDir, ImageCatalog.builtin());
    }

    public ProcessRuntime(Path stateDir, ImageCatalog catalog) {
        this(stateDir, catalog, Options.DEFAULTS);
    }

    public ProcessRuntime(Path stateDir, ImageCatalog catalog, Options options) {
        this.stateDir = stateDir.toAbsolutePath();
        this.catalog = catalog;
        this.options = options;
        try {
            Files.createDirectories(this.stateDir.resolve("pods"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the runtime's state directory " + stateDir, e);
        }
        this.shim = Shim.install(this.stateDir.resolve("bin"));
        this.images = new ImageStore(this.stateDir.resolve("images"), catalog, Placeholders.ofThisJvm());
        String isolationProblem = options.isolation()
                ? shim.probeIsolation(this.stateDir.resolve("probe"))
                : "isolation is turned off";
        this.cgroups = Cgroups.detect(options.cgroupParent() == null ? "capstan" : options.cgroupParent());
        this.capabilities = new Capabilities(isolationProblem == null, isolationProblem,
                cgroups.problem() == null, cgroups.problem());
        // checks root and ip first: their messages say more than the probe's
        this.netns = options.netnsNode() > 0 ? new PodNetns(options.netnsNode(), this.stateDir.resolve("netns")) : null;
        if (netns != null && isolationProblem != null) {
            throw new IllegalStateException("capstan.node-agent.pod-network=netns needs the runtime's namespaces, "
                    + "which this host does not allow: " + isolationProblem);
        }
        recover();
        if (netns != null) {
            netns.removeStale(uid -> Files.isDirectory(podDir(uid)));
        }
        this.imagePreparation = Thread.ofPlatform().daemon().name("process-runtime-images").start(this::prepareImages);
    }

    /** Builds every image's directory ahead of the first pod, so no container start pays for it. */
    private void prepareImages() {
        for (String name : catalog.names()) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            try {
                images.prepare(catalog.resolve(name).orElseThrow());
            } catch (ImagePullFailure unusableHere) {
                // reported to the pod that asks for this image
            }
        }
    }

    /** The first three octets of node N's pod addresses when pods have network namespaces: {@code 198.18.N}. */
    public static String netnsSubnetPrefix(int nodeIndex) {
        return NetnsPlan.subnetPrefix(nodeIndex);
    }

    /** 198.18.N with pod network namespaces; null (loopback) without. */
    @Override
    public String podSubnetPrefix() {
        return options.netnsNode() > 0 ? netnsSubnetPrefix(options.netnsNode()) : null;
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PodSandbox runPodSandbox(PodSandboxConfig config) throws RuntimeFailure {
        Path podDir = podDir(checkName(config.podUid(), "pod uid"));
        try {
            Files.createDirectories(podDir.resolve("volumes"));
            Files.createDirectories(podDir.resolve("logs"));
            Files.createDirectories(podDir.resolve("containers"));
            boolean ownNetwork = netns != null && !config.hostNetwork();
            if (ownNetwork) {
                netns.setUp(config.podUid(), config.podIp(), podDir);
            }
            PodFiles.writeIfChanged(podDir.resolve("etc-hosts"), EtcFiles.hosts(config, ownNetwork));
            PodFiles.writeIfChanged(podDir.resolve("hostname"), PodFiles.hostname(config) + "\n");
            PodFiles.writeIfChanged(podDir.resolve("resolv.conf"), EtcFiles.resolvConf(config));
        } catch (IOException e) {
            throw new RuntimeFailure("CreatePodSandboxError", "cannot prepare the pod's sandbox " + podDir + ": "
                    + e.getMessage(), e);
        }
        return new PodSandbox(config.podUid(), podDir);
    }

    @Override
    public void removePodSandbox(String podUid) throws RuntimeFailure {
        Path podDir = podDir(checkName(podUid, "pod uid"));
        for (ContainerId id : List.copyOf(containers.keySet())) {
            if (id.podUid().equals(podUid)) {
                removeContainer(id);
            }
        }
        try {
            if (netns != null) {
                netns.tearDown(podUid);
            }
            Mounts.unmountBelow(podDir);
            FileTrees.delete(podDir);
        } catch (IOException e) {
            throw new RuntimeFailure("RemovePodSandboxError", "cannot delete " + podDir + ": " + e.getMessage(), e);
        }
        locks.keySet().removeIf(key -> key.startsWith(podUid + "/"));
    }

    @Override
    public ContainerInfo startContainer(ContainerConfig config) throws RuntimeFailure {
        ContainerId id = config.id();
        checkName(id.podUid(), "pod uid");
        checkName(id.container(), "container name");
        CatalogImage image = catalog.resolve(config.image()).orElseThrow(() -> new ImagePullFailure(
                "image \"" + config.image() + "\" is not in the process runtime's image catalog (it has "
                        + String.join(", ", catalog.names()) + ")"));
        PreparedImage prepared = images.prepare(image);
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Optional<ContainerInfo> live = liveCopy(id);
            if (live.isPresent()) {
                if (live.get().id().equals(id)) {
                    return live.get();
                }
                throw new RuntimeFailure("CreateContainerError", "container " + id.container() + " of pod "
                        + id.podUid() + " is still running as attempt " + live.get().id().attempt());
            }
            Path podDir = podDir(id.podUid());
            if (!Files.isDirectory(podDir.resolve("containers"))) {
                throw new RuntimeFailure("CreateContainerError", "pod " + id.podUid() + " has no sandbox");
            }
            Path dir = containerDir(id);
            if (Files.exists(dir)) {
                throw new RuntimeFailure("CreateContainerError", "container " + id.uri(NAME)
                        + " was already started once; a restart is a new attempt");
            }
            return launch(config, prepared, dir);
        } finally {
            lock.unlock();
        }
    }

    private ContainerInfo launch(ContainerConfig config, PreparedImage image, Path dir) throws RuntimeFailure {
        ContainerId id = config.id();
        Cgroups.Cgroup cgroup = null;
        boolean started = false;
        try {
            Files.createDirectories(dir);
            Path log = logPath(id);
            Files.createDirectories(log.getParent());
            cgroup = cgroups.create(cgroupName(id), config.resources());
            boolean isolated = capabilities.isolation();
            List<String> argv = Commands.argv(image, config.command(), config.args());
            Map<String, String> env = Commands.env(image, config);
            Optional<String> podNetns = podNetns(id.podUid());
            String workingDir = config.workingDir() == null || config.workingDir().isEmpty()
                    ? image.workingDir() : config.workingDir();
            ShimSpec spec = new ShimSpec();
            if (isolated) {
                Path rootfs = dir.resolve("rootfs");
                spec.op("isolate", "1").op("root", rootfs.toString())
                        .op("hostname", PodFiles.hostname(config.pod()));
                new RootfsBuilder(rootfs, spec).build(image, config.mounts(), podDir(id.podUid()), workingDir);
            } else {
                spec.op("isolate", "0");
                env = Commands.hostEnv(env, image);
                workingDir = Files.isDirectory(Path.of(workingDir)) ? workingDir : dir.toString();
            }
            if (podNetns.isPresent()) {
                spec.op("netns", PodNetns.path(podNetns.get()).toString());
            }
            spec.op("wd", workingDir).op("log", log.toString());
            for (Path procs : cgroup.procsFiles()) {
                spec.op("cgroup", procs.toString());
            }
            if (cgroup.oomFile() != null) {
                spec.op("oom", cgroup.oomFile().toString());
            }
            for (Map.Entry<String, String> e : env.entrySet()) {
                spec.op("env", e.getKey() + "=" + e.getValue());
            }
            for (String arg : argv) {
                spec.op("arg", arg);
            }
            spec.write(dir.resolve("spec"));
            String message = messages(isolated, cgroup);
            ContainerDir container = ContainerDir.create(id, dir, config.image(), cgroup.enforced(), message,
                    cgroup.dirs());
            shim.run(dir, options.startTimeout());
            started = true;
            containers.put(id, container);
            return container.status(bootId);
        } catch (IOException e) {
            throw new RuntimeFailure("CreateContainerError", "cannot prepare container " + id.container() + ": "
                    + e.getMessage(), e);
        } finally {
            if (!started) {
                discard(dir, cgroup);
            }
        }
    }

    private String messages(boolean isolated, Cgroups.Cgroup cgroup) {
        List<String> notes = new ArrayList<>();
        if (!isolated) {
            notes.add("not isolated (" + capabilities.isolationProblem() + "): runs on the host with its env and "
                    + "working dir only; volumes are not at their mount paths");
        }
        if (cgroup.message() != null) {
            notes.add(cgroup.message());
        }
        return notes.isEmpty() ? null : String.join("; ", notes);
    }

    private void discard(Path dir, Cgroups.Cgroup cgroup) {
        try {
            FileTrees.delete(dir);
        } catch (IOException ignored) {
            // a leftover directory of a container that never ran only costs disk
        }
        if (cgroup != null) {
            Cgroups.remove(cgroup.dirs());
        }
    }

    @Override
    public ContainerInfo stopContainer(ContainerId id, Duration gracePeriod) throws RuntimeFailure {
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            ContainerDir container = containers.get(id);
            if (container == null) {
                throw new RuntimeFailure("NotFound", "no container " + id.uri(NAME));
            }
            ContainerInfo info = container.status(bootId);
            if (info.state() != ContainerInfo.State.RUNNING) {
                return info;
            }
            Optional<ContainerDir.PidFile> pid = container.pidFile();
            if (pid.isPresent() && ProcFs.alive(pid.get().pid(), pid.get().start(), pid.get().boot(), bootId)
                    && !gracePeriod.isNegative() && !gracePeriod.isZero()) {
                ProcFs.signal(pid.get().pid(), false);
                info = awaitExit(container, gracePeriod);
                if (info.state() != ContainerInfo.State.RUNNING) {
                    return info;
                }
            }
            killEverything(container);
            info = awaitExit(container, Duration.ofSeconds(10));
            if (info.state() == ContainerInfo.State.RUNNING) {
                throw new RuntimeFailure("KillContainerError", "container " + id.uri(NAME)
                        + " did not exit after SIGKILL");
            }
            return info;
        } finally {
            lock.unlock();
        }
    }

    /** SIGKILL to the main process, its process group, its descendants and everything in its cgroup. */
    private void killEverything(ContainerDir container) {
        Optional<ContainerDir.PidFile> pid = container.pidFile();
        List<Long> victims = new ArrayList<>(ProcFs.cgroupMembers(container.cgroupProcs()));
        if (pid.isPresent() && ProcFs.alive(pid.get().pid(), pid.get().start(), pid.get().boot(), bootId)) {
            long main = pid.get().pid();
            victims.add(main);
            victims.addAll(ProcFs.processGroup(main));
            ProcessHandle.of(main).ifPresent(h -> h.descendants().forEach(d -> victims.add(d.pid())));
        }
        long self = ProcessHandle.current().pid();
        victims.stream().distinct().filter(p -> p != self).forEach(p -> ProcFs.signal(p, true));
    }

    private ContainerInfo awaitExit(ContainerDir container, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        long sleep = 2;
        ContainerInfo info = container.status(bootId);
        while (info.state() == ContainerInfo.State.RUNNING && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return info;
            }
            sleep = Math.min(50, sleep * 2);
            info = container.status(bootId);
        }
        return info;
    }

    @Override
    public void removeContainer(ContainerId id) throws RuntimeFailure {
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            ContainerDir container = containers.get(id);
            if (container == null) {
                return;
            }
            if (container.status(bootId).state() == ContainerInfo.State.RUNNING) {
                stopContainer(id, Duration.ZERO);
            }
            Cgroups.remove(container.cgroups());
            try {
                FileTrees.delete(container.dir());
            } catch (IOException e) {
                throw new RuntimeFailure("RemoveContainerError", "cannot delete " + container.dir() + ": "
                        + e.getMessage(), e);
            }
            containers.remove(id);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<ContainerInfo> containerStatus(ContainerId id) {
        ContainerDir container = containers.get(id);
        return container == null ? Optional.empty() : Optional.of(container.status(bootId));
    }

    @Override
    public List<ContainerInfo> listContainers() {
        return containers.values().stream()
                .map(c -> c.status(bootId))
                .sorted(Comparator.comparing((ContainerInfo i) -> i.id().podUid())
                        .thenComparing(i -> i.id().container()).thenComparingInt(i -> i.id().attempt()))
                .toList();
    }

    @Override
    public ExecSession exec(ContainerId id, List<String> command, boolean tty) throws RuntimeFailure {
        ContainerDir container = containers.get(id);
        if (container == null || container.status(bootId).state() != ContainerInfo.State.RUNNING) {
            throw new RuntimeFailure("ContainerNotRunning", "container " + id.container() + " is not running");
        }
        if (command.isEmpty()) {
            throw new RuntimeFailure("ExecError", "exec needs a command");
        }
        try {
            return new ProcessExecSession(shim.exec(container.dir(), command, tty), tty);
        } catch (IOException e) {
            throw new RuntimeFailure("ExecError", "cannot exec in " + id.container() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path logPath(ContainerId id) {
        return podDir(id.podUid()).resolve("logs").resolve(id.container()).resolve(id.attempt() + ".log");
    }

    @Override
    public List<String> images() {
        return catalog.names();
    }

    /** Leaves every container running: they belong to the node, not to this JVM; the shims run on by themselves. */
    @Override
    public void close() {
        imagePreparation.interrupt();
        try {
            imagePreparation.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<ContainerInfo> liveCopy(ContainerId id) {
        return containers.values().stream()
                .filter(c -> c.id().podUid().equals(id.podUid()) && c.id().container().equals(id.container()))
                .map(c -> c.status(bootId))
                .filter(ContainerInfo::running)
                .findFirst();
    }

    /**
     * Reads back every container a runtime on this state directory started before. A directory
     * without a pid file and older than the start timeout is a start the previous runtime never
     * finished (it died in between, or the command could not run): nothing runs there, so it goes.
     */
    private void recover() {
        Map<ContainerId, ContainerDir> found = new LinkedHashMap<>();
        try (DirectoryStream<Path> pods = Files.newDirectoryStream(stateDir.resolve("pods"))) {
            for (Path pod : pods) {
                Path byName = pod.resolve("containers");
                if (!Files.isDirectory(byName)) {
                    continue;
                }
                try (DirectoryStream<Path> names = Files.newDirectoryStream(byName)) {
                    for (Path name : names) {
                        try (DirectoryStream<Path> attempts = Files.newDirectoryStream(name, p ->
                                p.getFileName().toString().matches("\\d+"))) {
                            for (Path attempt : attempts) {
                                ContainerId id = new ContainerId(pod.getFileName().toString(),
                                        name.getFileName().toString(),
                                        Integer.parseInt(attempt.getFileName().toString()));
                                Optional<ContainerDir> container = ContainerDir.load(id, attempt);
                                boolean neverRan = container.map(c -> c.pidFile().isEmpty()).orElse(true);
                                if (neverRan && abandoned(attempt)) {
                                    discard(attempt, null);
                                } else {
                                    container.ifPresent(c -> found.put(id, c));
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the runtime's state in " + stateDir, e);
        }
        containers.putAll(found);
    }

    /** The network namespace the pod's sandbox has, if it has its own. */
    private Optional<String> podNetns(String podUid) throws IOException {
        Path network = podDir(podUid).resolve("network");
        if (netns == null || !Files.exists(network)) {
            return Optional.empty();
        }
        return Files.readAllLines(network).stream().filter(l -> l.startsWith("netns="))
                .map(l -> l.substring("netns=".length())).findFirst();
    }

    private boolean abandoned(Path dir) throws IOException {
        return Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(options.startTimeout()));
    }

    private Path podDir(String podUid) {
        return stateDir.resolve("pods").resolve(podUid);
    }

    private Path containerDir(ContainerId id) {
        return podDir(id.podUid()).resolve("containers").resolve(id.container()).resolve(Integer.toString(id.attempt()));
    }

    private ReentrantLock lock(ContainerId id) {
        return locks.computeIfAbsent(id.podUid() + "/" + id.container(), k -> new ReentrantLock());
    }

    private static String cgroupName(ContainerId id) {
        return "pod" + id.podUid() + "_" + id.container() + "_" + id.attempt();
    }

    private static String checkName(String value, String what) throws RuntimeFailure {
        if (value == null || !SAFE_NAME.matcher(value).matches()) {
            throw new RuntimeFailure("CreateContainerError", "bad " + what + " \"" + value + "\"");
        }
        return value;
    }

}
