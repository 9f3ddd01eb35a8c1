package io.capstan.nodeagent.server;

import io.vertx.core.buffer.Buffer;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A remote command over SPDY (the fallback of kubectl's exec and attach): the client opens one
 * stream per channel, named by its {@code streamtype} header, and the command starts once every
 * stream the request implies is there: error always; stdin, stdout, stderr as asked; resize
 * with a terminal from v3 on. The error stream carries a Status from v4 on, plain text before.
 */
final class SpdyCommandConnection implements CommandConnection {
    static final String V4 = "v4.channel.k8s.io";
    static final String V3 = "v3.channel.k8s.io";
    static final String V2 = "v2.channel.k8s.io";
    static final String V1 = "channel.k8s.io";
    /** In the order this side prefers them. */
    static final List<String> PROTOCOLS = List.of(V4, V3, V2, V1);

    enum Kind { ERROR, STDIN, STDOUT, STDERR, RESIZE }

    private final SpdyConnection spdy;
    private final String protocol;
    private final Map<Kind, SpdyStream> streams;
    private final AtomicBoolean done = new AtomicBoolean();

    private SpdyCommandConnection(SpdyConnection spdy, String protocol, Map<Kind, SpdyStream> streams) {
        this.spdy = spdy;
        this.protocol = protocol;
        this.streams = streams;
    }

    /**
     * The stream listener of a new session: collects the command's streams and, once they are all
     * there, wires them to {@code input} and hands the connection to {@code ready}. A stream of
     * an unknown or repeated type, or one too many, is refused.
     */
    static Consumer<SpdyStream> collector(String protocol, CommandOptions options, CommandConnection.Input input,
                                          Consumer<SpdyCommandConnection> ready) {
        int expected = 1 + (options.stdin() ? 1 : 0) + (options.stdout() ? 1 : 0) + (options.stderr() ? 1 : 0)
                + (options.tty() && resizes(protocol) ? 1 : 0);
        Map<Kind, SpdyStream> streams = new EnumMap<>(Kind.class);
        return stream -> {
            Kind kind = kind(stream.header("streamtype"));
            if (kind == null || streams.containsKey(kind) || streams.size() >= expected) {
                stream.reset();
                return;
            }
            streams.put(kind, stream);
            if (streams.size() == expected) {
                SpdyCommandConnection c = new SpdyCommandConnection(stream.connection(), protocol, streams);
                c.wire(input);
                ready.accept(c);
            }
        };
    }

    private static boolean resizes(String protocol) {
        return protocol.equals(V4) || protocol.equals(V3);
    }

    private static Kind kind(String streamType) {
        if (streamType == null) {
            return null;
        }
        return switch (streamType) {
            case "error" -> Kind.ERROR;
            case "stdin" -> Kind.STDIN;
            case "stdout" -> Kind.STDOUT;
            case "stderr" -> Kind.STDERR;
            case "resize" -> Kind.RESIZE;
            default -> null;
        };
    }

    private void wire(CommandConnection.Input input) {
        for (Map.Entry<Kind, SpdyStream> e : streams.entrySet()) {
            switch (e.getKey()) {
                case STDIN -> e.getValue().handler(data -> input.stdin(data.getBytes()), input::stdinClosed);
                case RESIZE -> {
                    ResizeDecoder sizes = new ResizeDecoder();
                    e.getValue().handler(data -> sizes.feed(data.getBytes(), input::resize), () -> { });
                }
                default -> e.getValue().handler(data -> { }, () -> { });
            }
        }
    }

    @Override
    public boolean stdout(byte[] data, int length) {
        return send(streams.get(Kind.STDOUT), data, length);
    }

    @Override
    public boolean stderr(byte[] data, int length) {
        return send(streams.get(Kind.STDERR), data, length);
    }

    private boolean send(SpdyStream stream, byte[] data, int length) {
        if (stream == null || !spdy.awaitWritable()) {
            return false;
        }
        stream.write(Buffer.buffer(length).appendBytes(data, 0, length));
        return true;
    }

    @Override
    public void finish(CommandResult result) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        for (Kind k : List.of(Kind.STDOUT, Kind.STDERR)) {
            SpdyStream s = streams.get(k);
            if (s != null) {
                s.finish();
            }
        }
        SpdyStream error = streams.get(Kind.ERROR);
        byte[] status = protocol.equals(V4) ? result.statusJson() : result.text();
        if (status.length > 0) {
            error.write(Buffer.buffer(status));
        }
        error.finish();
        spdy.close();
    }

    @Override
    public void abort() {
        if (done.compareAndSet(false, true)) {
            spdy.close();
        }
    }

    @Override
    public void readInput(boolean enabled) {
        if (enabled) {
            spdy.resumeInbound();
        } else {
            spdy.pauseInbound();
        }
    }
}
