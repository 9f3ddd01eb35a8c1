package io.capstan.scheduler.framework;

import java.util.List;

/** What a plugin may use besides its arguments (framework.Handle). */
public interface Handle {
    /** The snapshot of the current cycle. */
    Snapshot snapshot();

    /** Pods nominated to {@code nodeName} by earlier preemptions, waiting for their victims to go. */
    List<PodInfo> nominatedPodsFor(String nodeName);

    PodActions actions();

    /** The profile's own framework, for plugins that re-run filters (preemption). */
    Framework framework();
}
