package io.capstan.scheduler.framework;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One scheduling profile (frameworkImpl): the enabled plugins of each extension point in order,
 * the score weights, and the code that runs them. Built from a plugin name list by
 * {@link #builder}; every plugin implementing an extension point takes part in it.
 *
 * <p>Runs on the scheduling thread, except {@link #runBindPlugins} (binding threads). Plugins
 * run one after the other, not in parallel: on a small machine every core is better spent on the
 * api-server and the next pod than on fanning one pod's filters out.
 */
public final class Framework implements Handle {
    public static final long MAX_NODE_SCORE = 100;

    private final String profileName;
    private final int percentageOfNodesToScore;
    private final List<Plugin.PreFilter> preFilters = new ArrayList<>();
    private final List<Plugin.Filter> filters = new ArrayList<>();
    private final List<Plugin.PostFilter> postFilters = new ArrayList<>();
    private final List<Plugin.PreScore> preScores = new ArrayList<>();
    private final List<Plugin.Score> scores = new ArrayList<>();
    private final List<Integer> weights = new ArrayList<>();
    private final List<Plugin.Reserve> reserves = new ArrayList<>();
    private final List<Plugin.Bind> binds = new ArrayList<>();
    private final Map<String, Set<ClusterEvent>> pluginEvents = new HashMap<>();
    private final Supplier<Snapshot> snapshot;
    private final Nominations nominations;
    private final PodActions actions;

    /** Pods nominated per node (the scheduling queue's nominator). */
    @FunctionalInterface
    public interface Nominations {
        Nominations NONE = node -> List.of();

        List<PodInfo> forNode(String nodeName);
    }

    private Framework(String profileName, int percentageOfNodesToScore, Supplier<Snapshot> snapshot, Nominations nominations,
                      PodActions actions) {
        this.profileName = profileName;
        this.percentageOfNodesToScore = percentageOfNodesToScore;
        this.snapshot = snapshot;
        this.nominations = nominations;
        this.actions = actions;
    }

    public static Builder builder(String profileName, Registry registry) {
        return new Builder(profileName, registry);
    }

    /** Collects a profile's settings; {@link #build} instantiates the plugins. */
    public static final class Builder {
        private final String profileName;
        private final Registry registry;
        private final List<String> plugins = new ArrayList<>();
        private final Map<String, Integer> weights = new HashMap<>();
        private int percentageOfNodesToScore;
        private Supplier<Snapshot> snapshot = Snapshot::new;
        private Nominations nominations = Nominations.NONE;
        private PodActions actions;

        private Builder(String profileName, Registry registry) {
            this.profileName = profileName;
            this.registry = registry;
        }

        /** Enables plugins, in the order their extension points run them. */
        public Builder plugins(List<String> names) {
            plugins.addAll(names);
            return this;
        }

        /** Score weight of a plugin (default 1). */
        public Builder weight(String plugin, int weight) {
            weights.put(plugin, weight);
            return this;
        }

        public Builder weights(Map<String, Integer> w) {
            weights.putAll(w);
            return this;
        }

        /** 0 for the adaptive default. */
        public Builder percentageOfNodesToScore(int percentage) {
            percentageOfNodesToScore = percentage;
            return this;
        }

        public Builder snapshot(Supplier<Snapshot> s) {
            snapshot = s;
            return this;
        }

        public Builder nominations(Nominations n) {
            nominations = n;
            return this;
        }

        public Builder actions(PodActions a) {
            actions = a;
            return this;
        }

        public Framework build() {
            Framework f = new Framework(profileName, percentageOfNodesToScore, snapshot, nominations, actions);
            Set<String> seen = new HashSet<>();
            for (String name : plugins) {
                if (!seen.add(name)) {
                    continue;
                }
                Plugin p = registry.create(name, f);
                f.add(p, weights.getOrDefault(name, 1));
            }
            return f;
        }
    }

    private void add(Plugin p, int weight) {
        if (p instanceof Plugin.PreFilter x) {
            preFilters.add(x);
        }
        if (p instanceof Plugin.Filter x) {
            filters.add(x);
        }
        if (p instanceof Plugin.PostFilter x) {
            postFilters.add(x);
        }
        if (p instanceof Plugin.PreScore x) {
            preScores.add(x);
        }
        if (p instanceof Plugin.Score x && weight > 0) {
            scores.add(x);
            weights.add(weight);
        }
        if (p instanceof Plugin.Reserve x) {
            reserves.add(x);
        }
        if (p instanceof Plugin.Bind x) {
            binds.add(x);
        }
        Set<ClusterEvent> events = p instanceof Plugin.EnqueueExtensions e ? e.events() : EnumSet.allOf(ClusterEvent.class);
        pluginEvents.put(p.name(), events);
    }

    public String profileName() {
        return profileName;
    }

    public int percentageOfNodesToScore() {
        return percentageOfNodesToScore;
    }

    public boolean hasPostFilters() {
        return !postFilters.isEmpty();
    }

    /** The events each plugin of this profile registered, by plugin name. */
    public Map<String, Set<ClusterEvent>> pluginEvents() {
        return pluginEvents;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot.get();
    }

    @Override
    public List<PodInfo> nominatedPodsFor(String nodeName) {
        return nominations.forNode(nodeName);
    }

    @Override
    public PodActions actions() {
        return actions;
    }

    @Override
    public Framework framework() {
        return this;
    }

    /** The merged PreFilter outcome: the first rejection or error, or the intersection of node name sets. */
    public PreFilterResult runPreFilterPlugins(CycleState state, PodInfo pod) {
        Set<String> names = null;
        Snapshot s = snapshot();
        List<String> restricting = new ArrayList<>(1);
        for (Plugin.PreFilter p : preFilters) {
            PreFilterResult r = p.preFilter(state, pod, s);
            Status st = r.status();
            if (st.isSkip()) {
                state.skipFilter().add(p.name());
                continue;
            }
            if (!st.isSuccess()) {
                return new PreFilterResult(st.withPlugin(p.name()), null);
            }
            if (r.nodeNames() != null) {
                restricting.add(p.name());
                if (names == null) {
                    names = new HashSet<>(r.nodeNames());
                } else {
                    names.retainAll(r.nodeNames());
                }
                if (names.isEmpty()) {
                    return new PreFilterResult(unsatisfied(restricting), null);
                }
            }
        }
        state.filters(activeFilters(state));
        return names == null ? PreFilterResult.SUCCESS : new PreFilterResult(Status.SUCCESS, names, unsatisfied(restricting));
    }

    /** The status of nodes PreFilter plugins ruled out by name, worded as Kubernetes does (plugins sorted, space-separated). */
    private static Status unsatisfied(List<String> plugins) {
        List<String> sorted = new ArrayList<>(plugins);
        Collections.sort(sorted);
        return Status.unresolvable("node(s) didn't satisfy plugin(s) [" + String.join(" ", sorted) + "]").withPlugin(plugins.get(0));
    }

    public void runPreFilterExtensionAddPod(CycleState state, PodInfo pod, PodInfo added, NodeInfo node) {
        for (Plugin.PreFilter p : preFilters) {
            if (!state.skipFilter().contains(p.name())) {
                p.addPod(state, pod, added, node);
            }
        }
    }

    public void runPreFilterExtensionRemovePod(CycleState state, PodInfo pod, PodInfo removed, NodeInfo node) {
        for (Plugin.PreFilter p : preFilters) {
            if (!state.skipFilter().contains(p.name())) {
                p.removePod(state, pod, removed, node);
            }
        }
    }

    /** Runs the filters in order until one rejects the node (RunFilterPlugins); that status names its plugin. */
    public Status runFilterPlugins(CycleState state, PodInfo pod, NodeInfo node) {
        Object[] active = state.filters();
        if (active == null) {
            active = activeFilters(state);
            state.filters(active);
        }
        for (Object f : active) {
            Plugin.Filter p = (Plugin.Filter) f;
            Status st = p.filter(state, pod, node);
            if (!st.isSuccess()) {
                return st.withPlugin(p.name());
            }
        }
        return Status.SUCCESS;
    }

    /** The Filter plugins whose PreFilter did not say Skip, in order. */
    private Object[] activeFilters(CycleState state) {
        Set<String> skip = state.skipFilter();
        List<Plugin.Filter> active = new ArrayList<>(filters.size());
        for (Plugin.Filter p : filters) {
            if (!skip.contains(p.name())) {
                active.add(p);
            }
        }
        return active.toArray();
    }

    /**
     * RunFilterPluginsWithNominatedPods: filters the node as if the pods nominated to it with a
     * priority at least the pod's were already there (so a preemptor's space is not taken by an
     * equal or lower priority pod), and, if that passes, once more without them (they may never
     * arrive, and pod affinity to them must not be counted on).
     */
    public Status runFilterPluginsWithNominatedPods(CycleState state, PodInfo pod, NodeInfo node) {
        List<PodInfo> nominated = nominatedPodsFor(node.name());
        if (nominated.isEmpty()) {
            return runFilterPlugins(state, pod, node);
        }
        CycleState withState = null;
        NodeInfo withNode = node;
        for (PodInfo n : nominated) {
            if (n.priority() >= pod.priority() && !n.uid().equals(pod.uid()) && !n.key().equals(pod.key())) {
                if (withState == null) {
                    withState = state.copy();
                }
                withNode = withNode.withPod(n);
                runPreFilterExtensionAddPod(withState, pod, n, withNode);
            }
        }
        if (withState == null) {
            return runFilterPlugins(state, pod, node);
        }
        Status st = runFilterPlugins(withState, pod, withNode);
        if (!st.isSuccess()) {
            return st;
        }
        return runFilterPlugins(state, pod, node);
    }

    /** Runs PostFilter plugins until one succeeds (nominates a node); otherwise the last rejection. */
    public PostFilterResult runPostFilterPlugins(CycleState state, PodInfo pod, Map<String, Status> nodeStatuses) {
        PostFilterResult last = PostFilterResult.of(Status.unschedulable());
        for (Plugin.PostFilter p : postFilters) {
            PostFilterResult r = p.postFilter(state, pod, nodeStatuses);
            if (r.status().isSuccess()) {
                return r;
            }
            if (r.status().code() == Status.Code.ERROR) {
                return new PostFilterResult(r.status().withPlugin(p.name()), null);
            }
            last = new PostFilterResult(r.status().withPlugin(p.name()), r.nominatedNodeName());
        }
        return last;
    }

    /** Runs PreScore; plugins that say Skip are left out of Score. An error is returned at once. */
    public Status runPreScorePlugins(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
        for (Plugin.PreScore p : preScores) {
            Status st = p.preScore(state, pod, nodes);
            if (st.isSkip()) {
                state.skipScore().add(p.name());
            } else if (!st.isSuccess()) {
                return st.withPlugin(p.name());
            }
        }
        return Status.SUCCESS;
    }

    /**
     * Scores every node with every (not skipped) Score plugin, normalizes per plugin, and sums
     * weight x score per node (RunScorePlugins).
     *
     * @param perPlugin when not null, receives each plugin's normalized scores (for tests and debugging)
     */
    public long[] runScorePlugins(CycleState state, PodInfo pod, List<NodeInfo> nodes, Map<String, long[]> perPlugin) {
        int n = nodes.size();
        long[] total = new long[n];
        long[] scratch = new long[n];
        for (int i = 0; i < scores.size(); i++) {
            Plugin.Score p = scores.get(i);
            if (state.skipScore().contains(p.name())) {
                continue;
            }
            for (int j = 0; j < n; j++) {
                scratch[j] = p.score(state, pod, nodes.get(j));
            }
            p.normalize(state, pod, nodes, scratch);
            long w = weights.get(i);
            for (int j = 0; j < n; j++) {
                long s = scratch[j];
                if (s < 0 || s > MAX_NODE_SCORE) {
                    throw new IllegalStateException("plugin " + p.name() + " returns an invalid score " + s + " for node "
                            + nodes.get(j).name() + ", it must be in 0.." + MAX_NODE_SCORE);
                }
                total[j] += s * w;
            }
            if (perPlugin != null) {
                perPlugin.put(p.name(), scratch.clone());
            }
        }
        return total;
    }

    /** Runs Reserve; on a failure, Unreserve of every Reserve plugin and that status. */
    public Status runReservePlugins(CycleState state, PodInfo pod, String nodeName) {
        for (Plugin.Reserve p : reserves) {
            Status st = p.reserve(state, pod, nodeName);
            if (!st.isSuccess()) {
                runUnreservePlugins(state, pod, nodeName);
                return st.withPlugin(p.name());
            }
        }
        return Status.SUCCESS;
    }

    public void runUnreservePlugins(CycleState state, PodInfo pod, String nodeName) {
        for (int i = reserves.size() - 1; i >= 0; i--) {
            reserves.get(i).unreserve(state, pod, nodeName);
        }
    }

    /** The first Bind plugin that does not Skip binds the pod. */
    public Status runBindPlugins(CycleState state, PodInfo pod, String nodeName) {
        for (Plugin.Bind p : binds) {
            Status st = p.bind(state, pod, nodeName);
            if (!st.isSkip()) {
                return st.withPlugin(p.name());
            }
        }
        return Status.error("no bind plugin bound pod " + pod.key());
    }
}
