package io.capstan.echo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The echo server's command line: {@code --text}, {@code --listen}, {@code --fail-health-after},
 * {@code --drain} (the longest it keeps serving after SIGTERM, default 5 s).
 */
record EchoOptions(String text, String host, int port, Duration failHealthAfter, Duration drain) {

    static final String USAGE = "usage: capstan-echo [--text=TEXT] [--listen=[HOST]:PORT] [--fail-health-after=DURATION] [--drain=DURATION]";
    static final Duration DEFAULT_DRAIN = Duration.ofSeconds(5);

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    /**
     * Parses the flags ({@code --flag=value} or {@code --flag value}, one or two dashes, as Go's
     * flag package accepts); {@code env} supplies {@code POD_IP} for an empty listen host.
     */
    static EchoOptions parse(List<String> args, Map<String, String> env) {
        String text = null;
        String listen = ":8080";
        Duration failAfter = null;
        Duration drain = DEFAULT_DRAIN;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument " + arg);
            }
            String flag = arg.replaceFirst("^--?", "");
            String value;
            int eq = flag.indexOf('=');
            if (eq >= 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException("flag needs a value: " + arg);
            }
            switch (flag) {
                case "text" -> text = value;
                case "listen" -> listen = value;
                case "fail-health-after" -> failAfter = duration(value);
                case "drain" -> drain = duration(value);
                default -> throw new IllegalArgumentException("unknown flag " + arg);
            }
        }
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen wants [host]:port, got " + listen);
        }
        String host = listen.substring(0, colon).replaceAll("^\\[|]$", "");
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen wants [host]:port, got " + listen);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (host.isEmpty()) {
            String podIp = env.get("POD_IP");
            host = podIp == null || podIp.isBlank() ? "0.0.0.0" : podIp;
        }
        return new EchoOptions(text, host, port, failAfter, drain);
    }

    /** Go's duration syntax ({@code 20s}, {@code 1m30s}, {@code 500ms}); a bare number is seconds. */
    static Duration duration(String value) {
        if (value.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        Matcher m = DURATION_PART.matcher(value);
        double nanos = 0;
        int end = 0;
        while (m.lookingAt()) {
            double amount = Double.parseDouble(m.group(1));
            nanos += amount * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            end = m.end();
            m.region(end, value.length());
        }
        if (end == 0 || end != value.length()) {
            throw new IllegalArgumentException("bad duration " + value + " (want e.g. 20s, 1m30s, 500ms)");
        }
        return Duration.ofNanos((long) nanos);
    }
}
