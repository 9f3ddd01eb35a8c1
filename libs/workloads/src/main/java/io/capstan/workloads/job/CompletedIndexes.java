package io.capstan.workloads.job;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The compressed index list of {@code status.completedIndexes}: {@code "1,3-5,7"}. */
public final class CompletedIndexes {
    private CompletedIndexes() {
    }

    /** Parses the list; indexes at or beyond {@code completions} are dropped, malformed parts ignored. */
    public static TreeSet<Integer> parse(String text, int completions) {
        TreeSet<Integer> out = new TreeSet<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            try {
                int dash = part.indexOf('-');
                int lo = Integer.parseInt((dash < 0 ? part : part.substring(0, dash)).trim());
                int hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1).trim());
                for (int i = lo; i <= hi && i < completions; i++) {
                    out.add(i);
                }
            } catch (NumberFormatException e) {
                // a malformed interval is skipped, as upstream's parseIndexesFromString does
            }
        }
        return out;
    }

    public static String format(TreeSet<Integer> indexes) {
        List<String> parts = new ArrayList<>();
        Integer start = null;
        Integer prev = null;
        for (int i : indexes) {
            if (start == null) {
                start = i;
            } else if (i != prev + 1) {
                parts.add(start.equals(prev) ? "" + start : start + "-" + prev);
                start = i;
            }
            prev = i;
        }
        if (start != null) {
            parts.add(start.equals(prev) ? "" + start : start + "-" + prev);
        }
        return String.join(",", parts);
    }
}
