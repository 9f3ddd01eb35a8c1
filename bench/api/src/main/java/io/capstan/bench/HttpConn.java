package io.capstan.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 client connection over one keep-alive loopback socket: one request
 * at a time, Content-Length or chunked responses. It exists so the client side costs as little
 * CPU as possible on a 2-core machine shared with the server under test (the JDK HttpClient is
 * measured next to it for comparison).
 */
final class HttpConn implements Closeable {
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String host;
    private boolean closed;

    HttpConn(int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        host = "127.0.0.1:" + port;
    }

    boolean isClosed() {
        return closed;
    }

    void setReadTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    Response get(String path) throws IOException {
        return exchange("GET", path, null);
    }

    Response post(String path, byte[] body) throws IOException {
        return exchange("POST", path, body);
    }

    Response exchange(String method, String path, byte[] body) throws IOException {
        writeRequest(method, path, body);
        return readResponse();
    }

    void writeRequest(String method, String path, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(160)
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("Accept: application/json\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    /** Reads a whole response (status line, headers, body). */
    Response readResponse() throws IOException {
        Head h = readHead();
        byte[] body;
        if (h.chunked) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
            ChunkedInputStream c = new ChunkedInputStream(in);
            c.transferTo(buf);
            body = buf.toByteArray();
        } else if (h.length >= 0) {
            body = in.readNBytes((int) h.length);
            if (body.length != h.length) {
                throw new EOFException("body truncated: " + body.length + " of " + h.length);
            }
        } else {
            body = in.readAllBytes();
            closed = true;
        }
        if (h.close) {
            closed = true;
        }
        return new Response(h.status, body);
    }

    /**
     * Sends a GET whose response is a long chunked stream (a watch) and returns the status and the
     * de-chunked body stream once the headers arrived.
     */
    StreamResponse openStream(String path) throws IOException {
        writeRequest("GET", path, null);
        Head h = readHead();
        InputStream body = h.chunked ? new ChunkedInputStream(in) : in;
        return new StreamResponse(h.status, body);
    }

    record StreamResponse(int status, InputStream body) {
    }

    private record Head(int status, long length, boolean chunked, boolean close) {
    }

    private Head readHead() throws IOException {
        String status = readLine(in);
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
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
            } else if (name.equalsIgnoreCase("connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        if (code == 204 || code == 304) {
            length = 0;
        }
        return new Head(code, chunked ? -1 : length, chunked, close);
    }

    static String readLine(InputStream in) throws IOException {
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

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** The de-chunked body of a chunked response; returns data as soon as a chunk brings some. */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;
        private boolean needCrlf;
        private boolean ended;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        private boolean nextChunk() throws IOException {
            if (needCrlf) {
                readLine(in);
                needCrlf = false;
            }
            String line = readLine(in);
            int semi = line.indexOf(';');
            long size = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
            if (size == 0) {
                for (String t = readLine(in); !t.isEmpty(); t = readLine(in)) {
                    // trailers are ignored
                }
                ended = true;
                return false;
            }
            remaining = size;
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (remaining == 0) {
                if (ended || !nextChunk()) {
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("chunk truncated");
            }
            remaining -= n;
            if (remaining == 0) {
                needCrlf = true;
            }
            return n;
        }
    }
}
