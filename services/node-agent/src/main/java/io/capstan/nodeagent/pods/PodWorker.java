package io.capstan.nodeagent.pods;

import io.capstan.controller.ApiClients;
import io.capstan.controller.EventRecorder;
import io.capstan.nodeagent.dns.PodDnsConfigurer;
import io.capstan.nodeagent.env.ConfigError;
import io.capstan.nodeagent.env.EnvBuilder;
import io.capstan.nodeagent.env.Expansion;
import io.capstan.nodeagent.env.ServiceEnv;
import io.capstan.nodeagent.kube.ApiCalls;
import io.capstan.nodeagent.kube.ApiLookups;
import io.capstan.nodeagent.kube.Lookups;
import io.capstan.nodeagent.node.Quantities;
import io.capstan.nodeagent.probes.ProbeState;
import io.capstan.nodeagent.probes.ProbeWorker;
import io.capstan.nodeagent.probes.Prober;
import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.DnsConfig;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import io.capstan.nodeagent.volumes.VolumeError;
import io.capstan.nodeagent.volumes.VolumeManager;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs one pod, as the kubelet's pod worker and SyncPod do: one sync at a time per pod, on a
 * virtual thread, whenever something may have changed (the pod in the API, a container's state,
 * a probe result, a back-off ending, the periodic resync). A sync looks at what runs, decides
 * with {@link SyncModel}, acts (sandbox and IP, volumes, kills, starts with back-off), and
 * writes the status {@link PodStatusModel} computes when it differs from what the api-server has.
 * A pod being deleted is stopped gracefully (preStop, SIGTERM, the grace period, SIGKILL), gets
 * its terminal status, and is deleted for good with a uid precondition; a pod gone from the API
 * is stopped and its sandbox removed.
 *
 * <p>Thread-safety: {@link #update}, {@link #apiDeleted}, {@link #signal} and the read-only
 * accessors may be called from any thread. Everything else (the container records, the
 * sandbox) belongs to the sync, which never runs twice at once; probe workers only publish
 * results and signal.
 */
final class PodWorker {
    private static final Logger LOG = Logger.getLogger(PodWorker.class);
    private static final Duration MIN_GRACE = Duration.ofSeconds(2);
    private static final Duration POST_START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration MAX_RETRY = Duration.ofSeconds(10);
    private static final Duration START_GATE_WAIT = Duration.ofSeconds(10);
    private static final String DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline";

    private final PodServices s;
    private final String uid;
    private final Runnable onRemoved;
    private final Instant firstSeen;

    private volatile Pod pod;
    private volatile boolean apiGone;
    private volatile String podIp;
    // the resolver configuration the sandbox was created with; set with the sandbox
    private volatile DnsConfig dns;
    private volatile boolean sandboxReady;
    private volatile boolean removed;
    // the states the last sync saw, for the runtime relist to compare against
    private volatile Map<String, ContainerInfo> observed = Map.of();

    // @GuardedBy("this")
    private boolean syncing;
    // @GuardedBy("this")
    private boolean dirty;
    // @GuardedBy("this")
    private ScheduledFuture<?> wake;
    // @GuardedBy("this")
    private Instant wakeAt;

    // owned by the sync
    private final Map<String, Record> records = new LinkedHashMap<>();
    private boolean restored;
    private PodSandbox sandbox;
    private Map<String, VolumeManager.Mounted> volumes;
    private Instant volumesRefreshed = Instant.EPOCH;
    private String volumesMetadata;
    private boolean finished;
    private String finishReason;
    private String finishMessage;
    private boolean finalDeleteSent;
    private PodStatus lastWritten;
    private long lastWrittenRv;
    private Pod lastWrittenPod;
    private boolean startRecorded;
    // a turn among new pods (PodServices.firstStarts), held by the first sync until a process started
    private boolean holdingStartGate;
    private Duration retry = Duration.ZERO;
    private Instant nextWake;

    /** One container of the pod: its newest runs, why it waits, its probes. */
    private static final class Record {
        final String name;
        final boolean init;
        ContainerInfo latest;
        ContainerInfo previous;
        Waiting waiting;
        String pullError;
        Instant pullFailedAt;
        Instant configRetryAt;
        Duration configRetry = Duration.ZERO;
        Boolean restoredReady;
        boolean limitsNoted;
        final Map<ProbeState.Kind, ProbeWorker> probes = new EnumMap<>(ProbeState.Kind.class);

        Record(String name, boolean init) {
            this.name = name;
            this.init = init;
        }

        boolean running() {
            return latest != null && latest.state() == ContainerInfo.State.RUNNING;
        }

        void stopProbes() {
            probes.values().forEach(ProbeWorker::stop);
            probes.clear();
        }
    }

    PodWorker(PodServices services, Pod pod, Runnable onRemoved) {
        this.s = services;
        this.uid = pod.getMetadata().getUid();
        this.pod = pod;
        this.onRemoved = onRemoved;
        this.firstSeen = services.clock().instant();
    }

    String uid() {
        return uid;
    }

    Pod pod() {
        return pod;
    }

    String podIp() {
        return podIp;
    }

    boolean removed() {
        return removed;
    }

    Map<String, ContainerInfo> observed() {
        return observed;
    }

    /** A newer version of the pod arrived from the API. */
    void update(Pod newer) {
        Pod older = pod;
        pod = newer;
        Long before = older.getMetadata().getDeletionGracePeriodSeconds();
        Long after = newer.getMetadata().getDeletionGracePeriodSeconds();
        if (before != null && after != null && after < before) {
            // a shorter grace period (kubectl delete --grace-period=1 after a normal delete) applies at once
            shortenGrace(Duration.ofSeconds(after));
        }
        signal();
    }

    /** The pod is gone from the API (deleted for good, perhaps forced): stop it and clean up. */
    void apiDeleted(Pod last) {
        pod = last;
        apiGone = true;
        signal();
    }

    /** Asks for a sync; coalesces with a pending one. */
    void signal() {
        synchronized (this) {
            if (removed) {
                return;
            }
            dirty = true;
            if (syncing) {
                return;
            }
            syncing = true;
        }
        try {
            s.executor().execute(this::loop);
        } catch (RejectedExecutionException stopping) {
            // the agent is shutting down
            synchronized (this) {
                syncing = false;
            }
        }
    }

    private void wakeAt(Instant when) {
        if (when == null) {
            return;
        }
        if (nextWake == null || when.isBefore(nextWake)) {
            nextWake = when;
        }
    }

    private synchronized void schedule(Instant when) {
        if (removed || when == null) {
            return;
        }
        if (wake != null && !wake.isDone() && wakeAt != null && !when.isBefore(wakeAt)) {
            return;
        }
        if (wake != null) {
            wake.cancel(false);
        }
        long delay = Math.max(0, Duration.between(s.clock().instant(), when).toMillis());
        wakeAt = when;
        try {
            wake = s.timer().schedule(this::signal, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            wake = null;
        }
    }

    private void loop() {
        while (true) {
            synchronized (this) {
                if (!dirty || removed) {
                    syncing = false;
                    return;
                }
                dirty = false;
            }
            Pod p = pod;
            MDC.put("resource", "Pod " + p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
            long start = System.nanoTime();
            boolean first = !restored;
            nextWake = null;
            try {
                sync(p);
                retry = Duration.ZERO;
            } catch (RuntimeException e) {
                retry = retry.isZero() ? Duration.ofSeconds(1) : min(retry.multipliedBy(2), MAX_RETRY);
                LOG.warnf(e, "sync of pod %s/%s failed, retrying in %s", p.getMetadata().getNamespace(), p.getMetadata().getName(),
                        retry);
                wakeAt(s.clock().instant().plus(retry));
            } finally {
                s.metrics().sync(first ? "create" : "sync", Duration.ofNanos(System.nanoTime() - start));
                MDC.remove("resource");
            }
            if (!removed) {
                wakeAt(s.clock().instant().plus(s.resyncInterval()));
                schedule(nextWake);
            }
        }
    }

    // ------------------------------------------------------------------ sync

    private void sync(Pod p) {
        try {
            syncOnce(p);
        } finally {
            releaseStartGate();
        }
    }

    /**
     * Waits for a turn among new pods (see {@link PodServices#firstStarts()}), released once a
     * process started. It orders starts and never blocks one for long: a pod that waited
     * {@link #START_GATE_WAIT} (others slow in their runtime, a docker pull) goes ahead without.
     */
    private void enterStartGate() {
        try {
            holdingStartGate = s.firstStarts().tryAcquire(START_GATE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void releaseStartGate() {
        if (holdingStartGate) {
            holdingStartGate = false;
            s.firstStarts().release();
        }
    }

    private void syncOnce(Pod p) {
        restoreOnce(p);
        refreshRuntime();
        if (apiGone) {
            // a pod that vanished without a graceful deletion was force-deleted: the kubelet's 2 s minimum
            Long grace = p.getMetadata().getDeletionGracePeriodSeconds();
            stopAll(p, grace == null ? MIN_GRACE : Duration.ofSeconds(grace), null);
            cleanUp();
            return;
        }
        if (p.getMetadata().getDeletionTimestamp() != null) {
            terminate(p);
            return;
        }
        Instant now = s.clock().instant();
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            finished = true;
        }
        if (!finished && deadlinePassed(p, now)) {
            finished = true;
            finishReason = "DeadlineExceeded";
            finishMessage = DEADLINE_MESSAGE;
            s.events().pod(p, EventRecorder.WARNING, "DeadlineExceeded", DEADLINE_MESSAGE);
        }
        Lookups lookups = new ApiLookups(s.client(), s.services());
        if (!finished) {
            if (sandbox == null) {
                enterStartGate();
            }
            if (!ensureSandbox(p)) {
                writeStatus(p);
                return;
            }
            ensureVolumes(p, lookups, now);
        }
        for (int round = 0; round < 3; round++) {
            SyncModel.Plan plan = SyncModel.decide(p.getSpec(), views(p), finished);
            if (plan.finished() && !finished) {
                finished = true;
            }
            if (!plan.kills().isEmpty()) {
                kill(p, plan.kills(), null);
                refreshRuntime();
                continue;
            }
            if (finished || volumes == null) {
                break;
            }
            for (String name : plan.starts()) {
                Container c = spec(p, name);
                boolean started = start(p, c, lookups);
                if (started && isInit(p, name) && !SyncModel.sidecar(c)) {
                    // the next init container waits for this one to exit
                    break;
                }
            }
            break;
        }
        if (finished) {
            records.values().forEach(Record::stopProbes);
            releaseNetwork();
        }
        writeStatus(p);
        if (!startRecorded && !finished && allRunning(p)) {
            startRecorded = true;
            s.metrics().podStarted(Duration.between(firstSeen, s.clock().instant()));
        }
    }

    /** After an agent restart: take over what the runtime still has of this pod, never starting a second copy. */
    private void restoreOnce(Pod p) {
        if (restored) {
            return;
        }
        restored = true;
        for (Container c : containers(p, true)) {
            records.put(c.getName(), new Record(c.getName(), true));
        }
        for (Container c : containers(p, false)) {
            records.put(c.getName(), new Record(c.getName(), false));
        }
        Map<String, List<ContainerInfo>> runs = new HashMap<>();
        for (ContainerInfo info : s.runtime().listContainers()) {
            if (uid.equals(info.id().podUid())) {
                runs.computeIfAbsent(info.id().container(), k -> new ArrayList<>()).add(info);
            }
        }
        if (runs.isEmpty()) {
            return;
        }
        podIp = s.ipam().addressOf(uid).orElse(null);
        Map<String, Boolean> apiReady = new HashMap<>();
        if (p.getStatus() != null) {
            for (List<ContainerStatus> list : java.util.Arrays.asList(p.getStatus().getContainerStatuses(),
                    p.getStatus().getInitContainerStatuses())) {
                if (list != null) {
                    list.forEach(cs -> apiReady.put(cs.getName() + "/" + cs.getContainerID(), Boolean.TRUE.equals(cs.getReady())));
                }
            }
        }
        runs.forEach((name, list) -> {
            Record r = records.get(name);
            list.sort((a, b) -> Integer.compare(b.id().attempt(), a.id().attempt()));
            if (r == null) {
                // a container no longer in the spec: stop it
                list.stream().filter(ContainerInfo::running).forEach(i -> stopQuietly(i.id(), MIN_GRACE));
                return;
            }
            r.latest = list.get(0);
            r.previous = list.size() > 1 ? list.get(1) : null;
            r.restoredReady = apiReady.get(name + "/" + r.latest.id().uri(s.runtime().name()));
            if (r.running()) {
                startProbes(r, spec(p, name));
            }
            for (int i = 2; i < list.size(); i++) {
                removeQuietly(list.get(i).id());
            }
        });
        LOG.infof("pod %s/%s: took over %d container runs from the runtime", p.getMetadata().getNamespace(),
                p.getMetadata().getName(), runs.values().stream().mapToInt(List::size).sum());
    }

    /** Reads the newest run of every container from the runtime; exited runs lose their probes. */
    private void refreshRuntime() {
        Map<String, ContainerInfo> seen = new HashMap<>();
        for (Record r : records.values()) {
            if (r.latest != null && r.latest.state() != ContainerInfo.State.EXITED) {
                Optional<ContainerInfo> now = s.runtime().containerStatus(r.latest.id());
                if (now.isPresent()) {
                    r.latest = now.get();
                } else {
                    // the runtime lost it (its state directory was wiped): report it exited, as the kubelet
                    // reports ContainerStatusUnknown
                    r.latest = new ContainerInfo(r.latest.id(), r.latest.image(), ContainerInfo.State.EXITED, 0,
                            r.latest.startedAt(), s.clock().instant(), 137, null, "ContainerStatusUnknown",
                            "The container could not be located when the pod was terminated", r.latest.limitsEnforced());
                }
                if (!r.running()) {
                    r.stopProbes();
                }
            }
            if (r.latest != null) {
                seen.put(r.name, r.latest);
            }
        }
        observed = Map.copyOf(seen);
    }

    private Map<String, ContainerView> views(Pod p) {
        Map<String, ContainerView> views = new LinkedHashMap<>();
        for (Record r : records.values()) {
            views.put(r.name, view(p, r));
        }
        return views;
    }

    private ContainerView view(Pod p, Record r) {
        boolean running = r.running();
        ProbeWorker startup = r.probes.get(ProbeState.Kind.STARTUP);
        ProbeWorker readiness = r.probes.get(ProbeState.Kind.READINESS);
        ProbeWorker liveness = r.probes.get(ProbeState.Kind.LIVENESS);
        boolean started = running && (startup == null || startup.result() == ProbeState.Result.SUCCESS);
        boolean ready = running && (readiness == null || readiness.result() == ProbeState.Result.SUCCESS
                || (readiness.result() == ProbeState.Result.UNKNOWN && Boolean.TRUE.equals(r.restoredReady)));
        Container c = spec(p, r.name);
        if (c != null && c.getReadinessProbe() != null && readiness == null && running) {
            ready = false;
        }
        String unhealthy = null;
        if (running && liveness != null && liveness.result() == ProbeState.Result.FAILURE) {
            unhealthy = "Container " + r.name + " failed liveness probe, will be restarted";
        } else if (running && startup != null && startup.result() == ProbeState.Result.FAILURE) {
            unhealthy = "Container " + r.name + " failed startup probe, will be restarted";
        }
        return new ContainerView(r.name, r.latest, r.previous, r.waiting, ready, started, unhealthy);
    }

    // ------------------------------------------------------------------ sandbox and volumes

    private boolean ensureSandbox(Pod p) {
        if (sandbox != null) {
            return true;
        }
        try {
            // hostNetwork pods share the node's address, as on a kubelet
            podIp = Boolean.TRUE.equals(p.getSpec().getHostNetwork()) ? s.hostIp() : s.ipam().allocate(uid);
            String hostname = p.getSpec().getHostname() != null && !p.getSpec().getHostname().isEmpty()
                    ? p.getSpec().getHostname() : p.getMetadata().getName();
            if (hostname.length() > 63) {
                hostname = hostname.substring(0, 63);
            }
            PodDnsConfigurer.Formed formed = s.dns().form(p);
            formed.warnings().forEach(w -> s.events().pod(p, EventRecorder.WARNING, w.reason(), w.message()));
            dns = formed.config();
            sandbox = s.runtime().runPodSandbox(new PodSandboxConfig(uid, p.getMetadata().getNamespace(), p.getMetadata().getName(),
                    hostname, p.getSpec().getSubdomain(), podIp, dns, Boolean.TRUE.equals(p.getSpec().getHostNetwork())));
            sandboxReady = true;
            return true;
        } catch (ContainerRuntime.RuntimeFailure | RuntimeException e) {
            s.events().pod(p, EventRecorder.WARNING, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + e.getMessage());
            throw new IllegalStateException("creating the sandbox: " + e.getMessage(), e);
        }
    }

    private PodSandboxConfig sandboxConfig(Pod p) {
        String hostname = p.getSpec().getHostname() != null && !p.getSpec().getHostname().isEmpty()
                ? p.getSpec().getHostname() : p.getMetadata().getName();
        return new PodSandboxConfig(uid, p.getMetadata().getNamespace(), p.getMetadata().getName(),
                hostname.length() > 63 ? hostname.substring(0, 63) : hostname, p.getSpec().getSubdomain(), podIp, dns,
                Boolean.TRUE.equals(p.getSpec().getHostNetwork()));
    }

    /** Sets volumes up the first time, then refreshes them at each resync or when labels/annotations change. */
    private void ensureVolumes(Pod p, Lookups lookups, Instant now) {
        String metadata = Objects.toString(p.getMetadata().getLabels()) + Objects.toString(p.getMetadata().getAnnotations());
        boolean due = volumes == null || !metadata.equals(volumesMetadata)
                || Duration.between(volumesRefreshed, now).compareTo(s.resyncInterval()) >= 0;
        if (!due) {
            return;
        }
        try {
            volumes = s.volumes().setUp(p, sandbox, lookups, podIp, s.hostIp(), s.allocatable().get());
            volumesRefreshed = now;
            volumesMetadata = metadata;
        } catch (VolumeError e) {
            s.events().pod(p, EventRecorder.WARNING, "FailedMount", e.getMessage());
            if (volumes == null) {
                retryIn(Duration.ofSeconds(2));
            }
        }
    }

    // ------------------------------------------------------------------ starting containers

    /** Starts (or restarts) a container unless a back-off holds it; true if it started. */
    private boolean start(Pod p, Container c, Lookups lookups) {
        Record r = records.get(c.getName());
        Instant now = s.clock().instant();
        String key = uid + "/" + c.getName();
        boolean init = r.init;
        if (r.latest != null && r.latest.state() == ContainerInfo.State.EXITED) {
            Instant exitedAt = r.latest.finishedAt() != null ? r.latest.finishedAt() : now;
            if (s.crashBackoff().inBackoffSince(key, exitedAt)) {
                String step = goDuration(s.crashBackoff().get(key));
                if (r.waiting == null || !"CrashLoopBackOff".equals(r.waiting.reason())) {
                    s.events().warning(p, c.getName(), init, "BackOff",
                            "Back-off restarting failed container " + c.getName() + " in pod " + PodEvents.describe(p));
                }
                r.waiting = new Waiting("CrashLoopBackOff", "back-off " + step + " restarting failed container=" + c.getName()
                        + " pod=" + PodEvents.describe(p));
                wakeAt(s.crashBackoff().until(key, exitedAt));
                return false;
            }
        }
        String imageKey = key + "/" + c.getImage();
        if (r.pullFailedAt != null && s.imageBackoff().inBackoffSince(imageKey, r.pullFailedAt)) {
            if (!"ImagePullBackOff".equals(r.waiting == null ? null : r.waiting.reason())) {
                s.events().normal(p, c.getName(), init, "BackOff", "Back-off pulling image \"" + c.getImage() + "\"");
                s.events().warning(p, c.getName(), init, "Failed", "Error: ImagePullBackOff");
            }
            r.waiting = new Waiting("ImagePullBackOff", "Back-off pulling image \"" + c.getImage() + "\": ErrImagePull: " + r.pullError);
            wakeAt(s.imageBackoff().until(imageKey, r.pullFailedAt));
            return false;
        }
        if (r.configRetryAt != null && now.isBefore(r.configRetryAt)) {
            wakeAt(r.configRetryAt);
            return false;
        }
        ContainerConfig config;
        try {
            config = containerConfig(p, c, r, lookups);
        } catch (ConfigError e) {
            if (r.waiting == null || !e.getMessage().equals(r.waiting.message())) {
                s.events().warning(p, c.getName(), init, "Failed", "Error: " + e.getMessage());
            }
            r.waiting = new Waiting("CreateContainerConfigError", e.getMessage());
            r.configRetry = r.configRetry.isZero() ? Duration.ofSeconds(1) : min(r.configRetry.multipliedBy(2), MAX_RETRY);
            r.configRetryAt = now.plus(r.configRetry);
            wakeAt(r.configRetryAt);
            s.metrics().containerStartFailed(init, "CreateContainerConfigError");
            return false;
        }
        r.configRetry = Duration.ZERO;
        r.configRetryAt = null;
        if (r.latest != null && r.latest.state() == ContainerInfo.State.EXITED) {
            s.crashBackoff().next(key, r.latest.finishedAt() != null ? r.latest.finishedAt() : now);
        }
        ContainerInfo info;
        try {
            info = s.runtime().startContainer(config);
        } catch (ContainerRuntime.ImagePullFailure e) {
            boolean never = "Never".equals(c.getImagePullPolicy());
            String reason = never ? "ErrImageNeverPull" : "ErrImagePull";
            String message = never ? "Container image \"" + c.getImage() + "\" is not present with pull policy of Never" : e.getMessage();
            if (never) {
                s.events().warning(p, c.getName(), init, "ErrImageNeverPull", message);
            } else {
                s.events().normal(p, c.getName(), init, "Pulling", "Pulling image \"" + c.getImage() + "\"");
                s.events().warning(p, c.getName(), init, "Failed", "Failed to pull image \"" + c.getImage() + "\": " + message);
            }
            s.events().warning(p, c.getName(), init, "Failed", "Error: " + reason);
            r.waiting = new Waiting(reason, message);
            r.pullError = message;
            r.pullFailedAt = now;
            s.imageBackoff().next(imageKey, now);
            wakeAt(s.imageBackoff().until(imageKey, now));
            s.metrics().containerStartFailed(init, reason);
            return false;
        } catch (ContainerRuntime.RuntimeFailure e) {
            String reason = e.reason() == null ? "CreateContainerError" : e.reason();
            s.events().warning(p, c.getName(), init, "Failed", "Error: " + e.getMessage());
            r.waiting = new Waiting(reason, e.getMessage());
            r.configRetry = r.configRetry.isZero() ? Duration.ofSeconds(1) : min(r.configRetry.multipliedBy(2), MAX_RETRY);
            r.configRetryAt = now.plus(r.configRetry);
            wakeAt(r.configRetryAt);
            s.metrics().containerStartFailed(init, reason);
            return false;
        } finally {
            // started or failed: the next new pod may start while this one's hooks and status go out
            releaseStartGate();
        }
        ContainerInfo older = r.previous;
        r.previous = r.latest;
        r.latest = info;
        r.waiting = null;
        r.pullError = null;
        r.pullFailedAt = null;
        r.restoredReady = null;
        s.imageBackoff().reset(imageKey);
        if (older != null && !older.id().equals(info.id())) {
            // the kubelet keeps one dead run per container (for --previous); older ones go
            removeQuietly(older.id());
        }
        s.events().normal(p, c.getName(), init, "Pulled", "Container image \"" + c.getImage() + "\" already present on machine");
        s.events().normal(p, c.getName(), init, "Created", "Created container: " + c.getName());
        s.events().normal(p, c.getName(), init, "Started", "Started container " + c.getName());
        s.metrics().containerStarted(init);
        if (!info.limitsEnforced() && config.resources() != null
                && (config.resources().memoryLimitBytes() != null || config.resources().cpuLimitMillis() != null) && !r.limitsNoted) {
            r.limitsNoted = true;
            s.events().warning(p, c.getName(), init, "LimitsNotEnforced", "The " + s.runtime().name()
                    + " runtime records but does not enforce the memory and cpu limits of container " + c.getName() + " on this host");
        }
        startProbes(r, c);
        if (c.getLifecycle() != null && c.getLifecycle().getPostStart() != null) {
            Prober.Outcome hook = new Hooks(s.prober()).run(c.getLifecycle().getPostStart(), info.id(), c, podIp, POST_START_TIMEOUT);
            if (!hook.success()) {
                LOG.warnf("postStart hook of container %s failed: %s", c.getName(), hook.message());
                s.events().warning(p, c.getName(), init, "FailedPostStartHook", "PostStartHook failed");
                kill(p, List.of(new SyncModel.Kill(c.getName(), "FailedPostStartHook")), null);
                refreshRuntime();
                return false;
            }
        }
        observed = withObserved(c.getName(), info);
        return true;
    }

    private ContainerConfig containerConfig(Pod p, Container c, Record r, Lookups lookups) {
        String namespace = p.getMetadata().getNamespace();
        Service master = lookups.services("default").stream()
                .filter(svc -> "kubernetes".equals(svc.getMetadata().getName())).findFirst().orElse(null);
        boolean links = p.getSpec().getEnableServiceLinks() == null || p.getSpec().getEnableServiceLinks();
        List<Service> services = links ? lookups.services(namespace) : List.of();
        Map<String, String> serviceEnv = ServiceEnv.variables(namespace, services, master, p.getSpec().getEnableServiceLinks());
        EnvBuilder.Inputs inputs = new EnvBuilder.Inputs(p, podIp, s.hostIp(), sandboxConfig(p).hostname(), serviceEnv,
                s.allocatable().get(), lookups);
        EnvBuilder.Result env = EnvBuilder.build(c, inputs);
        for (String note : env.skipped()) {
            s.events().warning(p, c.getName(), r.init, "InvalidEnvironmentVariableNames", note);
        }
        List<ContainerConfig.Mount> mounts = mounts(c, env.env());
        int attempt = r.latest == null ? 0 : r.latest.id().attempt() + 1;
        return new ContainerConfig(new ContainerId(uid, c.getName(), attempt), sandbox, sandboxConfig(p), c.getImage(),
                EnvBuilder.expandAll(c.getCommand(), env.env()), EnvBuilder.expandAll(c.getArgs(), env.env()), env.env(),
                c.getWorkingDir(), mounts, resources(c), Boolean.TRUE.equals(c.getTty()), Boolean.TRUE.equals(c.getStdin()));
    }

    private List<ContainerConfig.Mount> mounts(Container c, Map<String, String> env) {
        List<ContainerConfig.Mount> mounts = new ArrayList<>();
        if (c.getVolumeMounts() == null) {
            return mounts;
        }
        for (VolumeMount vm : c.getVolumeMounts()) {
            VolumeManager.Mounted m = volumes.get(vm.getName());
            if (m == null) {
                throw new ConfigError("cannot find volume \"" + vm.getName() + "\" to mount into container \"" + c.getName() + "\"");
            }
            Path host = m.path();
            String subPath = vm.getSubPath();
            if (vm.getSubPathExpr() != null && !vm.getSubPathExpr().isEmpty()) {
                subPath = Expansion.expand(vm.getSubPathExpr(), env::get);
            }
            if (subPath != null && !subPath.isEmpty()) {
                Path sub = host.resolve(subPath).normalize();
                if (!sub.startsWith(host) || Path.of(subPath).isAbsolute()) {
                    throw new ConfigError("subPath \"" + subPath + "\" of volume \"" + vm.getName() + "\" leaves the volume");
                }
                if (!Files.exists(sub)) {
                    try {
                        Files.createDirectories(sub);
                    } catch (java.io.IOException e) {
                        throw new ConfigError("failed to create subPath directory for volumeMount \"" + vm.getName()
                                + "\" of container \"" + c.getName() + "\"");
                    }
                }
                host = sub;
            }
            mounts.add(new ContainerConfig.Mount(vm.getMountPath(), host, Boolean.TRUE.equals(vm.getReadOnly()) || m.readOnly()));
        }
        return mounts;
    }

    private static ContainerConfig.Resources resources(Container c) {
        if (c.getResources() == null) {
            return ContainerConfig.Resources.NONE;
        }
        Map<String, Quantity> limits = c.getResources().getLimits() == null ? Map.of() : c.getResources().getLimits();
        Map<String, Quantity> requests = c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests();
        return new ContainerConfig.Resources(Quantities.whole(limits.get("memory")), Quantities.millis(limits.get("cpu")),
                Quantities.whole(requests.get("memory")), Quantities.millis(requests.get("cpu")));
    }

    private void startProbes(Record r, Container c) {
        r.stopProbes();
        if (c == null || r.latest == null) {
            return;
        }
        ProbeWorker startup = addProbe(r, c, ProbeState.Kind.STARTUP, c.getStartupProbe(), () -> true);
        // liveness and readiness wait for this run's startup probe; the supplier holds the worker, not the map
        BooleanSupplier started = () -> startup == null || startup.result() == ProbeState.Result.SUCCESS;
        addProbe(r, c, ProbeState.Kind.LIVENESS, c.getLivenessProbe(), started);
        addProbe(r, c, ProbeState.Kind.READINESS, c.getReadinessProbe(), started);
    }

    private ProbeWorker addProbe(Record r, Container c, ProbeState.Kind kind, Probe spec, BooleanSupplier started) {
        if (spec == null) {
            return null;
        }
        ContainerId id = r.latest.id();
        ProbeWorker worker = new ProbeWorker(kind, spec, id, c, podIp, r.latest.startedAt(), s.prober(), s.executor(),
                new ProbeWorker.Listener() {
                    @Override
                    public void attempted(ProbeWorker w, Prober.Outcome outcome) {
                        s.metrics().probed(kind.name().toLowerCase(java.util.Locale.ROOT), outcome.success());
                        if (!outcome.success()) {
                            s.events().warning(pod, c.getName(), r.init, "Unhealthy", kind.title() + " probe failed: " + outcome.message());
                        }
                    }

                    @Override
                    public void resultChanged(ProbeWorker w) {
                        signal();
                    }
                }, started, s.clock());
        r.probes.put(kind, worker);
        worker.start(s.timer());
        return worker;
    }

    // ------------------------------------------------------------------ stopping

    /** Kills containers in parallel: preStop within the grace period, then the runtime's SIGTERM/SIGKILL. */
    private void kill(Pod p, List<SyncModel.Kill> kills, Duration graceOverride) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (SyncModel.Kill k : kills) {
            Record r = records.get(k.container());
            if (r == null || !r.running()) {
                continue;
            }
            Container c = spec(p, r.name);
            Duration grace = graceOverride != null ? graceOverride : graceFor(p, r, k);
            ContainerInfo run = r.latest;
            r.stopProbes();
            s.events().normal(p, r.name, r.init, "Killing", k.message());
            done.add(CompletableFuture.runAsync(() -> stopContainer(p, c, run, grace), s.executor()));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
    }

    private void stopContainer(Pod p, Container c, ContainerInfo run, Duration grace) {
        Instant start = s.clock().instant();
        Duration left = grace;
        if (c != null && c.getLifecycle() != null && c.getLifecycle().getPreStop() != null && !grace.isZero()) {
            Prober.Outcome hook = new Hooks(s.prober()).run(c.getLifecycle().getPreStop(), run.id(), c, podIp, grace);
            if (!hook.success()) {
                LOG.warnf("preStop hook of container %s failed: %s", c.getName(), hook.message());
                s.events().warning(p, c.getName(), records.get(c.getName()).init, "FailedPreStopHook", "PreStopHook failed");
            }
            left = grace.minus(Duration.between(start, s.clock().instant()));
        }
        stopQuietly(run.id(), max(left, MIN_GRACE));
    }

    private void stopQuietly(ContainerId id, Duration grace) {
        try {
            s.runtime().stopContainer(id, grace);
        } catch (ContainerRuntime.RuntimeFailure e) {
            LOG.warnf("stopping %s failed: %s", id, e.getMessage());
        }
    }

    private void removeQuietly(ContainerId id) {
        try {
            s.runtime().removeContainer(id);
        } catch (ContainerRuntime.RuntimeFailure | RuntimeException e) {
            LOG.debugf("removing %s failed: %s", id, e.getMessage());
        }
    }

    private void shortenGrace(Duration grace) {
        for (Map.Entry<String, ContainerInfo> e : observed.entrySet()) {
            if (e.getValue().state() == ContainerInfo.State.RUNNING) {
                ContainerId id = e.getValue().id();
                s.executor().execute(() -> stopQuietly(id, max(grace, MIN_GRACE)));
            }
        }
    }

    /** A probe's own terminationGracePeriodSeconds for a probe kill, else the pod's (deletion) grace period. */
    private Duration graceFor(Pod p, Record r, SyncModel.Kill k) {
        if (k.message().contains("failed liveness probe")) {
            Long probeGrace = graceOfProbe(r, ProbeState.Kind.LIVENESS);
            if (probeGrace != null) {
                return Duration.ofSeconds(probeGrace);
            }
        } else if (k.message().contains("failed startup probe")) {
            Long probeGrace = graceOfProbe(r, ProbeState.Kind.STARTUP);
            if (probeGrace != null) {
                return Duration.ofSeconds(probeGrace);
            }
        }
        return graceOf(p);
    }

    private static Long graceOfProbe(Record r, ProbeState.Kind kind) {
        ProbeWorker w = r.probes.get(kind);
        return w == null ? null : w.terminationGracePeriodSeconds();
    }

    private static Duration graceOf(Pod p) {
        Long deletion = p.getMetadata().getDeletionGracePeriodSeconds();
        if (deletion != null) {
            return Duration.ofSeconds(deletion);
        }
        Long spec = p.getSpec().getTerminationGracePeriodSeconds();
        return Duration.ofSeconds(spec == null ? 30 : spec);
    }

    private void stopAll(Pod p, Duration grace, String message) {
        List<SyncModel.Kill> kills = new ArrayList<>();
        for (Record r : records.values()) {
            if (r.running()) {
                kills.add(new SyncModel.Kill(r.name, message != null ? message : "Stopping container " + r.name));
            }
        }
        if (!kills.isEmpty()) {
            kill(p, kills, grace);
            refreshRuntime();
        }
        records.values().forEach(Record::stopProbes);
    }

    /** Graceful deletion: stop everything, write the terminal status, then delete the pod for good. */
    private void terminate(Pod p) {
        stopAll(p, graceOf(p), null);
        finished = true;
        releaseNetwork();
        writeStatus(p);
        if (finalDeleteSent) {
            return;
        }
        ApiCalls.Response r = s.api().delete(ApiCalls.podPath(p.getMetadata().getNamespace(), p.getMetadata().getName()),
                ApiCalls.finalDeleteOptions(uid));
        if (r.ok() || r.code() == 404 || r.code() == 409) {
            finalDeleteSent = true;
        } else {
            throw new KubernetesClientException("deleting pod: " + r.message(), r.code(), null);
        }
    }

    private void releaseNetwork() {
        if (sandboxReady) {
            sandboxReady = false;
            s.ipam().release(uid);
        }
    }

    /** The pod is gone from the API and stopped: remove its sandbox and forget it. */
    private void cleanUp() {
        try {
            s.runtime().removePodSandbox(uid);
        } catch (ContainerRuntime.RuntimeFailure e) {
            LOG.warnf("removing the sandbox of pod %s failed: %s", uid, e.getMessage());
        }
        s.volumes().tearDown(uid);
        s.ipam().release(uid);
        s.crashBackoff().forgetPrefix(uid + "/");
        s.imageBackoff().forgetPrefix(uid + "/");
        sandboxReady = false;
        synchronized (this) {
            removed = true;
            if (wake != null) {
                wake.cancel(false);
            }
        }
        onRemoved.run();
    }

    // ------------------------------------------------------------------ status

    private void writeStatus(Pod p) {
        Instant now = s.clock().instant();
        Map<String, ContainerView> views = views(p);
        PodStatusModel.Inputs in = new PodStatusModel.Inputs(s.runtime().name(), sandboxReady ? podIp : null, s.hostIp(),
                firstSeen.truncatedTo(ChronoUnit.SECONDS).toString(), sandboxReady && !finished, finished, finishReason, finishMessage);
        Pod latest = pod;
        Pod base = lastWrittenPod != null && lastWrittenRv > rv(latest) ? lastWrittenPod : latest;
        PodStatus desired = PodStatusModel.build(base, views, in, now);
        PodStatus current = lastWritten != null && rv(latest) <= lastWrittenRv ? lastWritten : latest.getStatus();
        if (same(current, desired)) {
            return;
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            // a shallow copy with the new status: PodBuilder would copy the whole pod through the
            // fabric8 builders (and load some 200 builder classes, which an agent's RSS feels)
            Pod body = new Pod(base.getApiVersion(), base.getKind(), base.getMetadata(), base.getSpec(), desired);
            ApiCalls.Response r = s.api().put(ApiCalls.podPath(p.getMetadata().getNamespace(), p.getMetadata().getName()) + "/status",
                    s.client().getKubernetesSerialization().asJson(body));
            if (r.ok()) {
                Pod written = ApiClients.decode(s.client(), r.body(), Pod.class);
                lastWritten = desired;
                lastWrittenRv = rv(written);
                lastWrittenPod = written;
                return;
            }
            if (r.code() == 404) {
                return;
            }
            if (r.code() != 409) {
                throw new KubernetesClientException("writing pod status: " + r.message(), r.code(), null);
            }
            Pod fresh = s.client().pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).get();
            if (fresh == null || !uid.equals(fresh.getMetadata().getUid())) {
                return;
            }
            base = fresh;
            desired = PodStatusModel.build(fresh, views, in, now);
        }
        throw new KubernetesClientException("writing pod status: conflicts on every attempt", 409, null);
    }

    private boolean same(PodStatus a, PodStatus b) {
        if (a == null) {
            return false;
        }
        if (a.equals(b)) {
            // the models' equality: most syncs change nothing, and then no JSON is built
            return true;
        }
        // else as JSON, where an empty list and none are the same
        JsonNode left = s.client().getKubernetesSerialization().convertValue(a, JsonNode.class);
        JsonNode right = s.client().getKubernetesSerialization().convertValue(b, JsonNode.class);
        return left.equals(right);
    }

    private static long rv(Pod p) {
        try {
            return p == null || p.getMetadata().getResourceVersion() == null ? 0 : Long.parseLong(p.getMetadata().getResourceVersion());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ helpers

    private boolean deadlinePassed(Pod p, Instant now) {
        Long deadline = p.getSpec().getActiveDeadlineSeconds();
        if (deadline == null) {
            return false;
        }
        String start = p.getStatus() != null && p.getStatus().getStartTime() != null ? p.getStatus().getStartTime() : null;
        Instant started = start == null ? firstSeen : Instant.parse(start);
        Instant end = started.plusSeconds(deadline);
        if (now.isBefore(end)) {
            wakeAt(end);
            return false;
        }
        return true;
    }

    private boolean allRunning(Pod p) {
        for (Container c : p.getSpec().getContainers()) {
            Record r = records.get(c.getName());
            if (r == null || !r.running()) {
                return false;
            }
        }
        return true;
    }

    private void retryIn(Duration d) {
        wakeAt(s.clock().instant().plus(d));
    }

    private Map<String, ContainerInfo> withObserved(String name, ContainerInfo info) {
        Map<String, ContainerInfo> m = new HashMap<>(observed);
        m.put(name, info);
        return Map.copyOf(m);
    }

    private static List<Container> containers(Pod p, boolean init) {
        List<Container> list = init ? p.getSpec().getInitContainers() : p.getSpec().getContainers();
        return list == null ? List.of() : list;
    }

    private static Container spec(Pod p, String name) {
        for (Container c : containers(p, true)) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        for (Container c : containers(p, false)) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static boolean isInit(Pod p, String name) {
        return containers(p, true).stream().anyMatch(c -> c.getName().equals(name));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Go's time.Duration.String for whole seconds: 10s, 1m20s, 5m0s. */
    static String goDuration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 60) {
            return minutes + "m" + (seconds % 60) + "s";
        }
        return (minutes / 60) + "h" + (minutes % 60) + "m" + (seconds % 60) + "s";
    }
}
