package io.capstan.workloads.common;

import java.util.ArrayList;
import java.util.List;

/**
 * controller.slowStartBatch's batch sizes: 1, 2, 4, ... until {@code count} is reached, so that a
 * create that keeps failing (quota, admission) costs one call instead of hundreds. The ReplicaSet,
 * Job and DaemonSet controllers create their pods this way and stop at the first failed batch.
 */
public final class SlowStart {
    /** controller.SlowStartInitialBatchSize. */
    public static final int INITIAL_BATCH_SIZE = 1;

    private SlowStart() {
    }

    public static List<Integer> batches(int count) {
        List<Integer> batches = new ArrayList<>();
        int remaining = count;
        int size = Math.min(remaining, INITIAL_BATCH_SIZE);
        while (size > 0) {
            batches.add(size);
            remaining -= size;
            size = Math.min(2 * size, remaining);
        }
        return batches;
    }
}
