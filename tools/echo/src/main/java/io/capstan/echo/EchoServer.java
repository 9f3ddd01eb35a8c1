package io.capstan.echo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * {@code capstan/echo}: the small HTTP server Capstan's examples run, in the spirit of
 * hashicorp/http-echo. Plain JDK, no dependencies, so the process runtime starts it in a fraction
 * of a second.
 *
 * <ul>
 *   <li>{@code /hostname} answers the host name (the pod's name), as agnhost netexec does;</li>
 *   <li>{@code --text=...}: the body every other request (except {@code /healthz}) gets; without it the
 *       server echoes the request (method, path, headers, body);</li>
 *   <li>{@code --listen=[host]:port} (default {@code :8080}); an empty host means {@code $POD_IP}
 *       when set (a pod's own address in the process runtime), else every address;</li>
 *   <li>{@code --fail-health-after=20s}: {@code /healthz} answers 200 until then and 500 after,
 *       so liveness probes have something to catch;</li>
 *   <li>{@code --drain=5s}: on SIGTERM the server goes on serving until no request has come for
 *       {@link #QUIET} (or this long at most), then stops. The proxies learn that a terminating pod
 *       left its Service's endpoints a moment after the pod got SIGTERM; until then they still send
 *       it connections, and a server that stopped at once would close them unanswered (the JDK's
 *       {@code HttpServer.stop} closes connections whose request it has not read yet). {@code 0}
 *       stops at once.</li>
 * </ul>
 */
public final class EchoServer {
    /** How long without a request before a draining server stops. */
    static final Duration QUIET = Duration.ofMillis(500);

    private final EchoOptions options;
    private final long startedNanos = System.nanoTime();
    private final PrintStream log;
    private volatile long lastRequestNanos = startedNanos;

    EchoServer(EchoOptions options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    public static void main(String[] args) throws IOException {
        EchoOptions options;
        try {
            options = EchoOptions.parse(List.of(args), System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("capstan-echo: " + e.getMessage());
            System.err.println(EchoOptions.USAGE);
            System.exit(2);
            return;
        }
        EchoServer echo = new EchoServer(options, System.out);
        HttpServer server = echo.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> echo.drainAndStop(server), "echo-shutdown"));
    }

    /**
     * Serves on until the traffic has stopped ({@link #QUIET} without a request, counted from now
     * at the earliest) or {@code --drain} has passed, then stops accepting and lets the requests in
     * flight finish (up to 2 s).
     */
    void drainAndStop(HttpServer server) {
        long start = System.nanoTime();
        long limit = start + options.drain().toNanos();
        log.println("capstan-echo draining (at most " + options.drain().toMillis() + " ms)");
        log.flush();
        try {
            while (true) {
                long now = System.nanoTime();
                if (now - limit >= 0 || now - Math.max(start, lastRequestNanos) >= QUIET.toNanos()) {
                    break;
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(2);
        log.println("capstan-echo stopped");
        log.flush();
    }

    HttpServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "echo-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        log.println("capstan-echo listening on " + options.host() + ":" + server.getAddress().getPort());
        log.flush();
        return server;
    }

    private void handle(HttpExchange exchange) throws IOException {
        lastRequestNanos = System.nanoTime();
        try (exchange) {
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            int status;
            String body;
            if (exchange.getRequestURI().getPath().equals("/healthz")) {
                boolean failing = options.failHealthAfter() != null
                        && System.nanoTime() - startedNanos >= options.failHealthAfter().toNanos();
                status = failing ? 500 : 200;
                body = failing ? "unhealthy\n" : "ok\n";
            } else if (exchange.getRequestURI().getPath().equals("/hostname")) {
                status = 200;
                body = hostname() + "\n";
            } else {
                status = 200;
                body = options.text() != null ? options.text() + "\n" : describe(exchange, requestBody);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
            log.println(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + status);
            log.flush();
        }
    }

    /** The host name of the UTS namespace the server runs in: the pod's name under Capstan and Kubernetes. */
    static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            String env = System.getenv("HOSTNAME");
            return env != null ? env : "unknown";
        }
    }

    private static String describe(HttpExchange exchange, byte[] requestBody) {
        StringBuilder sb = new StringBuilder();
        sb.append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI()).append(' ')
                .append(exchange.getProtocol()).append('\n');
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            for (String value : header.getValue()) {
                sb.append(header.getKey()).append(": ").append(value).append('\n');
            }
        }
        sb.append('\n').append(new String(requestBody, StandardCharsets.UTF_8));
        return sb.toString();
    }
}
