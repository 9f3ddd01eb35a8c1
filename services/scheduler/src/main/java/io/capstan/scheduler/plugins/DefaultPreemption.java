package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.FitError;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.Handle;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PostFilterResult;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Preemption (PostFilter), as Kubernetes' DefaultPreemption: when no node fits, find nodes where
 * removing lower-priority pods would make the pod fit, pick the one that hurts least, delete its
 * victims and nominate the pod to it ({@code status.nominatedNodeName}); the pod is scheduled
 * there once the victims are gone.
 *
 * <ul>
 *   <li>Only nodes the filters rejected as resolvable are tried ("Preemption is not helpful for
 *       scheduling" otherwise); pods with {@code preemptionPolicy: Never} never preempt.</li>
 *   <li>Per node, every lower-priority pod is removed; if the pod then fits, victims are
 *       reprieved from the most important down while it still fits, so the fewest and least
 *       important pods are evicted.</li>
 *   <li>At least 10% of the candidate nodes (minimum 100) are tried from a random offset; among
 *       those, the node whose most important victim has the lowest priority wins, then the
 *       lowest sum of victim priorities, the fewest victims, the latest start time.</li>
 *   <li>PodDisruptionBudgets are not consulted (Capstan serves no policy/v1 yet).</li>
 * </ul>
 */
public final class DefaultPreemption implements Plugin.PostFilter {
    public static final String NAME = "DefaultPreemption";
    public static final String NO_VICTIMS = "No preemption victims found for incoming pod";
    public static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
    static final int MIN_CANDIDATE_NODES_PERCENTAGE = 10;
    static final int MIN_CANDIDATE_NODES_ABSOLUTE = 100;

    private final Handle handle;

    public DefaultPreemption(Handle handle) {
        this.handle = handle;
    }

    /** A node where preemption makes the pod fit, and the pods to evict there (most important first). */
    record Candidate(String node, List<PodInfo> victims) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PostFilterResult postFilter(CycleState state, PodInfo pod, Map<String, Status> nodeStatuses) {
        Snapshot snapshot = handle.snapshot();
        String notEligible = notEligibleReason(pod, snapshot, nodeStatuses);
        if (notEligible != null) {
            return PostFilterResult.of(Status.unschedulable("preemption: " + notEligible));
        }
        Map<String, Status> statuses = new LinkedHashMap<>();
        List<NodeInfo> potential = new ArrayList<>();
        for (NodeInfo node : snapshot.list()) {
            Status st = nodeStatuses.get(node.name());
            if (st == null || st.code() == Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE) {
                statuses.put(node.name(), Status.unresolvable(NOT_HELPFUL));
            } else {
                potential.add(node);
            }
        }
        if (potential.isEmpty() && !pod.nominatedNodeName().isEmpty()) {
            handle.actions().clearNominatedNodeName(pod);
        }
        List<Candidate> candidates = dryRun(state, pod, potential, statuses);
        if (candidates.isEmpty()) {
            FitError fit = new FitError(snapshot.size(), statuses, "", "", Set.of());
            return PostFilterResult.of(Status.unschedulable("preemption: " + fit.message()));
        }
        Candidate best = pick(candidates);
        prepare(best, pod);
        return new PostFilterResult(Status.SUCCESS, best.node());
    }

    /** PodEligibleToPreemptOthers; null when eligible. */
    private static String notEligibleReason(PodInfo pod, Snapshot snapshot, Map<String, Status> nodeStatuses) {
        if (!pod.mayPreempt()) {
            return "not eligible due to preemptionPolicy=Never.";
        }
        String nominated = pod.nominatedNodeName();
        if (!nominated.isEmpty()) {
            Status st = nodeStatuses.get(nominated);
            if (st != null && st.code() == Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE) {
                return null;
            }
            NodeInfo node = snapshot.get(nominated);
            if (node != null) {
                for (PodInfo p : node.pods()) {
                    if (p.priority() < pod.priority() && p.terminating()) {
                        return "not eligible due to a terminating pod on the nominated node.";
                    }
                }
            }
        }
        return null;
    }

    static int numCandidates(int nodes) {
        int n = nodes * MIN_CANDIDATE_NODES_PERCENTAGE / 100;
        if (n < MIN_CANDIDATE_NODES_ABSOLUTE) {
            n = MIN_CANDIDATE_NODES_ABSOLUTE;
        }
        return Math.min(n, nodes);
    }

    private List<Candidate> dryRun(CycleState state, PodInfo pod, List<NodeInfo> potential, Map<String, Status> statuses) {
        List<Candidate> candidates = new ArrayList<>();
        if (potential.isEmpty()) {
            return candidates;
        }
        int wanted = numCandidates(potential.size());
        int offset = ThreadLocalRandom.current().nextInt(potential.size());
        for (int i = 0; i < potential.size() && candidates.size() < wanted; i++) {
            NodeInfo node = potential.get((offset + i) % potential.size());
            List<PodInfo> victims = new ArrayList<>();
            Status st = selectVictims(state.copy(), pod, node, victims);
            if (st.isSuccess()) {
                candidates.add(new Candidate(node.name(), victims));
            } else {
                statuses.put(node.name(), st);
            }
        }
        return candidates;
    }

    /** selectVictimsOnNode: fills {@code victims} (most important first) and returns SUCCESS, or why preempting here cannot help. */
    Status selectVictims(CycleState state, PodInfo pod, NodeInfo nodeInfo, List<PodInfo> victims) {
        Framework fw = handle.framework();
        NodeInfo node = nodeInfo;
        List<PodInfo> potential = new ArrayList<>();
        for (PodInfo p : nodeInfo.pods()) {
            if (p.priority() < pod.priority()) {
                potential.add(p);
                node = node.withoutPod(p.key());
                fw.runPreFilterExtensionRemovePod(state, pod, p, node);
            }
        }
        if (potential.isEmpty()) {
            return Status.unresolvable(NO_VICTIMS);
        }
        Status st = fw.runFilterPluginsWithNominatedPods(state, pod, node);
        if (!st.isSuccess()) {
            return st;
        }
        potential.sort(MORE_IMPORTANT);
        for (PodInfo p : potential) {
            NodeInfo with = node.withPod(p);
            fw.runPreFilterExtensionAddPod(state, pod, p, with);
            if (fw.runFilterPluginsWithNominatedPods(state, pod, with).isSuccess()) {
                node = with;
            } else {
                fw.runPreFilterExtensionRemovePod(state, pod, p, node);
                victims.add(p);
            }
        }
        return Status.SUCCESS;
    }

    /** util.MoreImportantPod: higher priority first, then the one that started earlier. */
    static final Comparator<PodInfo> MORE_IMPORTANT = Comparator.comparingInt(PodInfo::priority).reversed()
            .thenComparing(PodInfo::startTime);

    /** pickOneNodeForPreemption without PodDisruptionBudgets. */
    static Candidate pick(List<Candidate> candidates) {
        for (Candidate c : candidates) {
            if (c.victims().isEmpty()) {
                return c;
            }
        }
        List<Candidate> best = candidates;
        best = keepMin(best, c -> (long) c.victims().get(0).priority());
        best = keepMin(best, c -> {
            long sum = 0;
            for (PodInfo v : c.victims()) {
                sum += (long) v.priority() + Integer.MAX_VALUE + 1;
            }
            return sum;
        });
        best = keepMin(best, c -> (long) c.victims().size());
        if (best.size() > 1) {
            Map<Candidate, Long> earliest = new HashMap<>();
            for (Candidate c : best) {
                earliest.put(c, earliestStartOfMostImportant(c.victims()));
            }
            long latest = earliest.values().stream().mapToLong(Long::longValue).max().orElse(0);
            for (Candidate c : best) {
                if (earliest.get(c) == latest) {
                    return c;
                }
            }
        }
        return best.get(0);
    }

    private static List<Candidate> keepMin(List<Candidate> in, java.util.function.ToLongFunction<Candidate> f) {
        if (in.size() <= 1) {
            return in;
        }
        long min = Long.MAX_VALUE;
        for (Candidate c : in) {
            min = Math.min(min, f.applyAsLong(c));
        }
        List<Candidate> out = new ArrayList<>();
        for (Candidate c : in) {
            if (f.applyAsLong(c) == min) {
                out.add(c);
            }
        }
        return out;
    }

    /** GetEarliestPodStartTime: the earliest start among the victims of the highest priority, in epoch millis. */
    private static long earliestStartOfMostImportant(List<PodInfo> victims) {
        int top = victims.stream().mapToInt(PodInfo::priority).max().orElse(0);
        return victims.stream().filter(v -> v.priority() == top).mapToLong(v -> v.startTime().toEpochMilli()).min().orElse(0);
    }

    /** Evicts the victims and takes the node away from lower-priority pods nominated to it. */
    private void prepare(Candidate c, PodInfo preemptor) {
        for (PodInfo victim : c.victims()) {
            Status st = handle.actions().deletePod(victim);
            if (st.isSuccess()) {
                handle.actions().event(victim, "Normal", "Preempted", "Preempted by pod " + preemptor.uid() + " on node " + c.node());
            }
        }
        for (PodInfo nominated : handle.nominatedPodsFor(c.node())) {
            if (nominated.priority() < preemptor.priority() && !nominated.key().equals(preemptor.key())) {
                handle.actions().clearNominatedNodeName(nominated);
            }
        }
    }
}
