package io.capstan.scheduler.framework;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Per-pod, per-cycle data plugins share between their extension points (framework.CycleState),
 * e.g. what PreFilter computed for Filter. Owned by the scheduling thread; preemption works on
 * {@link #copy() copies} so its what-if runs cannot disturb the cycle's state.
 */
public final class CycleState {
    /** State a plugin stores; copied when the cycle state is. */
    public interface Data {
        Data copy();
    }

    private final Map<String, Data> data;
    private final Set<String> skipFilter = new HashSet<>(4);
    private final Set<String> skipScore = new HashSet<>(4);
    // the Filter plugins not skipped, fixed after PreFilter: the filter loop runs per node, hundreds of times a cycle
    private Object[] filters;

    public CycleState() {
        this.data = new HashMap<>(8);
    }

    private CycleState(Map<String, Data> data) {
        this.data = data;
    }

    public void write(String key, Data value) {
        data.put(key, value);
    }

    @SuppressWarnings("unchecked")
    public <T extends Data> T read(String key) {
        return (T) data.get(key);
    }

    /** Plugins whose PreFilter said Skip: their Filter is not run this cycle. */
    public Set<String> skipFilter() {
        return skipFilter;
    }

    /** Plugins whose PreScore said Skip: their Score is not run this cycle. */
    public Set<String> skipScore() {
        return skipScore;
    }

    /** The Filter plugins to run this cycle (set by the framework after PreFilter), or null before. */
    Object[] filters() {
        return filters;
    }

    void filters(Object[] active) {
        this.filters = active;
    }

    public CycleState copy() {
        Map<String, Data> m = new HashMap<>(data.size() * 2);
        data.forEach((k, v) -> m.put(k, v.copy()));
        CycleState c = new CycleState(m);
        c.skipFilter.addAll(skipFilter);
        c.skipScore.addAll(skipScore);
        c.filters = filters;
        return c;
    }
}
