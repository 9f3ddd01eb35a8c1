package io.capstan.nodeagent.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client side of SPDY/3.1 for tests, as spdystream behaves: opens streams with odd ids,
 * sends DATA and FIN, and records what the server sends per stream. It speaks over a plain
 * socket after an HTTP upgrade ({@link #upgrade}) or over any byte pipe ({@link #over}).
 */
final class SpdyTestClient implements AutoCloseable {
    /** Where the client's bytes go. */
    interface Pipe {
        void write(byte[] bytes) throws IOException;

        void close() throws IOException;
    }

    /** The answer to an upgrade request that was not switched: status, headers, body. */
    record Refusal(int status, Map<String, String> headers, String body) {
    }

    private final Pipe pipe;
    private final EmbeddedChannel encoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    private final EmbeddedChannel decoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Integer, ByteArrayOutputStream> data = new HashMap<>();
    private final Map<Integer, Map<String, String>> replies = new HashMap<>();
    private final Map<Integer, Boolean> ended = new HashMap<>();
    private final List<Integer> pings = new java.util.ArrayList<>();
    private int nextStream = 1;
    private boolean goAway;
    private boolean closed;

    private SpdyTestClient(Pipe pipe) {
        this.pipe = pipe;
    }

    /** A client writing to {@code pipe}; feed what the server sends to {@link #received}. */
    static SpdyTestClient over(Pipe pipe) {
        return new SpdyTestClient(pipe);
    }

    /**
     * Sends {@code method path} with {@code Upgrade: SPDY/3.1} and the given headers; returns the
     * connected client after a 101, or throws {@link RefusedException} with the answer.
     */
    static SpdyTestClient upgrade(int port, String method, String path, Map<String, String> headers) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 0\r\n");
        headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
        request.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the response head: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> responseHeaders = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                responseHeaders.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
            }
        }
        if (status != 101) {
            int length = Integer.parseInt(responseHeaders.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            socket.close();
            throw new RefusedException(new Refusal(status, responseHeaders, new String(body, StandardCharsets.UTF_8)));
        }
        SpdyTestClient client = new SpdyTestClient(new Pipe() {
            @Override
            public void write(byte[] bytes) throws IOException {
                out.write(bytes);
                out.flush();
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }
        });
        client.responseHeaders = responseHeaders;
        Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    client.received(java.util.Arrays.copyOf(buffer, n));
                }
            } catch (IOException gone) {
                // closed
            }
            client.transportEnded();
        });
        return client;
    }

    /** Thrown by {@link #upgrade} when the server did not switch protocols. */
    static final class RefusedException extends IOException {
        final Refusal refusal;

        RefusedException(Refusal refusal) {
            super("refused: " + refusal);
            this.refusal = refusal;
        }
    }

    private Map<String, String> responseHeaders = Map.of();

    Map<String, String> responseHeaders() {
        return responseHeaders;
    }

    /** Opens a stream with these headers (names lower case, as spdystream sends them). */
    int open(Map<String, String> headers) throws IOException {
        int id;
        lock.lock();
        try {
            id = nextStream;
            nextStream += 2;
        } finally {
            lock.unlock();
        }
        openWithId(id, headers);
        return id;
    }

    /** Opens a stream with a chosen id, right or wrong. */
    void openWithId(int id, Map<String, String> headers) throws IOException {
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        headers.forEach((k, v) -> syn.headers().set(k, v));
        send(syn);
    }

    void send(int stream, byte[] bytes, boolean fin) throws IOException {
        DefaultSpdyDataFrame frame = new DefaultSpdyDataFrame(stream, Unpooled.wrappedBuffer(bytes));
        frame.setLast(fin);
        send(frame);
    }

    void reset(int stream) throws IOException {
        send(new DefaultSpdyRstStreamFrame(stream, SpdyStreamStatus.CANCEL));
    }

    void ping(int id) throws IOException {
        send(new DefaultSpdyPingFrame(id));
    }

    void goAway() throws IOException {
        send(new DefaultSpdyGoAwayFrame(0));
    }

    /** Raw bytes, for malformed input. */
    void sendRaw(byte[] bytes) throws IOException {
        pipe.write(bytes);
    }

    private void send(SpdyFrame frame) throws IOException {
        lock.lock();
        try {
            encoder.writeOutbound(frame);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuf b;
            while ((b = encoder.readOutbound()) != null) {
                out.write(ByteBufUtil.getBytes(b));
                b.release();
            }
            pipe.write(out.toByteArray());
        } finally {
            lock.unlock();
        }
    }

    /** Bytes from the server. */
    void received(byte[] bytes) {
        lock.lock();
        try {
            decoder.writeInbound(Unpooled.wrappedBuffer(bytes));
            Object f;
            while ((f = decoder.readInbound()) != null) {
                switch (f) {
                    case SpdySynReplyFrame reply -> {
                        Map<String, String> h = new HashMap<>();
                        reply.headers().forEach(e -> h.put(e.getKey().toString(), e.getValue().toString()));
                        replies.put(reply.streamId(), h);
                    }
                    case SpdyDataFrame d -> {
                        data.computeIfAbsent(d.streamId(), k -> new ByteArrayOutputStream()).writeBytes(ByteBufUtil.getBytes(d.content()));
                        if (d.isLast()) {
                            ended.put(d.streamId(), true);
                        }
                        d.release();
                    }
                    case SpdyRstStreamFrame rst -> ended.put(rst.streamId(), false);
                    case SpdyPingFrame ping -> pings.add(ping.id());
                    case SpdyGoAwayFrame ignored -> goAway = true;
                    default -> {
                    }
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void transportEnded() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The SYN_REPLY headers of a stream, waiting for them. */
    Map<String, String> awaitReply(int stream, Duration timeout) throws InterruptedException {
        return await(() -> replies.get(stream), timeout, "a reply on stream " + stream);
    }

    /** Everything the server sent on the stream, once it sent FIN. */
    String awaitFin(int stream, Duration timeout) throws InterruptedException {
        await(() -> Boolean.TRUE.equals(ended.get(stream)) ? true : null, timeout, "FIN on stream " + stream);
        return data(stream);
    }

    /** Whether the server reset the stream (RST_STREAM). */
    boolean awaitReset(int stream, Duration timeout) throws InterruptedException {
        return await(() -> Boolean.FALSE.equals(ended.get(stream)) ? true : null, timeout, "RST on stream " + stream);
    }

    /** Waits until the stream has received at least {@code text}. */
    String awaitData(int stream, String text, Duration timeout) throws InterruptedException {
        return await(() -> data(stream).contains(text) ? data(stream) : null, timeout, "\"" + text + "\" on stream " + stream);
    }

    void awaitPing(int id, Duration timeout) throws InterruptedException {
        await(() -> pings.contains(id) ? true : null, timeout, "ping " + id);
    }

    void awaitClosed(Duration timeout) throws InterruptedException {
        await(() -> closed ? true : null, timeout, "the connection to close");
    }

    boolean goAwayReceived() {
        lock.lock();
        try {
            return goAway;
        } finally {
            lock.unlock();
        }
    }

    String data(int stream) {
        lock.lock();
        try {
            ByteArrayOutputStream b = data.get(stream);
            return b == null ? "" : b.toString(StandardCharsets.UTF_8);
        } finally {
            lock.unlock();
        }
    }

    private <T> T await(java.util.function.Supplier<T> condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                T value = condition.get();
                if (value != null) {
                    return value;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out waiting for " + what + "; data so far: " + data);
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        pipe.close();
    }
}
