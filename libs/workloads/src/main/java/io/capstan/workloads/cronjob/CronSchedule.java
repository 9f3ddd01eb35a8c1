package io.capstan.workloads.cronjob;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cron schedule as robfig/cron/v3's {@code ParseStandard} reads it (what the CronJob
 * controller uses): five fields (minute, hour, day of month, month, day of week) with lists,
 * ranges, steps, {@code *}/{@code ?} and month/weekday names; the descriptors {@code @yearly},
 * {@code @annually}, {@code @monthly}, {@code @weekly}, {@code @daily}, {@code @midnight},
 * {@code @hourly} and {@code @every <duration>}; and a {@code CRON_TZ=} or {@code TZ=} prefix.
 * When both day fields are restricted a day matches either (the classic cron OR rule); when
 * either is {@code *} or {@code ?} both must match.
 */
public final class CronSchedule {
    private static final Map<String, String> DESCRIPTORS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    private static final Map<String, Integer> MONTHS = Map.ofEntries(
            Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3), Map.entry("apr", 4), Map.entry("may", 5),
            Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8), Map.entry("sep", 9), Map.entry("oct", 10),
            Map.entry("nov", 11), Map.entry("dec", 12));
    private static final Map<String, Integer> DAYS = Map.of(
            "sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6);
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|m|s|ms)");

    private final long minutes;
    private final long hours;
    private final long daysOfMonth;
    private final long months;
    private final long daysOfWeek;
    private final boolean domStar;
    private final boolean dowStar;
    private final ZoneId zone;
    /** Non-null for {@code @every}. */
    private final Duration every;

    private CronSchedule(long minutes, long hours, long daysOfMonth, long months, long daysOfWeek, boolean domStar,
                         boolean dowStar, ZoneId zone, Duration every) {
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.domStar = domStar;
        this.dowStar = dowStar;
        this.zone = zone;
        this.every = every;
    }

    /** Parses {@code spec}, evaluated in UTC unless it starts with {@code CRON_TZ=} or {@code TZ=}. */
    public static CronSchedule parse(String spec) {
        return parse(spec, ZoneOffset.UTC);
    }

    /**
     * Parses {@code spec}, evaluated in {@code defaultZone} unless it names its own zone.
     *
     * @throws IllegalArgumentException with robfig's message for a malformed schedule
     */
    public static CronSchedule parse(String spec, ZoneId defaultZone) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty spec string");
        }
        String s = spec.trim();
        ZoneId zone = defaultZone;
        if (s.startsWith("TZ=") || s.startsWith("CRON_TZ=")) {
            int eq = s.indexOf('=');
            int space = s.indexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException("missing fields in spec: " + spec);
            }
            String name = s.substring(eq + 1, space);
            try {
                zone = ZoneId.of(name);
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("provided bad location " + name + ": " + e.getMessage());
            }
            s = s.substring(space).trim();
        }
        if (s.startsWith("@")) {
            if (s.startsWith("@every ")) {
                return new CronSchedule(0, 0, 0, 0, 0, false, false, zone, parseEvery(s.substring(7).trim()));
            }
            String expanded = DESCRIPTORS.get(s.toLowerCase(Locale.ROOT));
            if (expanded == null) {
                throw new IllegalArgumentException("unrecognized descriptor: " + s);
            }
            s = expanded;
        }
        String[] f = s.split("\\s+");
        if (f.length != 5) {
            throw new IllegalArgumentException("expected exactly 5 fields, found " + f.length + ": [" + String.join(" ", f) + "]");
        }
        return new CronSchedule(field(f[0], 0, 59, Map.of()), field(f[1], 0, 23, Map.of()), field(f[2], 1, 31, Map.of()),
                field(f[3], 1, 12, MONTHS), field(f[4], 0, 6, DAYS), isStar(f[2]), isStar(f[4]), zone, null);
    }

    public ZoneId zone() {
        return zone;
    }

    private static boolean isStar(String field) {
        return field.startsWith("*") || field.startsWith("?");
    }

    private static Duration parseEvery(String text) {
        Matcher m = DURATION_PART.matcher(text);
        int pos = 0;
        double seconds = 0;
        while (m.find() && m.start() == pos) {
            double v = Double.parseDouble(m.group(1));
            seconds += switch (m.group(2)) {
                case "h" -> v * 3600;
                case "m" -> v * 60;
                case "s" -> v;
                default -> v / 1000;
            };
            pos = m.end();
        }
        if (pos == 0 || pos != text.length()) {
            throw new IllegalArgumentException("failed to parse duration @every " + text);
        }
        // ConstantDelaySchedule: at least one second, whole seconds.
        return Duration.ofSeconds(Math.max(1, (long) seconds));
    }

    private static long field(String text, int min, int max, Map<String, Integer> names) {
        long bits = 0;
        for (String part : text.split(",")) {
            bits |= range(part, min, max, names);
        }
        return bits;
    }

    private static long range(String expr, int min, int max, Map<String, Integer> names) {
        String[] rangeAndStep = expr.split("/", -1);
        String[] lowAndHigh = rangeAndStep[0].split("-", -1);
        boolean single = lowAndHigh.length == 1;
        int start;
        int end;
        if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
            if (!single) {
                throw new IllegalArgumentException("too many hyphens: " + expr);
            }
            start = min;
            end = max;
        } else {
            start = number(lowAndHigh[0], names, expr);
            if (lowAndHigh.length == 1) {
                end = start;
            } else if (lowAndHigh.length == 2) {
                end = number(lowAndHigh[1], names, expr);
            } else {
                throw new IllegalArgumentException("too many hyphens: " + expr);
            }
        }
        int step = 1;
        if (rangeAndStep.length == 2) {
            step = number(rangeAndStep[1], Map.of(), expr);
            if (single && !(lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?"))) {
                end = max;
            }
        } else if (rangeAndStep.length > 2) {
            throw new IllegalArgumentException("too many slashes: " + expr);
        }
        if (start < min) {
            throw new IllegalArgumentException("beginning of range (" + start + ") below minimum (" + min + "): " + expr);
        }
        if (end > max) {
            throw new IllegalArgumentException("end of range (" + end + ") above maximum (" + max + "): " + expr);
        }
        if (start > end) {
            throw new IllegalArgumentException("beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
        }
        if (step == 0) {
            throw new IllegalArgumentException("step of range should be a positive number: " + expr);
        }
        long bits = 0;
        for (int i = start; i <= end; i += step) {
            bits |= 1L << i;
        }
        return bits;
    }

    private static int number(String text, Map<String, Integer> names, String expr) {
        Integer named = names.get(text.toLowerCase(Locale.ROOT));
        if (named != null) {
            return named;
        }
        try {
            int n = Integer.parseInt(text);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("failed to parse int from " + text + ": " + expr);
        }
    }

    /**
     * The first activation strictly after {@code t} (at whole seconds), or null when none
     * exists within five years (such as {@code 0 0 30 2 *}), as robfig's {@code Next} returns
     * the zero time.
     */
    public Instant next(Instant t) {
        if (every != null) {
            return t.truncatedTo(ChronoUnit.SECONDS).plus(every);
        }
        ZonedDateTime z = t.atZone(zone).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        boolean added = false;
        int yearLimit = z.getYear() + 5;
        wrap:
        while (true) {
            if (z.getYear() > yearLimit) {
                return null;
            }
            while ((months & (1L << z.getMonthValue())) == 0) {
                if (!added) {
                    added = true;
                    z = z.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
                }
                z = z.plusMonths(1);
                if (z.getMonthValue() == 1) {
                    continue wrap;
                }
            }
            while (!dayMatches(z)) {
                if (!added) {
                    added = true;
                    z = z.truncatedTo(ChronoUnit.DAYS);
                }
                z = z.plusDays(1);
                if (z.getDayOfMonth() == 1) {
                    continue wrap;
                }
            }
            while ((hours & (1L << z.getHour())) == 0) {
                if (!added) {
                    added = true;
                    z = z.truncatedTo(ChronoUnit.HOURS);
                }
                z = z.plusHours(1);
                if (z.getHour() == 0) {
                    continue wrap;
                }
            }
            while ((minutes & (1L << z.getMinute())) == 0) {
                if (!added) {
                    added = true;
                    z = z.truncatedTo(ChronoUnit.MINUTES);
                }
                z = z.plusMinutes(1);
                if (z.getMinute() == 0) {
                    continue wrap;
                }
            }
            if (z.getSecond() != 0) {
                added = true;
                z = z.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
                continue wrap;
            }
            return z.toInstant();
        }
    }

    private boolean dayMatches(ZonedDateTime z) {
        boolean dom = (daysOfMonth & (1L << z.getDayOfMonth())) != 0;
        boolean dow = (daysOfWeek & (1L << (z.getDayOfWeek().getValue() % 7))) != 0;
        if (domStar || dowStar) {
            return dom && dow;
        }
        return dom || dow;
    }
}
