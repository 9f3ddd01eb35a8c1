package io.capstan.scheduler.queue;

import io.capstan.scheduler.framework.PodInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which pods are nominated to which node after a preemption (the queue's nominator): the
 * filters count them on that node so no equal or lower priority pod takes the space their
 * victims free.
 *
 * <p>Thread-safe (synchronized): informer threads and the scheduling thread use it.
 */
public final class Nominator {
    // @GuardedBy("this")
    private final Map<String, List<PodInfo>> byNode = new HashMap<>();
    // @GuardedBy("this")
    private final Map<String, String> nodeOfPod = new HashMap<>();
    // read without the lock on the filter hot path: almost always no pod is nominated
    private volatile boolean empty = true;

    /** Nominates {@code pod} to {@code node} (replacing any earlier nomination); an empty node removes it. */
    public synchronized void nominate(PodInfo pod, String node) {
        remove(pod.key());
        if (node == null || node.isEmpty()) {
            return;
        }
        byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(pod);
        nodeOfPod.put(pod.key(), node);
        empty = false;
    }

    public synchronized void remove(String podKey) {
        String node = nodeOfPod.remove(podKey);
        if (node == null) {
            return;
        }
        List<PodInfo> l = byNode.get(node);
        if (l != null) {
            l.removeIf(p -> p.key().equals(podKey));
            if (l.isEmpty()) {
                byNode.remove(node);
            }
        }
        empty = nodeOfPod.isEmpty();
    }

    public List<PodInfo> forNode(String node) {
        if (empty) {
            return List.of();
        }
        synchronized (this) {
            List<PodInfo> l = byNode.get(node);
            return l == null ? List.of() : List.copyOf(l);
        }
    }

    public synchronized String nodeOf(String podKey) {
        return nodeOfPod.get(podKey);
    }
}
