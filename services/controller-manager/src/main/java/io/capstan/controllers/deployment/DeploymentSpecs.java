package io.capstan.controllers.deployment;

import io.capstan.workloads.common.IntOrPercent;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

/**
 * Deployment spec values with apps/v1 defaults applied, and the rolling-update fenceposts of
 * deploymentutil (MaxSurge, MaxUnavailable, ResolveFenceposts).
 */
public final class DeploymentSpecs {
    public static final String ROLLING_UPDATE = "RollingUpdate";
    public static final String RECREATE = "Recreate";
    static final IntOrString DEFAULT_FENCEPOST = new IntOrString("25%");

    private DeploymentSpecs() {
    }

    public static int replicas(Deployment d) {
        Integer r = d.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    public static int replicas(ReplicaSet rs) {
        Integer r = rs.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    public static int minReadySeconds(Deployment d) {
        Integer m = d.getSpec().getMinReadySeconds();
        return m == null ? 0 : m;
    }

    public static String strategyType(Deployment d) {
        DeploymentStrategy s = d.getSpec().getStrategy();
        return s == null || s.getType() == null ? ROLLING_UPDATE : s.getType();
    }

    public static boolean isRollingUpdate(Deployment d) {
        return ROLLING_UPDATE.equals(strategyType(d));
    }

    public static int revisionHistoryLimit(Deployment d) {
        Integer l = d.getSpec().getRevisionHistoryLimit();
        return l == null ? 10 : l;
    }

    /** HasProgressDeadline: set (apps/v1 defaults it to 600) and not MaxInt32. */
    public static boolean hasProgressDeadline(Deployment d) {
        return progressDeadlineSeconds(d) != Integer.MAX_VALUE;
    }

    public static int progressDeadlineSeconds(Deployment d) {
        Integer p = d.getSpec().getProgressDeadlineSeconds();
        return p == null ? 600 : p;
    }

    public static boolean paused(Deployment d) {
        return Boolean.TRUE.equals(d.getSpec().getPaused());
    }

    /** The {maxSurge, maxUnavailable} fenceposts for {@code desired} replicas. */
    public static int[] resolveFenceposts(IntOrString maxSurge, IntOrString maxUnavailable, int desired) {
        int surge = IntOrPercent.scaledValue(maxSurge == null ? new IntOrString(0) : maxSurge, desired, true, 0);
        int unavailable = IntOrPercent.scaledValue(maxUnavailable == null ? new IntOrString(0) : maxUnavailable, desired, false, 0);
        if (surge == 0 && unavailable == 0) {
            // Rounding down can make both zero; a rollout must still be able to move.
            unavailable = 1;
        }
        return new int[] {surge, unavailable};
    }

    public static int maxSurge(Deployment d) {
        if (!isRollingUpdate(d)) {
            return 0;
        }
        return fenceposts(d)[0];
    }

    public static int maxUnavailable(Deployment d) {
        if (!isRollingUpdate(d) || replicas(d) == 0) {
            return 0;
        }
        return Math.min(fenceposts(d)[1], replicas(d));
    }

    private static int[] fenceposts(Deployment d) {
        DeploymentStrategy s = d.getSpec().getStrategy();
        IntOrString surge = DEFAULT_FENCEPOST;
        IntOrString unavailable = DEFAULT_FENCEPOST;
        if (s != null && s.getRollingUpdate() != null) {
            surge = s.getRollingUpdate().getMaxSurge() == null ? DEFAULT_FENCEPOST : s.getRollingUpdate().getMaxSurge();
            unavailable = s.getRollingUpdate().getMaxUnavailable() == null ? DEFAULT_FENCEPOST : s.getRollingUpdate().getMaxUnavailable();
        }
        return resolveFenceposts(surge, unavailable, replicas(d));
    }
}
