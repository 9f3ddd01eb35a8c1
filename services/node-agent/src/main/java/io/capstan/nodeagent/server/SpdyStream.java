package io.capstan.nodeagent.server;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One stream of a {@link SpdyConnection}, opened by the client with its headers
 * ({@code streamtype}, {@code port}, {@code requestid}: lower case, as SPDY sends them).
 * What the client sends is kept until a handler is set, then delivered on the connection's
 * event loop (set handlers there too); writes may come from any thread.
 */
final class SpdyStream {
    private final SpdyConnection connection;
    private final int id;
    private final Map<String, String> headers;
    private final List<Buffer> pending = new ArrayList<>();
    private Consumer<Buffer> dataHandler;
    private Runnable endHandler;
    private boolean remoteEnded;
    private boolean ended;
    private volatile boolean finished;

    SpdyStream(SpdyConnection connection, int id, Map<String, String> headers) {
        this.connection = connection;
        this.id = id;
        this.headers = Map.copyOf(headers);
    }

    int id() {
        return id;
    }

    SpdyConnection connection() {
        return connection;
    }

    /** Refuses or abandons the stream (RST_STREAM CANCEL). */
    void reset() {
        finished = true;
        connection.reset(id);
    }

    String header(String name) {
        return headers.get(name);
    }

    /** Receives the client's data, then one call of {@code end} when it sent FIN, reset the stream or left. */
    void handler(Consumer<Buffer> data, Runnable end) {
        dataHandler = data;
        endHandler = end;
        pending.forEach(data);
        pending.clear();
        if (remoteEnded) {
            end();
        }
    }

    /** Sends data to the client. */
    void write(Buffer data) {
        if (!finished) {
            connection.sendData(id, data, false);
        }
    }

    /** Half-closes this side (FIN): the client reads the end of the stream. Idempotent. */
    void finish() {
        if (!finished) {
            finished = true;
            connection.sendData(id, Buffer.buffer(), true);
        }
    }

    void received(Buffer data) {
        if (remoteEnded) {
            return;
        }
        if (dataHandler == null) {
            pending.add(data);
        } else {
            dataHandler.accept(data);
        }
    }

    void remoteEnd() {
        if (remoteEnded) {
            return;
        }
        remoteEnded = true;
        if (endHandler != null) {
            end();
        }
    }

    private void end() {
        if (!ended) {
            ended = true;
            endHandler.run();
        }
    }
}
