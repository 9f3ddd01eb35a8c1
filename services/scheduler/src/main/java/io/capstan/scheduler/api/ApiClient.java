package io.capstan.scheduler.api;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small blocking HTTP/1.1 client for the scheduler's writes (bindings, status patches,
 * deletions) over a pool of keep-alive connections. The scheduler binds hundreds of pods a
 * second on a machine it shares with the api-server, and the JDK HttpClient costs several times
 * the CPU per request of writing a request line and reading a Content-Length body, so the hot
 * path uses this; informers and events keep using fabric8.
 *
 * <p>Plain HTTP only (Capstan's api-server listens on loopback without TLS). Thread-safe: at most
 * {@code maxConnections} requests run at once; more callers wait for a connection.
 */
public final class ApiClient implements AutoCloseable {
    /** A response: status code and body text. */
    public record Response(int status, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private final Semaphore permits;
    private final BlockingQueue<Connection> idle;
    private volatile boolean closed;

    public ApiClient(String serverUrl, int maxConnections, Duration timeout) {
        URI uri = URI.create(serverUrl);
        if (!"http".equals(uri.getScheme())) {
            throw new IllegalArgumentException("only http:// api-server URLs are supported, got " + serverUrl);
        }
        this.host = uri.getHost();
        this.port = uri.getPort() < 0 ? 80 : uri.getPort();
        this.timeoutMillis = (int) timeout.toMillis();
        this.permits = new Semaphore(maxConnections);
        this.idle = new ArrayBlockingQueue<>(maxConnections);
    }

    public Response post(String path, String json) throws IOException {
        return exchange("POST", path, "application/json", json);
    }

    public Response patch(String path, String contentType, String json) throws IOException {
        return exchange("PATCH", path, contentType, json);
    }

    public Response delete(String path, String json) throws IOException {
        return exchange("DELETE", path, "application/json", json);
    }

    /**
     * Sends one request. A pooled connection the server closed while idle fails before any
     * response byte; such a request is sent once more on a fresh connection.
     */
    public Response exchange(String method, String path, String contentType, String body) throws IOException {
        if (closed) {
            throw new IOException("client closed");
        }
        try {
            if (!permits.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new IOException("no connection to the api-server free within " + timeoutMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        try {
            Connection c = idle.poll();
            boolean reused = c != null;
            if (c == null) {
                c = new Connection();
            }
            try {
                Response r = c.exchange(method, path, contentType, body);
                release(c);
                return r;
            } catch (StaleConnectionException stale) {
                c.close();
                if (!reused) {
                    throw stale;
                }
                Connection fresh = new Connection();
                try {
                    Response r = fresh.exchange(method, path, contentType, body);
                    release(fresh);
                    return r;
                } catch (IOException e) {
                    fresh.close();
                    throw e;
                }
            } catch (IOException e) {
                c.close();
                throw e;
            }
        } finally {
            permits.release();
        }
    }

    private void release(Connection c) {
        if (closed || c.mustClose || !idle.offer(c)) {
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.poll()) != null) {
            c.close();
        }
    }

    /** The connection failed before any byte of the response arrived. */
    private static final class StaleConnectionException extends IOException {
        StaleConnectionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        boolean mustClose;

        Connection() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            in = new BufferedInputStream(socket.getInputStream(), 8192);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        }

        Response exchange(String method, String path, String contentType, String body) throws IOException {
            byte[] payload = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(192).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n")
                    .append("Accept: application/json\r\nUser-Agent: capstan-scheduler\r\n");
            if (payload != null) {
                head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(payload.length).append("\r\n");
            }
            head.append("\r\n");
            int first;
            try {
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (payload != null) {
                    out.write(payload);
                }
                out.flush();
                first = in.read();
            } catch (IOException e) {
                throw new StaleConnectionException("connection lost before the response: " + e.getMessage(), e);
            }
            if (first < 0) {
                throw new StaleConnectionException("connection closed before the response", null);
            }
            String status = (char) first + readLine();
            if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                throw new IOException("not an HTTP response: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String line = readLine(); !line.isEmpty(); line = readLine()) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding")) {
                    chunked = value.toLowerCase().contains("chunked");
                } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
                    mustClose = true;
                }
            }
            byte[] bytes;
            if (chunked) {
                bytes = readChunked();
            } else if (length >= 0) {
                bytes = in.readNBytes((int) length);
                if (bytes.length != length) {
                    throw new EOFException("response body truncated");
                }
            } else {
                bytes = in.readAllBytes();
                mustClose = true;
            }
            return new Response(code, new String(bytes, StandardCharsets.UTF_8));
        }

        private byte[] readChunked() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
            while (true) {
                String line = readLine();
                int semi = line.indexOf(';');
                int size = Integer.parseInt((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    return buf.toByteArray();
                }
                byte[] chunk = in.readNBytes(size);
                if (chunk.length != size) {
                    throw new EOFException("chunk truncated");
                }
                buf.write(chunk);
                readLine();
            }
        }

        private String readLine() throws IOException {
            StringBuilder b = new StringBuilder(64);
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("connection closed");
                }
                if (c == '\n') {
                    int n = b.length();
                    if (n > 0 && b.charAt(n - 1) == '\r') {
                        b.setLength(n - 1);
                    }
                    return b.toString();
                }
                b.append((char) c);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
