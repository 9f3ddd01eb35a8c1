package io.capstan.nodeagent.pods;

import io.capstan.controller.Informer;
import io.capstan.controller.ResourceEventHandler;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.server.PodDirectory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The pods of this node: one {@link PodWorker} per pod uid, fed by the pod informer (which
 * caches only pods with {@code spec.nodeName} = this node), by a relist of the runtime every
 * second that wakes the workers whose containers changed state (the kubelet's PLEG), and by a
 * periodic resync. Containers whose pod the API no longer has, found at start or later, are
 * stopped and their sandboxes removed, but only once the informer has synced, so a slow first
 * LIST never kills running pods.
 *
 * <p>Also the {@link PodDirectory} of the streaming server: the pods this agent runs by name.
 *
 * <p>Thread-safety: informer callbacks come from one dispatch thread; the relist and resync run
 * on the timer thread; {@link #pod} is called from request threads. Workers live in a concurrent
 * map.
 */
public final class PodManager implements PodDirectory, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PodManager.class);
    private static final Duration ORPHAN_GRACE = Duration.ofSeconds(10);

    private final PodServices s;
    private final Informer<Pod> informer;
    private final Duration relistInterval;
    private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
    private final Set<String> orphansInProgress = ConcurrentHashMap.newKeySet();
    private volatile Map<String, Integer> containerCounts = Map.of("running", 0, "exited", 0);

    public PodManager(PodServices services, Informer<Pod> informer, Duration relistInterval) {
        this.s = services;
        this.informer = informer;
        this.relistInterval = relistInterval;
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                workerFor(pod).signal();
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                if (!uid(oldPod).equals(uid(newPod))) {
                    PodWorker old = workers.get(uid(oldPod));
                    if (old != null) {
                        old.apiDeleted(oldPod);
                    }
                }
                PodWorker worker = workers.get(uid(newPod));
                if (worker == null) {
                    workerFor(newPod).signal();
                } else {
                    worker.update(newPod);
                }
            }

            @Override
            public void onDelete(Pod pod) {
                PodWorker worker = workers.get(uid(pod));
                if (worker != null) {
                    worker.apiDeleted(pod);
                }
            }
        });
    }

    /** Starts the runtime relist and the resync; the informer is started by the caller. */
    public void start() {
        long relist = relistInterval.toMillis();
        s.timer().scheduleWithFixedDelay(this::relistSafely, relist, relist, TimeUnit.MILLISECONDS);
        long resync = s.resyncInterval().toMillis();
        s.timer().scheduleWithFixedDelay(this::resync, resync, resync, TimeUnit.MILLISECONDS);
    }

    private PodWorker workerFor(Pod pod) {
        return workers.computeIfAbsent(uid(pod), u -> new PodWorker(s, pod, () -> workers.remove(u)));
    }

    private static String uid(Pod pod) {
        return pod.getMetadata().getUid();
    }

    public int runningPods() {
        return (int) workers.values().stream().filter(w -> w.podIp() != null && !w.removed()).count();
    }

    public int containers(String state) {
        return containerCounts.getOrDefault(state, 0);
    }

    public int size() {
        return workers.size();
    }

    private void relistSafely() {
        try {
            relist();
        } catch (RuntimeException e) {
            LOG.warnf("runtime relist failed: %s", e.getMessage());
        }
    }

    /** Wakes every worker whose containers changed in the runtime; finds orphans. */
    void relist() {
        List<ContainerInfo> all = s.runtime().listContainers();
        Map<String, Map<String, ContainerInfo>> newest = new HashMap<>();
        int running = 0;
        int exited = 0;
        for (ContainerInfo info : all) {
            if (info.running()) {
                running++;
            } else if (info.state() == ContainerInfo.State.EXITED) {
                exited++;
            }
            newest.computeIfAbsent(info.id().podUid(), k -> new HashMap<>())
                    .merge(info.id().container(), info, (a, b) -> a.id().attempt() >= b.id().attempt() ? a : b);
        }
        containerCounts = Map.of("running", running, "exited", exited);
        for (Map.Entry<String, Map<String, ContainerInfo>> e : newest.entrySet()) {
            PodWorker worker = workers.get(e.getKey());
            if (worker == null) {
                orphan(e.getKey(), e.getValue());
                continue;
            }
            Map<String, ContainerInfo> seen = worker.observed();
            for (Map.Entry<String, ContainerInfo> c : e.getValue().entrySet()) {
                ContainerInfo before = seen.get(c.getKey());
                if (before != null && (before.id().attempt() != c.getValue().id().attempt() || before.state() != c.getValue().state())) {
                    worker.signal();
                    break;
                }
            }
        }
    }

    private void resync() {
        try {
            workers.values().forEach(PodWorker::signal);
            if (informer.hasSynced()) {
                Set<String> known = new HashSet<>(workers.keySet());
                known.addAll(orphansInProgress);
                for (String uid : s.ipam().uids()) {
                    if (!known.contains(uid) && !podExists(uid)) {
                        // a sandbox without containers whose pod went while the agent was away
                        orphan(uid, Map.of());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("pod resync failed: %s", e.getMessage());
        }
    }

    private boolean podExists(String uid) {
        return informer.store().list().stream().anyMatch(p -> uid.equals(uid(p)));
    }

    /** Stops and removes what the runtime runs for a pod the API does not have (after the informer synced). */
    private void orphan(String uid, Map<String, ContainerInfo> containers) {
        if (!informer.hasSynced() || podExists(uid) || !orphansInProgress.add(uid)) {
            return;
        }
        s.executor().execute(() -> {
            try {
                LOG.infof("pod %s is not in the API: stopping its %d containers and removing its sandbox", uid, containers.size());
                for (ContainerInfo info : s.runtime().listContainers()) {
                    if (uid.equals(info.id().podUid()) && info.running()) {
                        s.runtime().stopContainer(info.id(), ORPHAN_GRACE);
                    }
                }
                s.runtime().removePodSandbox(uid);
                s.volumes().tearDown(uid);
                s.ipam().release(uid);
            } catch (ContainerRuntime.RuntimeFailure | RuntimeException e) {
                LOG.warnf("cleaning up orphaned pod %s failed: %s", uid, e.getMessage());
            } finally {
                orphansInProgress.remove(uid);
            }
        });
    }

    @Override
    public Optional<PodView> pod(String namespace, String name) {
        Optional<Pod> pod = informer.store().get(namespace, name);
        if (pod.isEmpty()) {
            return Optional.empty();
        }
        PodWorker worker = workers.get(uid(pod.get()));
        if (worker == null || worker.removed()) {
            return Optional.empty();
        }
        Pod p = worker.pod();
        String ip = worker.podIp();
        if (ip == null && p.getStatus() != null) {
            ip = p.getStatus().getPodIP();
        }
        List<String> inits = p.getSpec().getInitContainers() == null ? List.of()
                : p.getSpec().getInitContainers().stream().map(Container::getName).toList();
        List<String> containers = p.getSpec().getContainers().stream().map(Container::getName).toList();
        return Optional.of(new PodView(worker.uid(), namespace, name, ip, inits, containers));
    }

    @Override
    public void close() {
        // workers hold no threads of their own: the executor and timer owners stop them
    }
}
