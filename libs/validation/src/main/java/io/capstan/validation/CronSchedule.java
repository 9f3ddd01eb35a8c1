package io.capstan.validation;

import java.util.List;
import java.util.Map;

/**
 * The schedule check of a CronJob: what robfig/cron's {@code ParseStandard} accepts (five
 * fields, names for months and weekdays, {@code ?}, ranges, steps, and the {@code @hourly}-style
 * descriptors), with its error texts.
 */
final class CronSchedule {
    private CronSchedule() {
    }

    private static final List<String> DESCRIPTORS = List.of("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly");
    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3),
            Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8),
            Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12));
    private static final Map<String, Integer> DAYS = Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6);
    private static final int[][] BOUNDS = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}};

    /** Why the schedule is not valid, or null when it is. */
    static String problem(String schedule) {
        if (schedule.contains("TZ")) {
            return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
        }
        String spec = schedule.trim();
        if (spec.isEmpty()) {
            return "empty spec string";
        }
        if (spec.startsWith("@")) {
            if (DESCRIPTORS.contains(spec)) {
                return null;
            }
            if (spec.startsWith("@every ")) {
                return spec.substring(7).trim().matches("([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+") ? null
                        : "failed to parse duration " + spec + ": time: invalid duration \"" + spec.substring(7).trim() + "\"";
            }
            return "unrecognized descriptor: " + spec;
        }
        String[] fields = spec.split("\\s+");
        if (fields.length != 5) {
            return "expected exactly 5 fields, found " + fields.length + ": [" + String.join(" ", fields) + "]";
        }
        for (int i = 0; i < 5; i++) {
            Map<String, Integer> names = i == 3 ? MONTHS : i == 4 ? DAYS : Map.of();
            for (String expr : fields[i].split(",", -1)) {
                String p = range(expr, BOUNDS[i][0], BOUNDS[i][1], names, i >= 2);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    private static String range(String expr, int min, int max, Map<String, Integer> names, boolean questionMark) {
        String[] rangeAndStep = expr.split("/", -1);
        String[] lowAndHigh = rangeAndStep[0].split("-", -1);
        boolean singleDigit = lowAndHigh.length == 1;
        int start;
        int end;
        if (lowAndHigh[0].equals("*") || (questionMark && lowAndHigh[0].equals("?"))) {
            start = min;
            end = max;
        } else {
            Integer v = value(lowAndHigh[0], names);
            if (v == null) {
                return number(lowAndHigh[0]);
            }
            start = v;
            end = v;
            if (lowAndHigh.length == 2) {
                Integer e = value(lowAndHigh[1], names);
                if (e == null) {
                    return number(lowAndHigh[1]);
                }
                end = e;
            } else if (lowAndHigh.length > 2) {
                return "too many hyphens: " + expr;
            }
        }
        if (rangeAndStep.length == 2) {
            Integer step = value(rangeAndStep[1], Map.of());
            if (step == null) {
                return number(rangeAndStep[1]);
            }
            if (singleDigit && !lowAndHigh[0].equals("*") && !lowAndHigh[0].equals("?")) {
                end = max;
            }
            if (step <= 0) {
                return "step of range should be a positive number: " + expr;
            }
        } else if (rangeAndStep.length > 2) {
            return "too many slashes: " + expr;
        }
        if (start < min) {
            return "beginning of range (" + start + ") below minimum (" + min + "): " + expr;
        }
        if (end > max) {
            return "end of range (" + end + ") above maximum (" + max + "): " + expr;
        }
        if (start > end) {
            return "beginning of range (" + start + ") beyond end of range (" + end + "): " + expr;
        }
        return null;
    }

    private static Integer value(String text, Map<String, Integer> names) {
        Integer named = names.get(text.toLowerCase());
        if (named != null) {
            return named;
        }
        if (text.isEmpty() || !text.chars().allMatch(Character::isDigit) || text.length() > 9) {
            return null;
        }
        return Integer.parseInt(text);
    }

    private static String number(String text) {
        if (text.startsWith("-") && text.length() > 1 && text.substring(1).chars().allMatch(Character::isDigit)) {
            return "negative number (" + text + ") not allowed: " + text;
        }
        return "failed to parse int from " + text + ": strconv.Atoi: parsing \"" + text + "\": invalid syntax";
    }
}
