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
 *       so liveness probes have something to catch.</li>
 * </ul>
 */
public final class EchoServer {
    private final EchoOptions options;
    private final long startedNanos = System.nanoTime();
    private final PrintStream log;

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
        HttpServer server = new EchoServer(options, System.out).start();
        // On SIGTERM: stop accepting, let the requests in flight finish (up to 2 s), as a well-behaved server does.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(2), "echo-shutdown"));
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
