package io.capstan.scheduler.framework;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Objects;

/** Taint and toleration matching as in k8s.io/api core/v1 helpers. */
public final class Taints {
    public static final String NO_SCHEDULE = "NoSchedule";
    public static final String NO_EXECUTE = "NoExecute";
    public static final String PREFER_NO_SCHEDULE = "PreferNoSchedule";
    public static final String UNSCHEDULABLE_KEY = "node.kubernetes.io/unschedulable";

    private Taints() {
    }

    /** Toleration.ToleratesTaint: an empty effect matches every effect, an empty key with Exists every key. */
    public static boolean tolerates(Toleration t, String key, String value, String effect) {
        if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(effect)) {
            return false;
        }
        if (t.getKey() != null && !t.getKey().isEmpty() && !t.getKey().equals(key)) {
            return false;
        }
        String op = t.getOperator() == null ? "" : t.getOperator();
        return switch (op) {
            case "", "Equal" -> Objects.equals(t.getValue() == null ? "" : t.getValue(), value == null ? "" : value);
            case "Exists" -> true;
            default -> false;
        };
    }

    public static boolean tolerated(Taint taint, List<Toleration> tolerations) {
        for (Toleration t : tolerations) {
            if (tolerates(t, taint.getKey(), taint.getValue(), taint.getEffect())) {
                return true;
            }
        }
        return false;
    }

    /**
     * FindMatchingUntoleratedTaint with the DoNotSchedule filter: the first NoSchedule or NoExecute
     * taint no toleration tolerates, or null.
     */
    public static Taint firstUntoleratedHardTaint(List<Taint> taints, List<Toleration> tolerations) {
        for (Taint taint : taints) {
            String effect = taint.getEffect();
            if ((NO_SCHEDULE.equals(effect) || NO_EXECUTE.equals(effect)) && !tolerated(taint, tolerations)) {
                return taint;
            }
        }
        return null;
    }
}
