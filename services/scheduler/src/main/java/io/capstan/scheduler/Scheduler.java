package io.capstan.scheduler;

import io.capstan.scheduler.cache.SchedulerCache;
import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.FitError;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PostFilterResult;
import io.capstan.scheduler.framework.PreFilterResult;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.queue.QueuedPodInfo;
import io.capstan.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Pod;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The scheduling loop (scheduleOne): pop the next pod, refresh the snapshot, filter and score
 * nodes with the pod's profile, assume the pod on the chosen node, and hand the binding to a
 * pool of binding threads so the next cycle starts at once; on failure run PostFilter
 * (preemption), record FailedScheduling, set the PodScheduled=False condition and requeue.
 *
 * <p>One scheduling thread runs the cycles; {@code bindConcurrency} threads run the binding
 * cycles (bind, then Scheduled event or forget and requeue). The loop needs no locks of its own:
 * the cache and queue are thread-safe and the snapshot belongs to the scheduling thread.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Scheduler.class);
    static final int MIN_FEASIBLE_NODES_TO_FIND = 100;
    static final int MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

    /** A profile: its framework and the writes made in its name (events say "From: <schedulerName>"). */
    public record Profile(Framework framework, SchedulerActions actions) {
    }

    private final SchedulerCache cache;
    private final SchedulingQueue queue;
    private final Map<String, Profile> profiles;
    private final Snapshot snapshot;
    private final SchedulerMetrics metrics;
    private final Function<String, Pod> currentPod;
    private final int percentageOfNodesToScore;
    private final ExecutorService binder;
    private final ExecutorService statusWriter;
    private final AtomicInteger bindingsInFlight = new AtomicInteger();
    private volatile boolean running = true;
    private Thread thread;
    // owned by the scheduling thread
    private int nextStartNodeIndex;
    private long nextCleanup;

    /**
     * @param snapshot   the snapshot every profile's framework reads (built with it)
     * @param currentPod the informer's latest copy of a pod by key, or null when it is gone
     */
    public Scheduler(SchedulerCache cache, SchedulingQueue queue, Map<String, Profile> profiles, Snapshot snapshot,
                     SchedulerMetrics metrics, Function<String, Pod> currentPod, int percentageOfNodesToScore, int bindConcurrency) {
        this.cache = cache;
        this.queue = queue;
        this.profiles = Map.copyOf(profiles);
        this.snapshot = snapshot;
        this.metrics = metrics;
        this.currentPod = currentPod;
        this.percentageOfNodesToScore = percentageOfNodesToScore;
        this.binder = pool("scheduler-binder", bindConcurrency);
        this.statusWriter = pool("scheduler-status", 2);
    }

    private static ExecutorService pool(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public synchronized void start() {
        thread = new Thread(this::run, "scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    public int bindingsInFlight() {
        return bindingsInFlight.get();
    }

    private void run() {
        while (running) {
            try {
                QueuedPodInfo q = queue.pop(Duration.ofSeconds(1));
                cleanupAssumedPods();
                if (q != null) {
                    scheduleOne(q);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "scheduling loop: unexpected failure");
            }
        }
    }

    private void cleanupAssumedPods() {
        long now = System.nanoTime();
        if (now - nextCleanup >= 0) {
            cache.cleanupExpiredAssumedPods();
            nextCleanup = now + TimeUnit.SECONDS.toNanos(1);
        }
    }

    /** skipPodSchedule: the pod was deleted, is being deleted, got bound, or is being bound (assumed). */
    private boolean skip(PodInfo pod) {
        Pod latest = currentPod.apply(pod.key());
        if (latest == null || latest.getMetadata().getDeletionTimestamp() != null) {
            return true;
        }
        if (latest.getSpec() != null && latest.getSpec().getNodeName() != null && !latest.getSpec().getNodeName().isEmpty()) {
            return true;
        }
        return cache.isAssumed(pod.key());
    }

    /** Runs one scheduling cycle for a popped pod. */
    void scheduleOne(QueuedPodInfo q) {
        PodInfo pod = q.pod();
        Profile profile = profiles.get(pod.schedulerName());
        if (profile == null || skip(pod)) {
            return;
        }
        Framework fw = profile.framework();
        long start = System.nanoTime();
        CycleState state = new CycleState();
        cache.updateSnapshot(snapshot);
        String host;
        try {
            host = schedulePod(fw, state, pod);
        } catch (FitFailure f) {
            handleFitFailure(profile, q, state, f.fit, start);
            return;
        } catch (RuntimeException e) {
            LOG.errorf(e, "scheduling pod %s failed", pod.key());
            metrics.attempt(SchedulerMetrics.ERROR, fw.profileName(), System.nanoTime() - start);
            failure(profile, q, "SchedulerError", "running the scheduling algorithm: " + e.getMessage(), Set.of(), null);
            return;
        }
        try {
            cache.assumePod(pod, host);
        } catch (IllegalStateException e) {
            metrics.attempt(SchedulerMetrics.ERROR, fw.profileName(), System.nanoTime() - start);
            LOG.debugf("pod %s: %s", pod.key(), e.getMessage());
            return;
        }
        Status reserved = fw.runReservePlugins(state, pod, host);
        if (!reserved.isSuccess()) {
            cache.forgetPod(pod);
            metrics.attempt(SchedulerMetrics.ERROR, fw.profileName(), System.nanoTime() - start);
            failure(profile, q, "SchedulerError", reserved.message(), Set.of(), null);
            return;
        }
        queue.nominator().remove(pod.key());
        bindingsInFlight.incrementAndGet();
        try {
            binder.execute(() -> bindingCycle(profile, q, state, host, start));
        } catch (RejectedExecutionException closing) {
            bindingsInFlight.decrementAndGet();
            cache.forgetPod(pod);
        }
    }

    /** Thrown inside a cycle when no node fits. */
    private static final class FitFailure extends Exception {
        final FitError fit;

        FitFailure(FitError fit) {
            super(null, null, false, false);
            this.fit = fit;
        }
    }

    /** schedulePod: the node to run the pod on, or a FitFailure saying why there is none. */
    String schedulePod(Framework fw, CycleState state, PodInfo pod) throws FitFailure {
        if (snapshot.size() == 0) {
            throw new FitFailure(new FitError(0, Map.of(), "", "", Set.of()));
        }
        List<NodeInfo> feasible = findNodesThatFit(fw, state, pod);
        if (feasible.size() == 1) {
            return feasible.get(0).name();
        }
        Status pre = fw.runPreScorePlugins(state, pod, feasible);
        if (!pre.isSuccess()) {
            throw new IllegalStateException("PreScore " + pre.plugin() + ": " + pre.message());
        }
        long[] scores = fw.runScorePlugins(state, pod, feasible, null);
        return selectHost(feasible, scores);
    }

    /** Picks a node with the highest score; ties are broken at random (reservoir sampling). */
    static String selectHost(List<NodeInfo> nodes, long[] scores) {
        int best = 0;
        int ties = 1;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
                ties = 1;
            } else if (scores[i] == scores[best]) {
                ties++;
                if (random.nextInt(ties) == 0) {
                    best = i;
                }
            }
        }
        return nodes.get(best).name();
    }

    /**
     * numFeasibleNodesToFind: all nodes below 100; otherwise the profile's or global
     * percentageOfNodesToScore, adaptive when 0 ({@code 50 - nodes/125}, at least 5%), at least 100 nodes.
     */
    static int numFeasibleNodesToFind(int profilePercentage, int globalPercentage, int numAllNodes) {
        if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) {
            return numAllNodes;
        }
        int percentage = profilePercentage > 0 ? profilePercentage : globalPercentage;
        if (percentage <= 0) {
            percentage = 50 - numAllNodes / 125;
            if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) {
                percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
            }
        }
        int n = (int) ((long) numAllNodes * percentage / 100);
        return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
    }

    /**
     * findNodesThatFitPod: PreFilter, then the pod's nominated node alone if it still fits, else
     * the filters over nodes in round-robin order from where the last cycle stopped, until enough
     * feasible nodes are found.
     */
    private List<NodeInfo> findNodesThatFit(Framework fw, CycleState state, PodInfo pod) throws FitFailure {
        PreFilterResult pre = fw.runPreFilterPlugins(state, pod);
        Status st = pre.status();
        if (!st.isSuccess()) {
            if (!st.isRejected()) {
                throw new IllegalStateException("PreFilter " + st.plugin() + ": " + st.message());
            }
            Map<String, Status> all = new HashMap<>();
            for (NodeInfo n : snapshot.list()) {
                all.put(n.name(), st);
            }
            throw new FitFailure(new FitError(snapshot.size(), all, st.message(), "", Set.of(st.plugin())));
        }
        Map<String, Status> rejected = new HashMap<>();
        String nominated = pod.nominatedNodeName();
        if (!nominated.isEmpty()) {
            NodeInfo node = snapshot.get(nominated);
            if (node != null && (pre.nodeNames() == null || pre.nodeNames().contains(nominated))
                    && fw.runFilterPluginsWithNominatedPods(state, pod, node).isSuccess()) {
                return List.of(node);
            }
        }
        List<NodeInfo> nodes;
        boolean allNodes = pre.nodeNames() == null;
        if (allNodes) {
            nodes = snapshot.list();
        } else {
            nodes = new ArrayList<>(pre.nodeNames().size());
            for (NodeInfo n : snapshot.list()) {
                if (pre.nodeNames().contains(n.name())) {
                    nodes.add(n);
                } else {
                    rejected.put(n.name(), pre.excluded());
                }
            }
        }
        int n = nodes.size();
        int toFind = numFeasibleNodesToFind(fw.percentageOfNodesToScore(), percentageOfNodesToScore, n);
        List<NodeInfo> feasible = new ArrayList<>(Math.min(toFind, n));
        int start = allNodes && n > 0 ? nextStartNodeIndex % n : 0;
        int processed = 0;
        for (int i = 0; i < n && feasible.size() < toFind; i++) {
            NodeInfo node = nodes.get((start + i) % n);
            processed++;
            Status fs = fw.runFilterPluginsWithNominatedPods(state, pod, node);
            if (fs.isSuccess()) {
                feasible.add(node);
            } else if (fs.isRejected()) {
                rejected.put(node.name(), fs);
            } else {
                throw new IllegalStateException("Filter " + fs.plugin() + " on node " + node.name() + ": " + fs.message());
            }
        }
        if (allNodes && n > 0) {
            nextStartNodeIndex = (start + processed) % n;
        }
        if (feasible.isEmpty()) {
            Set<String> plugins = new HashSet<>();
            rejected.values().forEach(s -> plugins.add(s.plugin()));
            throw new FitFailure(new FitError(snapshot.size(), rejected, "", "", plugins));
        }
        return feasible;
    }

    /** No node fits: PostFilter (preemption) may nominate one; then the failure is recorded either way. */
    private void handleFitFailure(Profile profile, QueuedPodInfo q, CycleState state, FitError fit, long start) {
        Framework fw = profile.framework();
        PodInfo pod = q.pod();
        String nominated = null;
        if (fit.numAllNodes() == 0) {
            metrics.attempt(SchedulerMetrics.UNSCHEDULABLE, fw.profileName(), System.nanoTime() - start);
            // no plugin rejected it: the pod goes to backoff and is retried until nodes appear
            failure(profile, q, "Unschedulable", FitError.NO_NODES_AVAILABLE, Set.of(), null);
            return;
        }
        if (fw.hasPostFilters()) {
            metrics.preemptionAttempt();
            PostFilterResult r = fw.runPostFilterPlugins(state, pod, fit.nodeStatuses());
            if (r.status().isSuccess()) {
                nominated = r.nominatedNodeName();
            } else {
                fit = fit.withPostFilterMessage(r.status().message());
                if (!pod.nominatedNodeName().isEmpty()) {
                    nominated = "";
                }
            }
        }
        metrics.attempt(SchedulerMetrics.UNSCHEDULABLE, fw.profileName(), System.nanoTime() - start);
        if (nominated != null && !nominated.isEmpty()) {
            queue.nominator().nominate(pod, nominated);
        }
        failure(profile, q, "Unschedulable", fit.message(), fit.plugins(), nominated);
    }

    /**
     * handleSchedulingFailure: a FailedScheduling event, the pod requeued (if it still exists and
     * is still unbound), and its PodScheduled condition set, off the scheduling thread.
     *
     * @param nominated the node the pod is now nominated to, "" to clear the nomination, null to leave it
     */
    private void failure(Profile profile, QueuedPodInfo q, String reason, String message, Set<String> plugins, String nominated) {
        PodInfo pod = q.pod();
        LOG.debugf("pod %s unschedulable: %s", pod.key(), message);
        profile.actions().event(pod, "Warning", "FailedScheduling", truncate(message));
        q.unschedulablePlugins(plugins);
        Pod latest = currentPod.apply(pod.key());
        if (latest == null || (latest.getSpec() != null && latest.getSpec().getNodeName() != null
                && !latest.getSpec().getNodeName().isEmpty())) {
            return;
        }
        queue.addUnschedulable(q);
        PodInfo current = latest == pod.pod() ? pod : new PodInfo(latest);
        try {
            statusWriter.execute(() -> profile.actions().updateCondition(current, reason, message, nominated));
        } catch (RejectedExecutionException closing) {
            // the term is ending; the next leader sets the condition
        }
    }

    /** Kubernetes truncates event messages to 1 KiB. */
    static String truncate(String message) {
        return message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
    }

    /** Runs on a binding thread: bind, then confirm or undo. */
    private void bindingCycle(Profile profile, QueuedPodInfo q, CycleState state, String host, long start) {
        PodInfo pod = q.pod();
        Framework fw = profile.framework();
        try {
            Status st = fw.runBindPlugins(state, pod, host);
            if (st.isSuccess()) {
                cache.finishBinding(pod);
                long now = System.nanoTime();
                metrics.bound(fw.profileName(), q.attempts(), now - start, now - q.initialAttemptTimestamp());
                profile.actions().event(pod, "Normal", "Scheduled",
                        "Successfully assigned " + pod.namespace() + "/" + pod.name() + " to " + host);
                return;
            }
            cache.forgetPod(pod);
            fw.runUnreservePlugins(state, pod, host);
            metrics.attempt(SchedulerMetrics.ERROR, fw.profileName(), System.nanoTime() - start);
            failure(profile, q, "SchedulerError", "Binding rejected: " + st.message(), Set.of(), null);
        } catch (RuntimeException e) {
            cache.forgetPod(pod);
            LOG.errorf(e, "binding pod %s to %s failed", pod.key(), host);
        } finally {
            bindingsInFlight.decrementAndGet();
        }
    }

    @Override
    public void close() {
        running = false;
        queue.close();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        binder.shutdown();
        statusWriter.shutdown();
        try {
            binder.awaitTermination(10, TimeUnit.SECONDS);
            statusWriter.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
