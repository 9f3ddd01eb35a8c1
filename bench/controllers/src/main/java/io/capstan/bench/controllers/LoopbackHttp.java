package io.capstan.bench.controllers;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A pool of keep-alive HTTP/1.1 sockets to one loopback port, for the bench's writes. It costs a
 * tenth of the JDK HttpClient's CPU per request, which matters on a 2-core machine shared with
 * etcd, Kafka, the api-server and the controller-manager under test. One request per socket at a
 * time; responses with Content-Length or chunked bodies.
 *
 * <p>Thread-safe: each call borrows a socket (opening one if none is idle) and returns it.
 */
final class LoopbackHttp implements AutoCloseable {
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        boolean ok() {
            return status / 100 == 2;
        }
    }

    private final int port;
    private final ConcurrentLinkedQueue<Conn> idle = new ConcurrentLinkedQueue<>();

    LoopbackHttp(int port) {
        this.port = port;
    }

    Response send(String method, String path, String contentType, byte[] body) throws IOException {
        return send(method, path, contentType, body, "application/json");
    }

    private Response send(String method, String path, String contentType, byte[] body, String accept) throws IOException {
        Conn c = idle.poll();
        if (c == null) {
            c = new Conn(port);
        }
        try {
            Response r = c.exchange(method, path, contentType, body, accept);
            idle.add(c);
            return r;
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    Response get(String path) throws IOException {
        return send("GET", path, null, null);
    }

    /** A GET for plain text (Prometheus metrics). */
    Response getText(String path) throws IOException {
        return send("GET", path, null, null, "text/plain");
    }

    Response post(String path, String json) throws IOException {
        return send("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        Conn c;
        while ((c = idle.poll()) != null) {
            c.close();
        }
    }

    private static final class Conn {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;
        private final String host;

        Conn(int port) throws IOException {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(60_000);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            in = new BufferedInputStream(socket.getInputStream(), 32 * 1024);
            out = socket.getOutputStream();
            host = "127.0.0.1:" + port;
        }

        Response exchange(String method, String path, String contentType, byte[] body, String accept) throws IOException {
            StringBuilder head = new StringBuilder(160).append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                    .append(host).append("\r\nAccept: ").append(accept).append("\r\n");
            if (body != null) {
                head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] request = body == null ? h : new byte[h.length + body.length];
            if (body != null) {
                System.arraycopy(h, 0, request, 0, h.length);
                System.arraycopy(body, 0, request, h.length, body.length);
            }
            out.write(request);
            out.flush();

            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                String name = l.substring(0, colon).trim();
                String value = l.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
                     size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                    all.write(in.readNBytes(size));
                    line();
                }
                line();
                return new Response(code, all.toByteArray());
            }
            return new Response(code, length < 0 ? new byte[0] : in.readNBytes((int) length));
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new EOFException("connection closed");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
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
