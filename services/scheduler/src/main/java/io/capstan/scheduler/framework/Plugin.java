package io.capstan.scheduler.framework;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A scheduling plugin (framework.Plugin): a small class with a {@code NAME} constant that
 * implements only the extension points it needs. Plugins are built per profile by the
 * {@link Registry} and called from the scheduling thread only (Bind from binding threads), one
 * pod at a time; whatever they compute for a pod lives in the {@link CycleState}, never in fields.
 */
public interface Plugin {
    String name();

    /** Runs once per cycle before any Filter. */
    interface PreFilter extends Plugin {
        /**
         * @return a result whose status is SUCCESS, SKIP (this plugin's Filter is not needed for
         * this pod), a rejection (the pod fits no node; every node gets this status) or ERROR;
         * and optionally the only node names that can pass (null: any)
         */
        PreFilterResult preFilter(CycleState state, PodInfo pod, Snapshot snapshot);

        /**
         * Updates this plugin's PreFilter state as if {@code added} ran on {@code node}
         * (PreFilterExtensions.AddPod), for the what-if filtering of nominated pods and preemption.
         */
        default void addPod(CycleState state, PodInfo pod, PodInfo added, NodeInfo node) {
        }

        /** The inverse of {@link #addPod} (PreFilterExtensions.RemovePod). */
        default void removePod(CycleState state, PodInfo pod, PodInfo removed, NodeInfo node) {
        }
    }

    /** Decides whether a pod may run on a node. */
    interface Filter extends Plugin {
        /** @return SUCCESS, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE (with reasons) or ERROR; must not modify anything */
        Status filter(CycleState state, PodInfo pod, NodeInfo node);
    }

    /** Runs when no node passed the filters, e.g. preemption. */
    interface PostFilter extends Plugin {
        /** @param nodeStatuses why each node was rejected, by node name */
        PostFilterResult postFilter(CycleState state, PodInfo pod, Map<String, Status> nodeStatuses);
    }

    /** Runs once per cycle before Score, over the nodes that passed the filters. */
    interface PreScore extends Plugin {
        /** @return SUCCESS, SKIP (this plugin's Score is not needed) or ERROR */
        Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes);
    }

    /** Ranks the nodes that passed the filters. */
    interface Score extends Plugin {
        /** A raw score; after {@link #normalize} it must be within 0..{@link Framework#MAX_NODE_SCORE}. */
        long score(CycleState state, PodInfo pod, NodeInfo node);

        /** Rescales the raw scores of all nodes in place (NormalizeScore); none by default. */
        default void normalize(CycleState state, PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        }
    }

    /** Claims (and gives back) what the pod will use on its node before binding. */
    interface Reserve extends Plugin {
        Status reserve(CycleState state, PodInfo pod, String nodeName);

        /** Must be idempotent: called for every Reserve plugin when any step after Reserve failed. */
        void unreserve(CycleState state, PodInfo pod, String nodeName);
    }

    /** Binds the pod to the node; runs on a binding thread and may block. */
    interface Bind extends Plugin {
        /** @return SUCCESS, SKIP (let the next Bind plugin do it) or ERROR */
        Status bind(CycleState state, PodInfo pod, String nodeName);
    }

    /** The cluster events that can make a pod this plugin rejected schedulable (EnqueueExtensions). */
    interface EnqueueExtensions extends Plugin {
        Set<ClusterEvent> events();
    }
}
