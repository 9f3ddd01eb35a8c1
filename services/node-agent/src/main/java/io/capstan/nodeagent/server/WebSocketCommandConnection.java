package io.capstan.nodeagent.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A remote command over a WebSocket with the channel.k8s.io protocols: every message is
 * binary, byte 0 the channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize) and the rest its
 * data; v5 adds channel 255, where {@code [255, 0]} ends stdin. The error channel carries a
 * Status (v4, v5) or a failure's plain message (channel.k8s.io), then the socket closes with
 * 1000, which client-go reads as the end of every stream (any other end is an error to it).
 */
final class WebSocketCommandConnection implements CommandConnection {
    static final String V5 = "v5.channel.k8s.io";
    static final String V4 = "v4.channel.k8s.io";
    static final String V1 = "channel.k8s.io";
    /** In the order this side prefers them. */
    static final List<String> PROTOCOLS = List.of(V5, V4, V1);

    static final byte STDIN = 0;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte ERROR = 3;
    static final byte RESIZE = 4;
    static final byte CLOSE = (byte) 255;

    private final ServerWebSocket ws;
    private final String protocol;
    private final WriteGate gate;
    private final AtomicBoolean done = new AtomicBoolean();

    private WebSocketCommandConnection(ServerWebSocket ws, String protocol) {
        this.ws = ws;
        this.protocol = protocol;
        this.gate = new WriteGate(ws);
    }

    /** Wires an accepted WebSocket (its negotiated sub-protocol one of {@link #PROTOCOLS}) to {@code input}. */
    static WebSocketCommandConnection open(ServerWebSocket ws, CommandConnection.Input input) {
        String negotiated = ws.subProtocol() == null ? V1 : ws.subProtocol();
        WebSocketCommandConnection c = new WebSocketCommandConnection(ws, negotiated);
        ws.binaryMessageHandler(message -> c.dispatch(message, input));
        ws.closeHandler(v -> {
            c.gate.close();
            input.closed();
        });
        ws.exceptionHandler(e -> ws.close());
        return c;
    }

    private void dispatch(Buffer message, CommandConnection.Input input) {
        if (message.length() == 0) {
            return;
        }
        byte channel = message.getByte(0);
        byte[] data = message.getBytes(1, message.length());
        switch (channel) {
            case STDIN -> input.stdin(data);
            case RESIZE -> ResizeDecoder.emit(data, input::resize);
            case CLOSE -> {
                if (protocol.equals(V5) && data.length > 0 && data[0] == STDIN) {
                    input.stdinClosed();
                }
            }
            default -> {
                // channels the client does not write to
            }
        }
    }

    @Override
    public boolean stdout(byte[] data, int length) {
        return send(STDOUT, data, length);
    }

    @Override
    public boolean stderr(byte[] data, int length) {
        return send(STDERR, data, length);
    }

    private boolean send(byte channel, byte[] data, int length) {
        if (!gate.awaitWritable()) {
            return false;
        }
        ws.writeBinaryMessage(frame(channel, data, length));
        return true;
    }

    static Buffer frame(byte channel, byte[] data, int length) {
        return Buffer.buffer(length + 1).appendByte(channel).appendBytes(data, 0, length);
    }

    @Override
    public void finish(CommandResult result) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        byte[] status = protocol.equals(V1) ? result.text() : result.statusJson();
        if (status.length > 0) {
            ws.writeBinaryMessage(frame(ERROR, status, status.length));
        }
        ws.close((short) 1000);
    }

    @Override
    public void abort() {
        if (done.compareAndSet(false, true)) {
            ws.close();
        }
    }

    @Override
    public void readInput(boolean enabled) {
        if (enabled) {
            ws.resume();
        } else {
            ws.pause();
        }
    }
}
