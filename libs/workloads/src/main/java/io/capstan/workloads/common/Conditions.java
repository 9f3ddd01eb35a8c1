package io.capstan.workloads.common;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Setting a typed condition the way controllers do: the transition time moves only when the status changes. */
public final class Conditions {
    private Conditions() {
    }

    /** The accessors of one fabric8 condition class. */
    public interface Shape<C> {
        String type(C c);

        String status(C c);

        String lastTransitionTime(C c);

        C create(String type, String status, String reason, String message, String now, String lastTransitionTime);
    }

    public static <C> C find(List<C> conditions, Shape<C> shape, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(shape.type(c))).findFirst().orElse(null);
    }

    /** A new list with {@code type} set; the old condition's transition time is kept when its status is unchanged. */
    public static <C> List<C> set(List<C> conditions, Shape<C> shape, String type, String status, String reason,
                                  String message, Instant now) {
        List<C> out = new ArrayList<>(conditions == null ? List.of() : conditions);
        C old = find(out, shape, type);
        String ts = Times.format(now);
        String transition = old != null && status.equals(shape.status(old)) ? shape.lastTransitionTime(old) : ts;
        C updated = shape.create(type, status, reason, message, ts, transition == null ? ts : transition);
        if (old == null) {
            out.add(updated);
        } else {
            out.set(out.indexOf(old), updated);
        }
        return out;
    }

    public static <C> boolean isTrue(List<C> conditions, Shape<C> shape, String type) {
        C c = find(conditions, shape, type);
        return c != null && "True".equals(shape.status(c));
    }
}
