package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.FileTrees;
import io.capstan.nodeagent.runtime.PodFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.ExecSession;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The docker runtime: pods and containers as Docker containers, through the Docker Engine API
 * (docker-java over the daemon's socket). A pod's sandbox is a "pause" container that owns the
 * pod's network namespace on a bridge network of the runtime's (its IP is the pod's IP, its
 * hostname the pod's) and an IPC namespace the pod's containers join; every container of the pod
 * joins both, so they share localhost, the address and the hostname, as in Kubernetes. Where
 * the runtime can enter that namespace (root, the daemon on this host), the node's services on
 * the host's loopback are routed into it over the bridge ({@link HostServicesRoutes}); where it
 * cannot, the pod's containers say so in their message. With a
 * shared network ({@code container:<name-or-id>} or {@code host}, see {@link Options}) every pause
 * container joins that one network namespace instead, and pods are addresses on its loopback, as
 * the process runtime's loopback pod network.
 *
 * <p>Docker keeps the state: containers carry their {@link ContainerId} in labels and have names
 * derived from it, so a new runtime on the same state directory lists what an earlier one started
 * and never starts a second copy. The state directory holds the pods' directories
 * ({@code pods/<uid>/}: volumes, the kubelet-written {@code etc-hosts} and {@code resolv.conf},
 * and the CRI logs {@code logs/<container>/<attempt>.log}, copied from Docker's log stream by a
 * {@link LogFollower} per container, across restarts of the runtime without loss or repetition).
 * {@link #close()} leaves every container running.
 *
 * <p>Images are Docker's: a name resolves as Docker resolves it, one the daemon lacks is pulled
 * (unless pulling is off) and a failed pull is an {@link ImagePullFailure}. Limits are Docker's
 * cgroups (memory, memory+swap, CFS quota, shares); an OOM kill is Docker's {@code OOMKilled}.
 * Docker records exit codes, not signals: a code above 128 is reported as the signal code - 128.
 *
 * <p>Thread-safe. Operations on one (pod, container name) and on one pod's sandbox are
 * serialized; the rest proceed in parallel.
 */
public final class DockerRuntime implements ContainerRuntime {
    private static final Logger LOG = Logger.getLogger(DockerRuntime.class);
    private static final String NAME = "docker";
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
    private static final Pattern SUBNET = Pattern.compile("(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})\\.0/24");
    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    private static final Duration LOG_DRAIN = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The network mode prefix of a shared network namespace: {@code container:<name-or-id>}. */
    private static final String CONTAINER_MODE = "container:";
    /** Loops until SIGTERM; as PID 1 of its container only a trapped signal ends it. */
    private static final String PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";

    private final Path stateDir;
    private final Options options;
    private final String instance;
    private final DockerClientConfig config;
    private final DockerHttpClient http;
    private final DockerClient docker;
    private final String serverVersion;
    private final boolean memoryLimits;
    private final boolean cpuLimits;
    private final Map<ContainerId, LogFollower> followers = new ConcurrentHashMap<>();
    private final Map<String, ContainerInfo> exited = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Bridged pods (uid) that cannot reach the node's services on the host's loopback, and why. */
    private final Map<String, String> servicesUnreachable = new ConcurrentHashMap<>();
    /** Container name to whether the daemon's event log has an "oom" for it (asked once per exited container). */
    private final Map<String, Boolean> oomEvents = new ConcurrentHashMap<>();
    private final Set<String> servicesProblemsLogged = ConcurrentHashMap.newKeySet();
    private final HostServicesRoutes hostServices;
    private volatile boolean closed;

    /**
     * Where the daemon is and how pods are networked. {@code dockerHost} null means
     * {@code DOCKER_HOST}, else {@code unix:///var/run/docker.sock}; {@code network} is the bridge
     * network the runtime creates if missing, with {@code subnet} (a /24, gateway .1, pod IPs .2
     * to .254), or a shared network: {@code container:<name-or-id>} (a running container's network
     * namespace, the node-agent's own, say) or {@code host}, which every pod's sandbox joins, with
     * no network made, no subnet (it is then ignored) and the pod IPs the node-agent allocates on
     * loopback (127.244.N.0/24), so pods share ports; {@code pullImages} false never pulls (an
     * image the daemon lacks is an ImagePullFailure at once); {@code pauseImage} runs every pod's
     * sandbox (it needs {@code sh}, {@code trap} and {@code sleep}).
     */
    public record Options(String dockerHost, String network, String subnet, boolean pullImages, String pauseImage,
                          Duration pullTimeout) {
        public Options {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(pauseImage, "pauseImage");
            Objects.requireNonNull(pullTimeout, "pullTimeout");
            if (network.isBlank() || network.equals(CONTAINER_MODE)) {
                throw new IllegalArgumentException("the docker runtime's network must be a network's name, "
                        + "container:<name-or-id> or host, was \"" + network + "\"");
            }
            if (subnet == null || !SUBNET.matcher(subnet).matches()) {
                throw new IllegalArgumentException("the docker runtime's pod subnet must be a /24 such as 198.19.1.0/24, was "
                        + subnet);
            }
        }

        /** Node N's defaults: the network {@code capstan-node<N>} with 198.19.N.0/24, pulling, busybox as pause. */
        public static Options forNode(int nodeIndex) {
            return new Options(null, "capstan-node" + nodeIndex, defaultSubnet(nodeIndex), true, "busybox",
                    Duration.ofMinutes(5));
        }

        public Options withDockerHost(String host) {
            return new Options(host, network, subnet, pullImages, pauseImage, pullTimeout);
        }

        public Options withNetwork(String name, String cidr) {
            return new Options(dockerHost, name, cidr, pullImages, pauseImage, pullTimeout);
        }

        public Options withPullImages(boolean pull) {
            return new Options(dockerHost, network, subnet, pull, pauseImage, pullTimeout);
        }

        public Options withPauseImage(String image) {
            return new Options(dockerHost, network, subnet, pullImages, image, pullTimeout);
        }

        /**
         * Whether every pod's sandbox joins one network namespace ({@code container:<x>} or
         * {@code host}) rather than the runtime's bridge network.
         */
        public boolean sharedNetwork() {
            return network.equals("host") || network.startsWith(CONTAINER_MODE);
        }

        /** The first three octets of the bridge network's pod addresses: {@code 198.19.N}. */
        public String subnetPrefix() {
            Matcher m = SUBNET.matcher(subnet);
            if (!m.matches()) {
                throw new IllegalStateException(subnet);
            }
            return m.group(1);
        }

        String gateway() {
            return subnetPrefix() + ".1";
        }
    }

    /** Node N's default pod subnet, 198.19.N.0/24: beside the process runtime's 198.18.N.0/24 (netns) and 127.244.N.0/24. */
    public static String defaultSubnet(int nodeIndex) {
        return "198.19." + nodeIndex + ".0/24";
    }

    /**
     * Connects to the daemon (failing at once, with the reason, when it cannot), makes the pod
     * network if it is missing (with a shared network: checks that its container runs), and
     * takes over the containers an earlier runtime on this state directory started: their logs
     * are brought up to date before the constructor returns.
     */
    public DockerRuntime(Path stateDir, Options options) {
        this.stateDir = stateDir.toAbsolutePath();
        this.options = options;
        this.instance = DockerNames.instance(this.stateDir);
        try {
            Files.createDirectories(this.stateDir.resolve("pods"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the runtime's state directory " + stateDir, e);
        }
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder();
        if (options.dockerHost() != null && !options.dockerHost().isBlank()) {
            builder.withDockerHost(options.dockerHost());
        }
        this.config = builder.build();
        this.http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).connectionTimeout(Duration.ofSeconds(10)).build();
        this.docker = DockerClientImpl.getInstance(config, http);
        Info info;
        try {
            this.serverVersion = docker.versionCmd().exec().getVersion();
            info = docker.infoCmd().exec();
        } catch (RuntimeException e) {
            closeClient();
            throw new IllegalStateException("the docker runtime cannot reach the Docker daemon at " + config.getDockerHost()
                    + ": " + message(e), e);
        }
        this.memoryLimits = Boolean.TRUE.equals(info.getMemoryLimit());
        this.cpuLimits = Boolean.TRUE.equals(info.getCpuCfsQuota());
        this.hostServices = options.sharedNetwork() ? null : new HostServicesRoutes();
        try {
            if (options.network().startsWith(CONTAINER_MODE)) {
                checkSharedContainer();
            } else if (!options.sharedNetwork()) {
                ensureNetwork();
            }
            recover();
        } catch (RuntimeException e) {
            closeClient();
            throw e;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The daemon's version, e.g. {@code 20.10.24} (kubelet reports {@code docker://<version>}). */
    @Override
    public String version() {
        return serverVersion;
    }

    /**
     * The first three octets of this runtime's pod addresses, from which the node-agent allocates;
     * null with a shared network ({@code container:<x>}, {@code host}): the runtime has no subnet
     * of its own and the node-agent allocates on loopback, as for the process runtime's loopback
     * pod network.
     */
    @Override
    public String podSubnetPrefix() {
        return options.sharedNetwork() ? null : options.subnetPrefix();
    }

    /** Whether every pod's sandbox joins one shared network namespace ({@code container:<x>} or {@code host}). */
    public boolean sharedNetwork() {
        return options.sharedNetwork();
    }

    /** Whether the daemon enforces memory and CPU limits (its cgroups have the memory controller and CFS quota). */
    public boolean limitsSupported() {
        return memoryLimits && cpuLimits;
    }

    // ---- sandboxes ----

    @Override
    public PodSandbox runPodSandbox(PodSandboxConfig config) throws RuntimeFailure {
        String uid = checkName(config.podUid(), "pod uid", "CreatePodSandboxError");
        Path podDir = podDir(uid);
        ReentrantLock lock = lock(uid + "/");
        lock.lock();
        try {
            Files.createDirectories(podDir.resolve("volumes"));
            Files.createDirectories(podDir.resolve("logs"));
            if (!config.hostNetwork()) {
                PodFiles.writeIfChanged(podDir.resolve("etc-hosts"), PodFiles.kubeletHosts(config));
            }
            if (config.dns() != null) {
                PodFiles.writeIfChanged(podDir.resolve("resolv.conf"), config.dns().resolvConf());
            }
            String name = DockerNames.sandboxName(instance, uid);
            Optional<InspectContainerResponse> existing = inspect(name);
            if (existing.isPresent()) {
                if (Boolean.TRUE.equals(existing.get().getState().getRunning())) {
                    // taken over from an earlier runtime, or asked again: the routes may be missing (they are re-applied harmlessly)
                    routeHostServices(config, existing.get());
                    return new PodSandbox(uid, podDir);
                }
                // a pause container that died took the pod's network namespace with it: make a new one
                LOG.infof("the sandbox of pod %s is not running (%s); making it anew", uid,
                        existing.get().getState().getStatus());
                remove(name);
            }
            startSandbox(config, name, podDir);
            if (bridged(config)) {
                Optional<InspectContainerResponse> started = inspect(name);
                if (started.isPresent()) {
                    routeHostServices(config, started.get());
                }
            }
            return new PodSandbox(uid, podDir);
        } catch (IOException e) {
            throw new RuntimeFailure("CreatePodSandboxError", "cannot prepare the pod's sandbox " + podDir + ": "
                    + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Whether the pod's sandbox is on the runtime's bridge network (not hostNetwork, not a shared namespace). */
    private boolean bridged(PodSandboxConfig config) {
        return !config.hostNetwork() && !options.sharedNetwork();
    }

    /**
     * Routes the node's services on the host's loopback (Service, LoadBalancer and node IPs) into a
     * bridged pod's network namespace ({@link HostServicesRoutes}). Never fails the pod: when it
     * cannot be done, the pod's containers say so in their message and the reason is logged once.
     */
    private void routeHostServices(PodSandboxConfig config, InspectContainerResponse pause) {
        if (!bridged(config) || hostServices == null) {
            return;
        }
        String uid = config.podUid();
        String problem;
        Long pid = pause.getState().getPidLong();
        String podIp = podIp(pause);
        if (podIp == null) {
            problem = "the pause container has no address on the network " + options.network();
        } else {
            problem = hostServices.apply(bridgeName(), options.gateway(), pid == null ? 0 : pid, podIp);
        }
        if (problem == null) {
            servicesUnreachable.remove(uid);
            LOG.debugf("pod %s reaches the node's services on the host's loopback through the bridge", uid);
            return;
        }
        servicesUnreachable.put(uid, problem);
        if (servicesProblemsLogged.size() < 100 && servicesProblemsLogged.add(problem)) {
            LOG.warnf("docker runtime: bridged pods (pod %s, and others for the same reason) cannot reach the node's "
                    + "Services, NodePorts and cluster DNS on the host's loopback: %s", uid, problem);
        } else {
            LOG.debugf("pod %s cannot reach the node's services on the host's loopback: %s", uid, problem);
        }
    }

    /** The pause container's address on the runtime's network. */
    private String podIp(InspectContainerResponse pause) {
        if (pause.getNetworkSettings() == null || pause.getNetworkSettings().getNetworks() == null) {
            return null;
        }
        var network = pause.getNetworkSettings().getNetworks().get(options.network());
        return network == null || network.getIpAddress() == null || network.getIpAddress().isBlank() ? null
                : network.getIpAddress();
    }

    /** The host's interface of the runtime's network: Docker's {@code br-<12 hex digits of its id>}, or the one it was given. */
    private String bridgeName() {
        try {
            Network network = docker.inspectNetworkCmd().withNetworkId(options.network()).exec();
            String named = network.getOptions() == null ? null : network.getOptions().get("com.docker.network.bridge.name");
            if (named != null && !named.isBlank()) {
                return named;
            }
            return "br-" + network.getId().substring(0, Math.min(12, network.getId().length()));
        } catch (RuntimeException e) {
            LOG.debugf("cannot inspect the network %s: %s", options.network(), message(e));
            return null;
        }
    }

    private void startSandbox(PodSandboxConfig config, String name, Path podDir) throws RuntimeFailure {
        try {
            ensureImage(options.pauseImage());
        } catch (ImagePullFailure e) {
            throw new RuntimeFailure("CreatePodSandboxError", "the pod sandbox's image: " + e.getMessage(), e);
        }
        List<Mount> mounts = new ArrayList<>();
        if (!config.hostNetwork()) {
            mounts.add(bind(podDir.resolve("etc-hosts"), "/etc/hosts", false));
        }
        if (config.dns() != null) {
            mounts.add(bind(podDir.resolve("resolv.conf"), "/etc/resolv.conf", false));
        }
        // with a shared network the node's network is that namespace, for hostNetwork pods too
        String networkMode = config.hostNetwork() && !options.sharedNetwork() ? "host" : options.network();
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(networkMode)
                .withIpcMode("shareable")
                .withMounts(mounts)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE, Map.of("max-size", "1m")));
        CreateContainerCmd create = docker.createContainerCmd(options.pauseImage()).withName(name)
                .withLabels(DockerNames.sandboxLabels(instance, stateDir, config))
                .withEntrypoint("/bin/sh", "-c", PAUSE_SCRIPT).withCmd(List.of())
                .withHostConfig(host);
        // Docker refuses a hostname with a container: network mode (the pod's hostname is then in
        // its /etc/hosts and HOSTNAME); the pod IP of a shared network is on its loopback, no --ip
        if (!config.hostNetwork() && !networkMode.startsWith(CONTAINER_MODE)) {
            create.withHostName(PodFiles.hostname(config));
        }
        if (!config.hostNetwork() && !options.sharedNetwork() && config.podIp() != null && !config.podIp().isBlank()) {
            create.withIpv4Address(config.podIp());
        }
        try {
            create.exec();
        } catch (RuntimeException e) {
            throw new RuntimeFailure("CreatePodSandboxError", "cannot create the pod's sandbox: " + message(e), e);
        }
        try {
            docker.startContainerCmd(name).exec();
        } catch (RuntimeException e) {
            remove(name);
            throw new RuntimeFailure("CreatePodSandboxError", "cannot start the pod's sandbox: " + message(e), e);
        }
    }

    @Override
    public void removePodSandbox(String podUid) throws RuntimeFailure {
        String uid = checkName(podUid, "pod uid", "RemovePodSandboxError");
        ReentrantLock lock = lock(uid + "/");
        lock.lock();
        try {
            oomEvents.keySet().removeIf(name -> name.contains(uid));
            List<Container> containers;
            try {
                containers = list(Map.of(DockerNames.POD_UID, uid));
            } catch (RuntimeException e) {
                throw new RuntimeFailure("RemovePodSandboxError", "cannot list the containers of pod " + uid + ": "
                        + message(e), e);
            }
            // the pod's containers first: they hold the pause container's namespaces
            containers.sort(Comparator.comparing(c -> DockerNames.SANDBOX.equals(c.getLabels().get(DockerNames.TYPE))));
            for (Container c : containers) {
                DockerNames.containerId(c.getLabels()).ifPresent(this::forget);
                try {
                    remove(c.getId());
                } catch (RuntimeFailure e) {
                    throw new RuntimeFailure("RemovePodSandboxError", e.getMessage(), e);
                }
            }
            servicesUnreachable.remove(uid);
            try {
                FileTrees.delete(podDir(uid));
            } catch (IOException e) {
                throw new RuntimeFailure("RemovePodSandboxError", "cannot delete " + podDir(uid) + ": " + e.getMessage(), e);
            }
        } finally {
            lock.unlock();
            locks.keySet().removeIf(key -> key.startsWith(uid + "/"));
        }
    }

    // ---- containers ----

    @Override
    public ContainerInfo startContainer(ContainerConfig config) throws RuntimeFailure {
        ContainerId id = config.id();
        checkName(id.podUid(), "pod uid", "CreateContainerError");
        checkName(id.container(), "container name", "CreateContainerError");
        ensureImage(config.image());
        ReentrantLock lock = lock(id.podUid() + "/" + id.container());
        lock.lock();
        try {
            for (Container c : list(Map.of(DockerNames.POD_UID, id.podUid(), DockerNames.CONTAINER_NAME, id.container()))) {
                Optional<ContainerId> other = DockerNames.containerId(c.getLabels());
                if (other.isEmpty()) {
                    continue;
                }
                boolean running = "running".equals(c.getState()) || "restarting".equals(c.getState())
                        || "paused".equals(c.getState());
                if (running && other.get().equals(id)) {
                    return containerStatus(id).orElseThrow(() -> new RuntimeFailure("CreateContainerError",
                            "container " + id.uri(NAME) + " vanished"));
                }
                if (running) {
                    throw new RuntimeFailure("CreateContainerError", "container " + id.container() + " of pod "
                            + id.podUid() + " is still running as attempt " + other.get().attempt());
                }
                if (other.get().equals(id)) {
                    if ("created".equals(c.getState())) {
                        // a start an earlier runtime never finished: nothing ran there
                        remove(c.getId());
                        continue;
                    }
                    throw new RuntimeFailure("CreateContainerError", "container " + id.uri(NAME)
                            + " was already started once; a restart is a new attempt");
                }
            }
            Path podDir = podDir(id.podUid());
            if (!Files.isDirectory(podDir)) {
                throw new RuntimeFailure("CreateContainerError", "pod " + id.podUid() + " has no sandbox");
            }
            String sandbox = DockerNames.sandboxName(instance, id.podUid());
            Optional<InspectContainerResponse> pause = inspect(sandbox);
            if (pause.isEmpty() || !Boolean.TRUE.equals(pause.get().getState().getRunning())) {
                throw new RuntimeFailure("CreateContainerError", "the sandbox of pod " + id.podUid() + " is not running");
            }
            return launch(config, sandbox, podDir);
        } catch (RuntimeException e) {
            throw new RuntimeFailure("CreateContainerError", "cannot start container " + id.container() + ": "
                    + message(e), e);
        } finally {
            lock.unlock();
        }
    }

    private ContainerInfo launch(ContainerConfig config, String sandbox, Path podDir) throws RuntimeFailure {
        ContainerId id = config.id();
        String name = DockerNames.containerName(instance, id);
        Path log = logPath(id);
        try {
            Files.createDirectories(log.getParent());
        } catch (IOException e) {
            throw new RuntimeFailure("CreateContainerError", "cannot create " + log.getParent() + ": " + e.getMessage(), e);
        }
        Map<String, String> env = new LinkedHashMap<>(config.env() == null ? Map.of() : config.env());
        if (!config.pod().hostNetwork() && options.network().startsWith(CONTAINER_MODE)) {
            // the container's hostname is the shared namespace's container's: the pod's in HOSTNAME at least
            env.putIfAbsent("HOSTNAME", PodFiles.hostname(config.pod()));
        }
        CreateContainerCmd create = docker.createContainerCmd(config.image()).withName(name)
                .withLabels(DockerNames.containerLabels(instance, stateDir, id, config.pod(), config.image()))
                .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withTty(config.tty()).withStdinOpen(config.stdin())
                .withHostConfig(hostConfig(config, sandbox, podDir));
        ContainerCommands.apply(create, config.command(), config.args());
        if (config.workingDir() != null && !config.workingDir().isEmpty()) {
            create.withWorkingDir(config.workingDir());
        }
        try {
            create.exec();
        } catch (RuntimeException e) {
            throw new RuntimeFailure("CreateContainerError", message(e), e);
        }
        try {
            docker.startContainerCmd(name).exec();
        } catch (RuntimeException e) {
            // as a process that could not be executed: nothing ran, the same id may be tried again
            remove(name);
            throw new RuntimeFailure("RunContainerError", message(e), e);
        }
        try {
            LogFollower follower = new LogFollower(http, name, id.uri(NAME), log, config.tty());
            followers.put(id, follower);
            follower.follow(() -> running(name));
        } catch (IOException e) {
            LOG.warnf("cannot copy the log of %s to %s: %s", id.uri(NAME), log, e.getMessage());
        }
        InspectContainerResponse started = inspect(name).orElseThrow(() -> new RuntimeFailure("RunContainerError",
                "container " + id.uri(NAME) + " vanished right after its start"));
        return info(id, started, false);
    }

    private HostConfig hostConfig(ContainerConfig config, String sandbox, Path podDir) {
        List<Mount> mounts = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (ContainerConfig.Mount m : config.mounts() == null ? List.<ContainerConfig.Mount>of() : config.mounts()) {
            mounts.add(bind(m.hostPath(), m.containerPath(), m.readOnly()));
            targets.add(m.containerPath());
        }
        // kubelet's files, unless the pod mounts its own there
        if (!config.pod().hostNetwork() && !targets.contains("/etc/hosts")) {
            mounts.add(bind(podDir.resolve("etc-hosts"), "/etc/hosts", false));
        }
        if (config.pod().dns() != null && !targets.contains("/etc/resolv.conf")) {
            mounts.add(bind(podDir.resolve("resolv.conf"), "/etc/resolv.conf", false));
        }
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode("container:" + sandbox)
                .withIpcMode("container:" + sandbox)
                .withMounts(mounts)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE, Map.of("max-size", "10m", "max-file", "2")));
        ContainerConfig.Resources r = config.resources() == null ? ContainerConfig.Resources.NONE : config.resources();
        if (r.memoryLimitBytes() != null) {
            // no swap beyond the limit, as kubelet configures it
            host.withMemory(r.memoryLimitBytes()).withMemorySwap(r.memoryLimitBytes());
        }
        if (r.cpuLimitMillis() != null) {
            host.withCpuPeriod(100_000L).withCpuQuota(Math.max(1000L, r.cpuLimitMillis() * 100));
        }
        if (r.cpuRequestMillis() != null) {
            host.withCpuShares((int) Math.max(2, r.cpuRequestMillis() * 1024 / 1000));
        }
        return host;
    }

    @Override
    public ContainerInfo stopContainer(ContainerId id, Duration gracePeriod) throws RuntimeFailure {
        ReentrantLock lock = lock(id.podUid() + "/" + id.container());
        lock.lock();
        try {
            String name = DockerNames.containerName(instance, id);
            InspectContainerResponse inspected = inspect(name)
                    .orElseThrow(() -> new RuntimeFailure("NotFound", "no container " + id.uri(NAME)));
            if (!Boolean.TRUE.equals(inspected.getState().getRunning())) {
                return info(id, inspected, true);
            }
            // a 137 after this is the runtime's own SIGKILL: no need to ask the event log about an OOM
            oomEvents.put(name, false);
            try {
                if (gracePeriod.isNegative() || gracePeriod.isZero()) {
                    docker.killContainerCmd(name).withSignal("KILL").exec();
                } else {
                    // Docker's grace is whole seconds: never shorter than asked
                    long seconds = (gracePeriod.toMillis() + 999) / 1000;
                    docker.stopContainerCmd(name).withTimeout((int) Math.min(Integer.MAX_VALUE, seconds)).exec();
                }
            } catch (NotModifiedException | NotFoundException | ConflictException alreadyStopped) {
                // it ended by itself meanwhile
            }
            Instant deadline = Instant.now().plusSeconds(10);
            long sleep = 2;
            while (true) {
                Optional<InspectContainerResponse> now = inspect(name);
                if (now.isEmpty()) {
                    throw new RuntimeFailure("NotFound", "container " + id.uri(NAME) + " was removed while it stopped");
                }
                if (!Boolean.TRUE.equals(now.get().getState().getRunning())) {
                    return info(id, now.get(), true);
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new RuntimeFailure("KillContainerError", "container " + id.uri(NAME) + " did not exit after SIGKILL");
                }
                Thread.sleep(sleep);
                sleep = Math.min(50, sleep * 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailure("KillContainerError", "interrupted while stopping " + id.uri(NAME), e);
        } catch (RuntimeException e) {
            throw new RuntimeFailure("KillContainerError", "cannot stop " + id.uri(NAME) + ": " + message(e), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void removeContainer(ContainerId id) throws RuntimeFailure {
        ReentrantLock lock = lock(id.podUid() + "/" + id.container());
        lock.lock();
        try {
            forget(id);
            remove(DockerNames.containerName(instance, id));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<ContainerInfo> containerStatus(ContainerId id) {
        String name = DockerNames.containerName(instance, id);
        try {
            return inspect(name).map(inspected -> info(id, inspected, true));
        } catch (RuntimeFailure e) {
            LOG.debugf("status of %s: %s", id.uri(NAME), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Every container of this runtime. When the daemon does not answer this throws (an
     * {@link IllegalStateException}) rather than report no containers: the node is NotReady
     * ("container runtime is down") and the relist retries, as kubelet's PLEG does.
     */
    @Override
    public List<ContainerInfo> listContainers() {
        List<ContainerInfo> infos = new ArrayList<>();
        List<Container> containers;
        try {
            containers = list(Map.of(DockerNames.TYPE, DockerNames.CONTAINER));
        } catch (RuntimeException e) {
            throw new IllegalStateException("the Docker daemon at " + config.getDockerHost() + " does not answer: "
                    + message(e), e);
        }
        exited.keySet().retainAll(containers.stream().map(Container::getId).toList());
        for (Container c : containers) {
            Optional<ContainerId> id = DockerNames.containerId(c.getLabels());
            if (id.isEmpty()) {
                continue;
            }
            ContainerInfo known = exited.get(c.getId());
            if (known != null) {
                infos.add(known);
                continue;
            }
            try {
                inspect(c.getId()).ifPresent(inspected -> infos.add(info(id.get(), inspected, true)));
            } catch (RuntimeFailure e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        infos.sort(Comparator.comparing((ContainerInfo i) -> i.id().podUid())
                .thenComparing(i -> i.id().container()).thenComparingInt(i -> i.id().attempt()));
        return infos;
    }

    @Override
    public ExecSession exec(ContainerId id, List<String> command, boolean tty) throws RuntimeFailure {
        if (command.isEmpty()) {
            throw new RuntimeFailure("ExecError", "exec needs a command");
        }
        String name = DockerNames.containerName(instance, id);
        Optional<InspectContainerResponse> inspected = inspect(name);
        if (inspected.isEmpty() || !Boolean.TRUE.equals(inspected.get().getState().getRunning())) {
            throw new RuntimeFailure("ContainerNotRunning", "container " + id.container() + " is not running");
        }
        if (config.getSSLConfig() != null) {
            throw new RuntimeFailure("ExecError", "exec needs a unix:// or plain tcp:// Docker host; "
                    + config.getDockerHost() + " uses TLS");
        }
        try {
            String execId = docker.execCreateCmd(name).withCmd(command.toArray(String[]::new))
                    .withAttachStdin(true).withAttachStdout(true).withAttachStderr(true).withTty(tty).exec().getId();
            return DockerExecSession.start(docker, config.getDockerHost(), execId, tty);
        } catch (ConflictException e) {
            throw new RuntimeFailure("ContainerNotRunning", "container " + id.container() + " is not running: " + message(e), e);
        } catch (IOException | RuntimeException e) {
            throw new RuntimeFailure("ExecError", "cannot exec in " + id.container() + ": " + message(e), e);
        }
    }

    @Override
    public Path logPath(ContainerId id) {
        return podDir(id.podUid()).resolve("logs").resolve(id.container()).resolve(id.attempt() + ".log");
    }

    /** The daemon's image tags; throws, as {@link #listContainers()} does, when the daemon does not answer. */
    @Override
    public List<String> images() {
        try {
            return docker.listImagesCmd().exec().stream()
                    .map(Image::getRepoTags).filter(Objects::nonNull).flatMap(Stream::of)
                    .filter(tag -> !tag.equals("<none>:<none>")).distinct().sorted().toList();
        } catch (RuntimeException e) {
            throw new IllegalStateException("the Docker daemon at " + config.getDockerHost() + " does not answer: "
                    + message(e), e);
        }
    }

    /** Stops copying logs and disconnects; every container goes on running (a new runtime takes them over). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        followers.values().forEach(LogFollower::close);
        followers.clear();
        closeClient();
    }

    // ---- helpers ----

    private static boolean hasMemoryLimit(InspectContainerResponse inspected) {
        HostConfig host = inspected.getHostConfig();
        return host != null && host.getMemory() != null && host.getMemory() > 0;
    }

    /**
     * Whether the daemon recorded an "oom" event for this container. Docker handles a container's
     * exit and its OOM event separately, and when the exit wins the race its state says
     * {@code OOMKilled: false} for a container the kernel killed for its memory limit; the event log
     * (bounded by the container's start and end) still has the event. Asked once per container that
     * exited with 137 under a memory limit without the runtime having stopped it.
     */
    private boolean oomEvent(String name, InspectContainerResponse inspected) {
        Boolean known = oomEvents.get(name);
        if (known != null) {
            return known;
        }
        // asked outside the map: the query may wait a second for the daemon's event log
        boolean seen = oomEventLogged(inspected);
        Boolean raced = oomEvents.putIfAbsent(name, seen);
        return raced != null ? raced : seen;
    }

    private boolean oomEventLogged(InspectContainerResponse inspected) {
        InspectContainerResponse.ContainerState state = inspected.getState();
        try {
            Instant started = Instant.parse(state.getStartedAt());
            Instant finished = Instant.parse(state.getFinishedAt());
            AtomicBoolean seen = new AtomicBoolean();
            // by container only: the daemon's "event" filter does not match its own "oom" action here (20.10)
            docker.eventsCmd().withContainerFilter(inspected.getId())
                    .withSince(Long.toString(started.getEpochSecond() - 1))
                    .withUntil(Long.toString(finished.getEpochSecond() + 1))
                    .exec(new ResultCallback.Adapter<Event>() {
                        @Override
                        public void onNext(Event event) {
                            if ("oom".equals(event.getAction()) || "oom".equals(event.getStatus())) {
                                seen.set(true);
                            }
                        }
                    }).awaitCompletion(5, TimeUnit.SECONDS);
            return seen.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The daemon's view of a container as the runtime's, once its output is all in the log. */
    private ContainerInfo info(ContainerId id, InspectContainerResponse inspected, boolean drainLog) {
        InspectContainerResponse.ContainerState state = inspected.getState();
        String status = state.getStatus() == null ? "" : state.getStatus();
        ContainerInfo.State s = switch (status) {
            case "created" -> ContainerInfo.State.CREATED;
            case "running", "paused", "restarting" -> ContainerInfo.State.RUNNING;
            default -> ContainerInfo.State.EXITED;
        };
        if (s == ContainerInfo.State.EXITED && drainLog) {
            LogFollower follower = followers.get(id);
            if (follower != null && follower.awaitDone(LOG_DRAIN)) {
                followers.remove(id, follower);
            }
        }
        Integer exitCode = null;
        Integer signal = null;
        String reason = null;
        if (s == ContainerInfo.State.EXITED) {
            exitCode = state.getExitCodeLong() == null ? 137 : state.getExitCodeLong().intValue();
            signal = exitCode > 128 && exitCode <= 128 + 64 ? exitCode - 128 : null;
            boolean oom = Boolean.TRUE.equals(state.getOOMKilled())
                    || exitCode == 137 && hasMemoryLimit(inspected) && oomEvent(DockerNames.containerName(instance, id), inspected);
            reason = oom ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error";
        }
        Map<String, String> labels = inspected.getConfig() == null || inspected.getConfig().getLabels() == null
                ? Map.of() : inspected.getConfig().getLabels();
        HostConfig host = inspected.getHostConfig();
        List<String> notEnforced = new ArrayList<>();
        if (host != null && host.getMemory() != null && host.getMemory() > 0 && !memoryLimits) {
            notEnforced.add("the Docker daemon has no memory cgroup");
        }
        if (host != null && host.getCpuQuota() != null && host.getCpuQuota() > 0 && !cpuLimits) {
            notEnforced.add("the Docker daemon has no CFS quota");
        }
        List<String> notes = new ArrayList<>();
        if (!notEnforced.isEmpty()) {
            notes.add("resource limits are recorded, not enforced: " + String.join("; ", notEnforced));
        }
        String unreachable = servicesUnreachable.get(id.podUid());
        if (unreachable != null) {
            notes.add("the node's Services, NodePorts and cluster DNS (on the host's loopback) are not reachable from "
                    + "this pod: " + unreachable);
        }
        String message = notes.isEmpty() ? null : String.join("; ", notes);
        Instant startedAt = instant(state.getStartedAt());
        Instant finishedAt = s == ContainerInfo.State.EXITED ? instant(state.getFinishedAt()) : null;
        if (startedAt != null && finishedAt != null && finishedAt.isBefore(startedAt)) {
            // Docker stamps the start once runc has started the process, which a quick one can outrun
            startedAt = finishedAt;
        }
        ContainerInfo info = new ContainerInfo(id, labels.getOrDefault(DockerNames.IMAGE, inspected.getConfig() == null
                ? null : inspected.getConfig().getImage()), s, state.getPidLong() == null ? 0 : state.getPidLong(),
                startedAt, finishedAt, exitCode, signal, reason, message, notEnforced.isEmpty());
        if (s == ContainerInfo.State.EXITED && !followers.containsKey(id)) {
            exited.put(inspected.getId(), info);
        }
        return info;
    }

    /** Takes over what an earlier runtime on this state directory started: logs caught up, running ones followed. */
    private void recover() {
        List<Container> containers = list(Map.of(DockerNames.TYPE, DockerNames.CONTAINER));
        Map<ContainerId, Container> found = new LinkedHashMap<>();
        for (Container c : containers) {
            DockerNames.containerId(c.getLabels()).ifPresent(id -> found.put(id, c));
        }
        Map<ContainerId, Future<?>> catchUps = new HashMap<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Map.Entry<ContainerId, Container> e : found.entrySet()) {
                ContainerId id = e.getKey();
                Container c = e.getValue();
                catchUps.put(id, executor.submit(() -> {
                    boolean tty = inspect(c.getId()).map(i -> i.getConfig() != null
                            && Boolean.TRUE.equals(i.getConfig().getTty())).orElse(false);
                    LogFollower follower = new LogFollower(http, c.getId(), id.uri(NAME), logPath(id), tty);
                    follower.catchUp();
                    if ("running".equals(c.getState()) || "restarting".equals(c.getState()) || "paused".equals(c.getState())) {
                        followers.put(id, follower);
                        follower.follow(() -> running(c.getId()));
                    } else {
                        follower.finish();
                    }
                    return null;
                }));
            }
            for (Map.Entry<ContainerId, Future<?>> e : catchUps.entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (Exception failure) {
                    LOG.warnf("cannot bring the log of %s up to date: %s", e.getKey().uri(NAME), failure.getMessage());
                }
            }
        }
        if (!found.isEmpty()) {
            LOG.infof("docker runtime: took over %d containers", found.size());
        }
    }

    /** Whether the container runs: for a log follower, null once Docker no longer has it. */
    private Boolean running(String container) {
        if (closed) {
            return null;
        }
        try {
            return inspect(container).map(i -> Boolean.TRUE.equals(i.getState().getRunning())).orElse(null);
        } catch (RuntimeFailure e) {
            // the daemon is away (restarting, say): try again, the follower waits between passes
            return Boolean.TRUE;
        }
    }

    private void forget(ContainerId id) {
        LogFollower follower = followers.remove(id);
        if (follower != null) {
            follower.close();
        }
        exited.values().removeIf(info -> info.id().equals(id));
    }

    /** Makes sure the image is in the daemon, pulling it if allowed. */
    private void ensureImage(String image) throws ImagePullFailure {
        if (image == null || image.isBlank()) {
            throw new ImagePullFailure("no image given");
        }
        try {
            docker.inspectImageCmd(image).exec();
            return;
        } catch (NotFoundException e) {
            // pull it
        } catch (RuntimeException e) {
            throw new ImagePullFailure("cannot look up image \"" + image + "\": " + message(e));
        }
        if (!options.pullImages()) {
            throw new ImagePullFailure("image \"" + image + "\" is not present on this node, and the docker runtime does "
                    + "not pull (capstan.node-agent.docker.pull-images=false)");
        }
        ImageReference ref = ImageReference.parse(image);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // the failure is the pod's to report: docker-java would log it as an error of its own
        PullImageResultCallback pull = new PullImageResultCallback() {
            @Override
            public void onError(Throwable throwable) {
                failure.compareAndSet(null, throwable);
                try {
                    close();
                } catch (IOException ignored) {
                    // the stream is gone either way
                }
            }
        };
        try (pull) {
            boolean done = docker.pullImageCmd(ref.repository()).withTag(ref.tag()).exec(pull)
                    .awaitCompletion(options.pullTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (failure.get() != null) {
                throw new ImagePullFailure("failed to pull image \"" + image + "\": " + message(failure.get()));
            }
            if (!done) {
                throw new ImagePullFailure("failed to pull image \"" + image + "\": no answer within " + options.pullTimeout());
            }
            // a pull that ended without an error message but left no image (Docker reports some failures as progress)
            docker.inspectImageCmd(image).exec();
        } catch (IOException e) {
            throw new ImagePullFailure("failed to pull image \"" + image + "\": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImagePullFailure("interrupted while pulling image \"" + image + "\"");
        } catch (RuntimeException e) {
            throw new ImagePullFailure("failed to pull image \"" + image + "\": " + message(e));
        }
    }

    /** The image reference split as the pull API wants it. */
    record ImageReference(String repository, String tag) {
        static ImageReference parse(String image) {
            int at = image.indexOf('@');
            if (at >= 0) {
                return new ImageReference(image.substring(0, at), image.substring(at + 1));
            }
            int colon = image.lastIndexOf(':');
            if (colon > image.lastIndexOf('/')) {
                return new ImageReference(image.substring(0, colon), image.substring(colon + 1));
            }
            return new ImageReference(image, "latest");
        }
    }

    /** A shared {@code container:<x>} network: {@code x} must run, its namespace is what every pod joins. */
    private void checkSharedContainer() {
        String target = options.network().substring(CONTAINER_MODE.length());
        try {
            InspectContainerResponse inspected = docker.inspectContainerCmd(target).exec();
            if (!Boolean.TRUE.equals(inspected.getState().getRunning())) {
                throw new IllegalStateException("the docker runtime's network is " + options.network()
                        + ", and that container is not running");
            }
            LOG.infof("docker runtime: pods share the network namespace of container %s", target);
        } catch (NotFoundException e) {
            throw new IllegalStateException("the docker runtime's network is " + options.network()
                    + ", and the Docker daemon has no such container", e);
        }
    }

    /** The pod network: made if missing, refused if it exists with another subnet. */
    private void ensureNetwork() {
        String subnet = options.subnet();
        for (int tries = 0; tries < 2; tries++) {
            try {
                Network network = docker.inspectNetworkCmd().withNetworkId(options.network()).exec();
                List<String> subnets = network.getIpam() == null || network.getIpam().getConfig() == null ? List.of()
                        : network.getIpam().getConfig().stream().map(Network.Ipam.Config::getSubnet).toList();
                if (!subnets.contains(subnet)) {
                    throw new IllegalStateException("the Docker network " + options.network() + " exists with the subnets "
                            + subnets + ", not " + subnet + ": remove it (docker network rm " + options.network()
                            + ") or configure capstan.node-agent.docker.network/pod-subnet to match");
                }
                return;
            } catch (NotFoundException e) {
                try {
                    docker.createNetworkCmd().withName(options.network()).withDriver("bridge").withCheckDuplicate(true)
                            .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config()
                                    .withSubnet(subnet).withGateway(options.gateway())))
                            .withLabels(Map.of("io.capstan.network", "pods")).exec();
                    LOG.infof("docker runtime: created the network %s (%s)", options.network(), subnet);
                    return;
                } catch (ConflictException raced) {
                    // made by another runtime meanwhile: check it
                } catch (RuntimeException failed) {
                    throw new IllegalStateException("cannot create the Docker network " + options.network() + " (" + subnet
                            + "): " + message(failed), failed);
                }
            }
        }
    }

    private List<Container> list(Map<String, String> labels) {
        Map<String, String> filter = new LinkedHashMap<>(labels);
        filter.put(DockerNames.RUNTIME, instance);
        return new ArrayList<>(docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec());
    }

    private Optional<InspectContainerResponse> inspect(String container) throws RuntimeFailure {
        try {
            return Optional.of(docker.inspectContainerCmd(container).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw new RuntimeFailure("RuntimeUnavailable", "cannot inspect " + container + ": " + message(e), e);
        }
    }

    /** Removes a container and what Docker keeps for it; a missing one is fine. */
    private void remove(String container) throws RuntimeFailure {
        try {
            docker.removeContainerCmd(container).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (ConflictException e) {
            if (!message(e).contains("already in progress")) {
                throw new RuntimeFailure("RemoveContainerError", "cannot remove " + container + ": " + message(e), e);
            }
        } catch (RuntimeException e) {
            throw new RuntimeFailure("RemoveContainerError", "cannot remove " + container + ": " + message(e), e);
        }
        exited.remove(container);
    }

    private static Mount bind(Path source, String target, boolean readOnly) {
        return new Mount().withType(MountType.BIND).withSource(source.toAbsolutePath().toString()).withTarget(target)
                .withReadOnly(readOnly);
    }

    /** Docker's error text: the "message" of its JSON answer, else the exception's message. */
    static String message(Throwable e) {
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof DockerException) {
            int brace = text.indexOf('{');
            if (brace >= 0) {
                try {
                    JsonNode json = JSON.readTree(text.substring(brace));
                    if (json.hasNonNull("message")) {
                        return json.get("message").asText();
                    }
                } catch (IOException notJson) {
                    // plain text
                }
            }
        }
        return text.trim();
    }

    private static Instant instant(String time) {
        if (time == null || time.isBlank() || time.startsWith(ZERO_TIME.substring(0, 10))) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private Path podDir(String podUid) {
        return stateDir.resolve("pods").resolve(podUid);
    }

    private ReentrantLock lock(String key) {
        return locks.computeIfAbsent(key, k -> new ReentrantLock());
    }

    private static String checkName(String value, String what, String reason) throws RuntimeFailure {
        if (value == null || !SAFE_NAME.matcher(value).matches()) {
            throw new RuntimeFailure(reason, "bad " + what + " \"" + value + "\"");
        }
        return value;
    }

    private void closeClient() {
        try {
            docker.close();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("closing the Docker client: %s", e.getMessage());
        }
    }
}
