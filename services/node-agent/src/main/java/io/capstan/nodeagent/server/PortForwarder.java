package io.capstan.nodeagent.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code kubectl port-forward} over one SPDY session (plain, or tunnelled in WebSocket
 * messages): for every local connection the client opens an error stream and a data stream
 * with the same {@code requestid} and {@code port} headers; once both are there this side
 * connects to the pod's IP at that port (in process mode the pod's ports are on its loopback
 * address) and copies bytes both ways. When one direction ends it waits at most
 * {@link #LINGER_MS} for the other, as containerd does, then ends both streams; a failed
 * connect is reported as text on the error stream, which makes kubectl drop the session.
 * Everything runs on the session's event loop.
 */
final class PortForwarder implements Consumer<SpdyStream> {
    static final String PROTOCOL = "portforward.k8s.io";
    static final long LINGER_MS = 1_000;
    static final long STREAM_CREATION_TIMEOUT_MS = 30_000;

    private final Vertx vertx;
    private final NetClient client;
    private final PodDirectory.PodView pod;
    private final Map<String, Pair> pairs = new HashMap<>();
    private final List<Forward> forwards = new ArrayList<>();

    PortForwarder(Vertx vertx, NetClient client, PodDirectory.PodView pod) {
        this.vertx = vertx;
        this.client = client;
        this.pod = pod;
    }

    private static final class Pair {
        SpdyStream error;
        SpdyStream data;
        long timer;
    }

    @Override
    public void accept(SpdyStream stream) {
        String requestId = stream.header("requestid");
        String type = stream.header("streamtype");
        if (requestId == null || !("error".equals(type) || "data".equals(type))) {
            stream.reset();
            return;
        }
        Pair pair = pairs.computeIfAbsent(requestId, id -> {
            Pair p = new Pair();
            p.timer = vertx.setTimer(STREAM_CREATION_TIMEOUT_MS, t -> incomplete(id));
            return p;
        });
        if ("error".equals(type)) {
            if (pair.error != null) {
                stream.reset();
                return;
            }
            pair.error = stream;
            stream.handler(data -> { }, () -> { });
        } else {
            if (pair.data != null) {
                stream.reset();
                return;
            }
            pair.data = stream;
        }
        if (pair.error != null && pair.data != null) {
            pairs.remove(requestId);
            vertx.cancelTimer(pair.timer);
            forward(pair.error, pair.data);
        }
    }

    /** The session ended: every forwarded connection goes with it. */
    void closeAll() {
        List.copyOf(forwards).forEach(Forward::close);
    }

    private void incomplete(String requestId) {
        Pair p = pairs.remove(requestId);
        if (p == null) {
            return;
        }
        if (p.error != null) {
            p.error.write(Buffer.buffer("timed out waiting for the data stream of request " + requestId));
            p.error.finish();
        }
        if (p.data != null) {
            p.data.reset();
        }
    }

    private void forward(SpdyStream error, SpdyStream data) {
        String portHeader = data.header("port");
        int port;
        try {
            port = Integer.parseInt(portHeader);
        } catch (NumberFormatException e) {
            port = 0;
        }
        if (port < 1 || port > 65535) {
            fail(error, data, port, "invalid port " + portHeader);
            return;
        }
        int target = port;
        List<Buffer> early = new ArrayList<>();
        boolean[] clientEnded = {false};
        data.handler(early::add, () -> clientEnded[0] = true);
        client.connect(target, pod.podIp()).onComplete(ar -> {
            if (ar.failed()) {
                fail(error, data, target, "dial tcp " + pod.podIp() + ":" + target + ": " + dialError(ar.cause()));
                return;
            }
            Forward f = new Forward(error, data, ar.result());
            forwards.add(f);
            f.start(early, clientEnded[0]);
        });
    }

    /** The reason a connect failed, in the words Go's dialer uses for the common one. */
    private static String dialError(Throwable cause) {
        return cause instanceof java.net.ConnectException ? "connect: connection refused" : String.valueOf(cause.getMessage());
    }

    private void fail(SpdyStream error, SpdyStream data, int port, String why) {
        error.write(Buffer.buffer("error forwarding port " + port + " to pod " + pod.name() + ", uid " + pod.uid() + ": " + why));
        error.finish();
        data.finish();
    }

    /** One forwarded connection: a data stream and the socket to the pod. */
    private final class Forward {
        private final SpdyStream error;
        private final SpdyStream data;
        private final NetSocket socket;
        private boolean clientDone;
        private boolean podDone;
        private boolean closed;

        Forward(SpdyStream error, SpdyStream data, NetSocket socket) {
            this.error = error;
            this.data = data;
            this.socket = socket;
        }

        void start(List<Buffer> early, boolean clientEnded) {
            SpdyConnection spdy = data.connection();
            socket.handler(bytes -> {
                data.write(bytes);
                if (!spdy.writableOrLater(socket::resume)) {
                    socket.pause();
                }
            });
            socket.endHandler(v -> ended(false));
            socket.exceptionHandler(e -> close());
            early.forEach(socket::write);
            data.handler(this::toPod, () -> ended(true));
            if (clientEnded) {
                ended(true);
            }
        }

        private void toPod(Buffer bytes) {
            socket.write(bytes);
            if (socket.writeQueueFull()) {
                SpdyConnection spdy = data.connection();
                spdy.pauseInbound();
                socket.drainHandler(v -> {
                    socket.drainHandler(null);
                    spdy.resumeInbound();
                });
            }
        }

        private void ended(boolean client) {
            if (client) {
                clientDone = true;
            } else {
                podDone = true;
                data.finish();
            }
            if (clientDone && podDone) {
                close();
            } else {
                vertx.setTimer(LINGER_MS, t -> close());
            }
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            forwards.remove(this);
            socket.close();
            data.finish();
            error.finish();
        }
    }
}
