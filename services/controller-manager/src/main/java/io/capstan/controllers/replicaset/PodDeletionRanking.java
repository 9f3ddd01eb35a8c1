package io.capstan.controllers.replicaset;

import io.capstan.workloads.common.Pods;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * controller.ActivePodsWithRanks: the order in which a ReplicaSet deletes surplus pods, first
 * to go first. With the PodDeletionCost and LogarithmicScaleDown gates on, as by default:
 * <ol>
 * <li>unscheduled before scheduled;</li>
 * <li>Pending before Unknown before Running;</li>
 * <li>not ready before ready;</li>
 * <li>lower {@code controller.kubernetes.io/pod-deletion-cost} first;</li>
 * <li>more active related pods on the same node first (doubled-up pods);</li>
 * <li>both ready: ready for less time first, compared in log2 buckets of age;</li>
 * <li>more container restarts first (regular, then restartable init containers);</li>
 * <li>newer creation first, in log2 buckets of age, then by uid.</li>
 * </ol>
 */
public final class PodDeletionRanking implements Comparator<Pod> {
    static final String DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

    private final Map<String, Integer> activeRelatedPodsPerNode;
    private final Instant now;

    private PodDeletionRanking(Map<String, Integer> activeRelatedPodsPerNode, Instant now) {
        this.activeRelatedPodsPerNode = activeRelatedPodsPerNode;
        this.now = now;
    }

    /**
     * A ranking where a pod's co-location rank is the number of active {@code relatedPods}
     * (pods of the same ReplicaSet or of its sibling ReplicaSets) on its node.
     */
    public static PodDeletionRanking relativeTo(List<Pod> relatedPods, Instant now) {
        Map<String, Integer> perNode = new HashMap<>();
        for (Pod p : relatedPods) {
            if (Pods.isActive(p)) {
                perNode.merge(nodeName(p), 1, Integer::sum);
            }
        }
        return new PodDeletionRanking(perNode, now);
    }

    /** The first {@code count} pods to delete from {@code pods}. */
    public List<Pod> podsToDelete(List<Pod> pods, int count) {
        List<Pod> sorted = new ArrayList<>(pods);
        if (count < sorted.size()) {
            sorted.sort(this);
        }
        return List.copyOf(sorted.subList(0, Math.min(count, sorted.size())));
    }

    @Override
    public int compare(Pod a, Pod b) {
        String na = nodeName(a);
        String nb = nodeName(b);
        if (!na.equals(nb) && (na.isEmpty() || nb.isEmpty())) {
            return na.isEmpty() ? -1 : 1;
        }
        int phase = Integer.compare(phaseOrdinal(a), phaseOrdinal(b));
        if (phase != 0) {
            return phase;
        }
        boolean ra = Pods.isReady(a);
        boolean rb = Pods.isReady(b);
        if (ra != rb) {
            return ra ? 1 : -1;
        }
        int cost = Integer.compare(deletionCost(a), deletionCost(b));
        if (cost != 0) {
            return cost;
        }
        int rank = Integer.compare(activeRelatedPodsPerNode.getOrDefault(nb, 0), activeRelatedPodsPerNode.getOrDefault(na, 0));
        if (rank != 0) {
            return rank;
        }
        if (ra) {
            Integer byReady = newerFirst(Pods.readyTime(a), Pods.readyTime(b), a, b);
            if (byReady != null) {
                return byReady;
            }
        }
        int[] restartsA = maxRestarts(a);
        int[] restartsB = maxRestarts(b);
        if (restartsA[0] != restartsB[0]) {
            return restartsA[0] > restartsB[0] ? -1 : 1;
        }
        if (restartsA[1] != restartsB[1]) {
            return restartsA[1] > restartsB[1] ? -1 : 1;
        }
        Integer byCreation = newerFirst(Times.parse(a.getMetadata().getCreationTimestamp()),
                Times.parse(b.getMetadata().getCreationTimestamp()), a, b);
        return byCreation == null ? 0 : byCreation;
    }

    /** Null when the times are equal; otherwise the zero time first, then the newer first. */
    private Integer newerFirst(Instant ta, Instant tb, Pod a, Pod b) {
        if (Objects.equals(ta, tb)) {
            return null;
        }
        if (ta == null || tb == null) {
            return ta == null ? -1 : 1;
        }
        long diff = log2Bucket(ta) - log2Bucket(tb);
        if (diff == 0) {
            return uid(a).compareTo(uid(b));
        }
        return diff < 0 ? -1 : 1;
    }

    private long log2Bucket(Instant t) {
        long nanos = Duration.between(t, now).toNanos();
        return nanos > 0 ? (long) (Math.log(nanos) / Math.log(2)) : -1;
    }

    private static String uid(Pod p) {
        return p.getMetadata().getUid() == null ? "" : p.getMetadata().getUid();
    }

    private static String nodeName(Pod p) {
        return p.getSpec() == null || p.getSpec().getNodeName() == null ? "" : p.getSpec().getNodeName();
    }

    private static int phaseOrdinal(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if ("Unknown".equals(phase)) {
            return 1;
        }
        return "Running".equals(phase) ? 2 : 0;
    }

    private static int deletionCost(Pod p) {
        Map<String, String> ann = p.getMetadata().getAnnotations();
        String v = ann == null ? null : ann.get(DELETION_COST_ANNOTATION);
        if (v == null) {
            return 0;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {max restarts of regular containers, max restarts of restartable init containers}. */
    private static int[] maxRestarts(Pod p) {
        int regular = 0;
        int sidecar = 0;
        if (p.getStatus() != null) {
            for (ContainerStatus cs : nullSafe(p.getStatus().getContainerStatuses())) {
                regular = Math.max(regular, cs.getRestartCount() == null ? 0 : cs.getRestartCount());
            }
            List<String> sidecars = new ArrayList<>();
            if (p.getSpec() != null) {
                for (Container c : nullSafe(p.getSpec().getInitContainers())) {
                    if ("Always".equals(c.getRestartPolicy())) {
                        sidecars.add(c.getName());
                    }
                }
            }
            for (ContainerStatus cs : nullSafe(p.getStatus().getInitContainerStatuses())) {
                if (sidecars.contains(cs.getName())) {
                    sidecar = Math.max(sidecar, cs.getRestartCount() == null ? 0 : cs.getRestartCount());
                }
            }
        }
        return new int[] {regular, sidecar};
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }
}
