package io.capstan.printers;

import java.time.Duration;
import java.time.Instant;

/**
 * The rounding of {@code k8s.io/apimachinery/pkg/util/duration.HumanDuration}, which every AGE,
 * DURATION and LAST SEEN cell uses. Precision shrinks as the duration grows ("3m20s" but "3h",
 * "2d5h" but "10d"), so that columns stay narrow.
 */
public final class HumanDuration {

    private HumanDuration() {
    }

    /**
     * Formats a duration as kubectl shows it. Up to one second in the future still reads "0s",
     * tolerating clock skew between machines, as Kubernetes does; further in the future is "&lt;invalid&gt;".
     */
    public static String format(Duration d) {
        long seconds = d.getSeconds() + (d.isNegative() && d.getNano() > 0 ? 1 : 0); // truncate toward zero like Go
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = seconds / 3600;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }

    /** The age of something that happened at {@code since}; "&lt;unknown&gt;" when the time is absent. */
    public static String since(Instant since, Instant now) {
        return since == null ? "<unknown>" : format(Duration.between(since, now));
    }
}
