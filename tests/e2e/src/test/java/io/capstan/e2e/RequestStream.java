package io.capstan.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A steady stream of HTTP GETs, 20 a second, each on a new connection (as {@code curl} in a loop),
 * recording every answer's body and every failure. Bounded: it stops by itself after 5 minutes
 * or 6,000 requests.
 */
final class RequestStream implements AutoCloseable {
    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration MAX_RUN = Duration.ofMinutes(5);
    private static final int MAX_REQUESTS = 6_000;

    record Result(List<String> bodies, int failures, List<String> failureSamples) {
        List<String> bodiesSince(long index) {
            return bodies.subList((int) Math.min(index, bodies.size()), bodies.size());
        }
    }

    private final String host;
    private final int port;
    private final String path;
    private final List<String> bodies = new ArrayList<>();
    private final List<String> failureSamples = new ArrayList<>();
    private int failures;
    private volatile boolean stopped;
    private final Thread thread;

    private RequestStream(String host, int port, String path) {
        this.host = host;
        this.port = port;
        this.path = path;
        this.thread = Thread.ofPlatform().name("request-stream").daemon().unstarted(this::run);
    }

    static RequestStream start(String host, int port, String path) {
        RequestStream s = new RequestStream(host, port, path);
        s.thread.start();
        return s;
    }

    private void run() {
        long deadline = System.nanoTime() + MAX_RUN.toNanos();
        for (int n = 0; !stopped && n < MAX_REQUESTS && System.nanoTime() < deadline; n++) {
            long started = System.nanoTime();
            String failure = null;
            String body = null;
            try {
                String[] answer = get();
                if (answer[0].equals("200")) {
                    body = answer[1];
                } else {
                    failure = "HTTP " + answer[0] + ": " + answer[1];
                }
            } catch (IOException | RuntimeException e) {
                failure = e.toString();
            }
            synchronized (this) {
                if (body != null) {
                    bodies.add(body);
                } else {
                    failures++;
                    if (failureSamples.size() < 20) {
                        failureSamples.add(failure);
                    }
                }
                notifyAll();
            }
            long sleep = INTERVAL.toNanos() - (System.nanoTime() - started);
            if (sleep > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(sleep));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
        stopped = true;
    }

    /** {status, body} of one GET on a new connection. */
    private String[] get() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2_000);
            socket.setSoTimeout(3_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int headerEnd = response.indexOf("\r\n\r\n");
            if (!response.startsWith("HTTP/1.") || headerEnd < 0) {
                throw new IOException("not an HTTP response: '" + response + "'");
            }
            return new String[] {response.substring(9, 12), response.substring(headerEnd + 4)};
        }
    }

    synchronized long answers() {
        return bodies.size();
    }

    synchronized String lastBody() {
        return bodies.isEmpty() ? "" : bodies.get(bodies.size() - 1);
    }

    /** Waits (up to 60 s) until {@code count} answers have arrived. */
    synchronized void awaitAnswers(long count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (bodies.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || stopped) {
                throw new AssertionError("only " + bodies.size() + " of " + count + " answers, " + failures
                        + " failures: " + failureSamples);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    Result stop() throws InterruptedException {
        stopped = true;
        thread.join(10_000);
        synchronized (this) {
            return new Result(List.copyOf(bodies), failures, List.copyOf(failureSamples));
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
