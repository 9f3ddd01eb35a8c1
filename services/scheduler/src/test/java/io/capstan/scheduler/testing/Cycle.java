package io.capstan.scheduler.testing;

import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.Handle;
import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodActions;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.PreFilterResult;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;

import java.util.List;

/** Runs single plugins the way the framework does, over a snapshot of test nodes. */
public final class Cycle {
    private Cycle() {
    }

    /** A handle whose snapshot is {@code snapshot}, without nominations or actions. */
    public static Handle handle(Snapshot snapshot) {
        return new Handle() {
            @Override
            public Snapshot snapshot() {
                return snapshot;
            }

            @Override
            public List<PodInfo> nominatedPodsFor(String nodeName) {
                return List.of();
            }

            @Override
            public PodActions actions() {
                throw new UnsupportedOperationException("a plugin table cycle neither binds nor preempts");
            }

            @Override
            public Framework framework() {
                throw new UnsupportedOperationException("a plugin table cycle neither binds nor preempts");
            }
        };
    }

    /** PreFilter (if the plugin has one) then Filter on {@code node}; a PreFilter rejection is returned as is. */
    public static Status filter(Plugin plugin, PodInfo pod, NodeInfo node, Snapshot snapshot) {
        CycleState state = new CycleState();
        if (plugin instanceof Plugin.PreFilter pf) {
            PreFilterResult r = pf.preFilter(state, pod, snapshot);
            if (r.status().isSkip()) {
                return Status.SUCCESS;
            }
            if (!r.status().isSuccess()) {
                return r.status();
            }
        }
        return ((Plugin.Filter) plugin).filter(state, pod, node);
    }

    /** PreScore (if any), Score over every node, NormalizeScore; SKIP scores all zero. */
    public static long[] score(Plugin plugin, PodInfo pod, List<NodeInfo> nodes) {
        CycleState state = new CycleState();
        long[] scores = new long[nodes.size()];
        if (plugin instanceof Plugin.PreScore ps && ps.preScore(state, pod, nodes).isSkip()) {
            return scores;
        }
        Plugin.Score s = (Plugin.Score) plugin;
        for (int i = 0; i < nodes.size(); i++) {
            scores[i] = s.score(state, pod, nodes.get(i));
        }
        s.normalize(state, pod, nodes, scores);
        return scores;
    }
}
