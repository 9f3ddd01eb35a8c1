package io.capstan.scheduler.cache;

import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Snapshot;
import io.fabric8.kubernetes.api.model.Node;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The scheduler's view of nodes and of the pods on them (internalcache.cacheImpl), including
 * <em>assumed</em> pods: a pod is assumed onto its node the moment the scheduling cycle picks the
 * node, so the next cycle already sees its requests while the binding is still in flight. When
 * the bound pod arrives from the informer the assumption is confirmed; when binding fails it is
 * forgotten; an assumed pod whose binding finished but which the informer never confirmed
 * expires after {@code assumedPodTtl} if one is set (by default, as in Kubernetes, it is kept
 * until confirmed: the informer may lag, and forgetting a bound pod would overcommit its node).
 *
 * <p>Per node the cache holds an immutable {@link NodeInfo}; every change swaps in a new one with
 * a higher generation and marks the node dirty, and {@link #updateSnapshot} copies only the dirty
 * nodes into the scheduling cycle's snapshot. Pods whose node is not (yet) known are kept on a
 * placeholder that snapshots leave out.
 *
 * <p>Thread-safe: informer threads, the scheduling thread and binding threads call in; every
 * field is guarded by {@link #lock}.
 */
public final class SchedulerCache {
    private static final Logger LOG = Logger.getLogger(SchedulerCache.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final long assumedTtlNanos;
    private final LongSupplier nanoTime;
    // @GuardedBy("lock") node name -> node with its pods (or a placeholder); insertion order is the snapshot order
    private final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
    // @GuardedBy("lock") pod key -> where the cache counts it
    private final Map<String, PodState> pods = new HashMap<>();
    // @GuardedBy("lock") nodes changed since the last snapshot update
    private final Set<String> dirty = new LinkedHashSet<>();
    // @GuardedBy("lock")
    private boolean nodeSetChanged = true;
    // @GuardedBy("lock")
    private long generation;

    private static final class PodState {
        PodInfo pod;
        String node;
        boolean assumed;
        boolean bindingFinished;
        long deadline;

        PodState(PodInfo pod, String node, boolean assumed) {
            this.pod = pod;
            this.node = node;
            this.assumed = assumed;
        }
    }

    public SchedulerCache(Duration assumedPodTtl) {
        this(assumedPodTtl, System::nanoTime);
    }

    /** @param assumedPodTtl zero: assumed pods never expire */
    public SchedulerCache(Duration assumedPodTtl, LongSupplier nanoTime) {
        this.assumedTtlNanos = assumedPodTtl.toNanos();
        this.nanoTime = nanoTime;
    }

    public void addNode(Node node) {
        lock.lock();
        try {
            String name = node.getMetadata().getName();
            NodeInfo existing = nodes.get(name);
            if (existing == null || existing.node() == null) {
                nodeSetChanged = true;
            }
            NodeInfo base = existing == null ? NodeInfo.placeholder(name) : existing;
            put(base.withNode(node, 0));
        } finally {
            lock.unlock();
        }
    }

    /** An update is an add that keeps the pods. */
    public void updateNode(Node node) {
        addNode(node);
    }

    /** The node goes; pods still on it stay counted on a placeholder until their deletion arrives. */
    public void removeNode(String name) {
        lock.lock();
        try {
            NodeInfo existing = nodes.get(name);
            if (existing == null) {
                return;
            }
            nodeSetChanged = true;
            if (existing.pods().isEmpty()) {
                nodes.remove(name);
                dirty.remove(name);
            } else {
                put(existing.withNode(null, 0));
            }
        } finally {
            lock.unlock();
        }
    }

    private void put(NodeInfo n) {
        NodeInfo g = n.withGeneration(++generation);
        nodes.put(g.name(), g);
        dirty.add(g.name());
    }

    private void addToNode(PodInfo pod, String nodeName) {
        NodeInfo n = nodes.get(nodeName);
        if (n == null) {
            n = NodeInfo.placeholder(nodeName);
        }
        put(n.withPod(pod));
    }

    private void removeFromNode(String key, String nodeName) {
        NodeInfo n = nodes.get(nodeName);
        if (n == null) {
            return;
        }
        NodeInfo without = n.withoutPod(key);
        if (without.node() == null && without.pods().isEmpty()) {
            nodes.remove(nodeName);
            dirty.remove(nodeName);
            return;
        }
        put(without);
    }

    /**
     * Assumes {@code pod} runs on {@code nodeName} from now on (AssumePod).
     *
     * @throws IllegalStateException if the cache already counts the pod
     */
    public void assumePod(PodInfo pod, String nodeName) {
        lock.lock();
        try {
            if (pods.containsKey(pod.key())) {
                throw new IllegalStateException("pod " + pod.key() + " is already in the cache, so cannot be assumed");
            }
            pods.put(pod.key(), new PodState(pod, nodeName, true));
            addToNode(pod, nodeName);
        } finally {
            lock.unlock();
        }
    }

    /** The binding request finished; the assumed pod now expires if the informer never confirms it. */
    public void finishBinding(PodInfo pod) {
        lock.lock();
        try {
            PodState s = pods.get(pod.key());
            if (s != null && s.assumed) {
                s.bindingFinished = true;
                s.deadline = nanoTime.getAsLong() + assumedTtlNanos;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Binding failed: the assumed pod no longer counts (ForgetPod). */
    public void forgetPod(PodInfo pod) {
        lock.lock();
        try {
            PodState s = pods.get(pod.key());
            if (s != null && s.assumed) {
                pods.remove(pod.key());
                removeFromNode(pod.key(), s.node);
            }
        } finally {
            lock.unlock();
        }
    }

    public boolean isAssumed(String key) {
        lock.lock();
        try {
            PodState s = pods.get(key);
            return s != null && s.assumed;
        } finally {
            lock.unlock();
        }
    }

    /** A bound pod from the informer: confirms an assumed pod, or adds it. */
    public void addPod(PodInfo pod) {
        lock.lock();
        try {
            String node = pod.nodeName();
            PodState s = pods.get(pod.key());
            if (s != null) {
                if (s.assumed && !s.node.equals(node)) {
                    LOG.warnf("pod %s was assumed on %s but is bound to %s", pod.key(), s.node, node);
                }
                removeFromNode(pod.key(), s.node);
            }
            pods.put(pod.key(), new PodState(pod, node, false));
            addToNode(pod, node);
        } finally {
            lock.unlock();
        }
    }

    public void updatePod(PodInfo pod) {
        addPod(pod);
    }

    public void removePod(String key) {
        lock.lock();
        try {
            PodState s = pods.remove(key);
            if (s != null) {
                removeFromNode(key, s.node);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops assumed pods whose binding finished more than the TTL ago without confirmation; returns them. */
    public List<PodInfo> cleanupExpiredAssumedPods() {
        List<PodInfo> expired = new ArrayList<>();
        if (assumedTtlNanos <= 0) {
            return expired;
        }
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            for (Iterator<Map.Entry<String, PodState>> it = pods.entrySet().iterator(); it.hasNext(); ) {
                PodState s = it.next().getValue();
                if (s.assumed && s.bindingFinished && now - s.deadline > 0) {
                    it.remove();
                    removeFromNode(s.pod.key(), s.node);
                    expired.add(s.pod);
                }
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(p -> LOG.warnf("assumed pod %s expired: its binding finished but the informer never showed it bound", p.key()));
        return expired;
    }

    /**
     * Brings {@code snapshot} up to date (UpdateSnapshot): swaps in the nodes changed since the last
     * call, or rebuilds the node list when nodes came or went.
     */
    public void updateSnapshot(Snapshot snapshot) {
        lock.lock();
        try {
            if (nodeSetChanged) {
                List<NodeInfo> real = new ArrayList<>(nodes.size());
                for (NodeInfo n : nodes.values()) {
                    if (n.node() != null) {
                        real.add(n);
                    }
                }
                snapshot.rebuild(real, generation);
                nodeSetChanged = false;
            } else {
                for (String name : dirty) {
                    NodeInfo n = nodes.get(name);
                    if (n != null && n.node() != null) {
                        snapshot.replace(n);
                    }
                }
                snapshot.generation(generation);
            }
            dirty.clear();
        } finally {
            lock.unlock();
        }
    }

    public int podCount() {
        lock.lock();
        try {
            return pods.size();
        } finally {
            lock.unlock();
        }
    }

    /** The node info the cache holds now (tests, debugging). */
    public NodeInfo node(String name) {
        lock.lock();
        try {
            return nodes.get(name);
        } finally {
            lock.unlock();
        }
    }
}
