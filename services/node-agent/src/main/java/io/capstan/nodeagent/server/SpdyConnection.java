package io.capstan.nodeagent.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The server side of a SPDY/3.1 session as kubectl's spdystream client uses it (exec, attach
 * and port-forward fallbacks, and port-forward tunnelled in WebSocket messages): the client
 * opens every stream; each SYN_STREAM is answered with a SYN_REPLY at once (client-go waits for
 * it), DATA moves both ways with FIN half-closing a stream, PINGs from the client are echoed,
 * and GOAWAY or the end of the transport closes everything.
 *
 * <p>Frames are encoded and decoded by Netty's {@link SpdyFrameCodec}, run outside a channel
 * pipeline in an {@link EmbeddedChannel}: one for each direction, because each direction has
 * its own zlib header-compression context. spdystream implements no flow control (it ignores
 * WINDOW_UPDATE and never sends one), so neither does this side; back-pressure is the
 * transport's.
 *
 * <p>Threading: {@link #receive} and the end of the transport run on its event
 * loop (its {@link Context}), and so do the stream handlers they call, also when another
 * thread closes the session; frames are sent from any thread, encoded and written under one
 * lock so that header blocks reach the client in compression order.
 */
final class SpdyConnection {
    private static final Logger LOG = Logger.getLogger(SpdyConnection.class);
    /**
     * Netty encodes a header block without headers as zero bytes, which Go's SPDY framer cannot
     * read (it expects at least the compressed header count); a SYN_REPLY always carries this one.
     */
    private static final String REPLY_HEADER = "x-capstan-stream";

    /**
     * What carries the frames: a raw socket after an upgrade, or a WebSocket, whose
     * {@code write} sends one binary message. {@code close} ends it.
     */
    record Transport(ReadStream<Buffer> in, WriteStream<Buffer> out, Runnable close) {
        static Transport of(NetSocket socket) {
            return new Transport(socket, socket, socket::close);
        }

        static Transport of(ServerWebSocket ws) {
            return new Transport(ws, ws, ws::close);
        }
    }

    private final Context context;
    private final Transport transport;
    private final WriteGate gate;
    private final Consumer<SpdyStream> onStream;
    private final Runnable onClose;
    private final EmbeddedChannel decoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    private final EmbeddedChannel encoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    private final Map<Integer, SpdyStream> streams = new HashMap<>();
    private final Object sendLock = new Object();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile int lastStreamId;
    private int pausedBy;
    private volatile boolean closed;

    /**
     * Starts reading the transport. {@code onStream} sees each stream the client opens (after
     * its SYN_REPLY went out); {@code onClose} runs once when the session has ended.
     */
    SpdyConnection(Context context, Transport transport, Consumer<SpdyStream> onStream, Runnable onClose) {
        this.context = context;
        this.transport = transport;
        this.gate = new WriteGate(transport.out());
        this.onStream = onStream;
        this.onClose = onClose;
        transport.in().handler(this::receive);
        transport.in().endHandler(v -> end());
        transport.in().exceptionHandler(e -> close());
    }

    /** Bytes from the client, in order (event loop). */
    private void receive(Buffer bytes) {
        if (closed) {
            return;
        }
        try {
            decoder.writeInbound(Unpooled.wrappedBuffer(bytes.getBytes()));
        } catch (Exception e) {
            // the codec rethrows its SpdyProtocolException, a checked exception, undeclared
            LOG.debugf("closing a SPDY session on a malformed frame: %s", e.getMessage());
            close();
            return;
        }
        Object frame;
        while ((frame = decoder.readInbound()) != null) {
            try {
                handle((SpdyFrame) frame);
            } finally {
                if (frame instanceof SpdyDataFrame data) {
                    data.release();
                }
            }
        }
    }

    /** Sends GOAWAY and closes the transport. Idempotent; any thread. */
    void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        send(new DefaultSpdyGoAwayFrame(lastStreamId));
        gate.close();
        transport.close().run();
        context.runOnContext(v -> end());
    }

    /** Stops reading from the client until as many {@link #resumeInbound} calls. */
    synchronized void pauseInbound() {
        if (pausedBy++ == 0) {
            transport.in().pause();
        }
    }

    synchronized void resumeInbound() {
        if (pausedBy > 0 && --pausedBy == 0) {
            transport.in().resume();
        }
    }

    /** Blocks a writer thread while the transport's queue is full; false once the session is closed. */
    boolean awaitWritable() {
        return gate.awaitWritable() && !closed;
    }

    /** For event-loop writers: true when the transport takes more, otherwise {@code resume} runs once it does. */
    boolean writableOrLater(Runnable resume) {
        return gate.writableOrLater(resume);
    }

    void sendData(int streamId, Buffer data, boolean fin) {
        DefaultSpdyDataFrame frame = new DefaultSpdyDataFrame(streamId, Unpooled.wrappedBuffer(data.getBytes()));
        frame.setLast(fin);
        send(frame);
    }

    void reset(int streamId) {
        send(new DefaultSpdyRstStreamFrame(streamId, SpdyStreamStatus.CANCEL));
    }

    private void handle(SpdyFrame frame) {
        switch (frame) {
            case SpdySynStreamFrame syn -> opened(syn);
            case SpdyDataFrame data -> {
                SpdyStream stream = streams.get(data.streamId());
                if (stream != null) {
                    if (data.content().isReadable()) {
                        stream.received(Buffer.buffer(ByteBufUtil.getBytes(data.content())));
                    }
                    if (data.isLast()) {
                        stream.remoteEnd();
                    }
                }
            }
            case SpdyRstStreamFrame rst -> {
                SpdyStream stream = streams.remove(rst.streamId());
                if (stream != null) {
                    stream.remoteEnd();
                }
            }
            case SpdyPingFrame ping -> {
                // Odd ids are the client's pings, to be echoed; even ones would answer ours.
                if ((ping.id() & 1) == 1) {
                    send(new DefaultSpdyPingFrame(ping.id()));
                }
            }
            case SpdyGoAwayFrame goAway -> close();
            default -> {
                // SETTINGS, WINDOW_UPDATE, HEADERS: nothing this side acts on
            }
        }
    }

    private void opened(SpdySynStreamFrame syn) {
        int id = syn.streamId();
        if (syn.isInvalid() || (id & 1) == 0 || id <= lastStreamId) {
            reset(id);
            return;
        }
        lastStreamId = id;
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<CharSequence, CharSequence> h : syn.headers()) {
            headers.putIfAbsent(h.getKey().toString().toLowerCase(Locale.ROOT), h.getValue().toString());
        }
        SpdyStream stream = new SpdyStream(this, id, headers);
        streams.put(id, stream);
        DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
        reply.headers().set(REPLY_HEADER, "accepted");
        send(reply);
        onStream.accept(stream);
        if (syn.isLast()) {
            stream.remoteEnd();
        }
    }

    private void send(SpdyFrame frame) {
        synchronized (sendLock) {
            if (closed) {
                if (frame instanceof SpdyDataFrame data) {
                    data.release();
                }
                return;
            }
            encoder.writeOutbound(frame);
            Buffer out = Buffer.buffer();
            ByteBuf encoded;
            while ((encoded = encoder.readOutbound()) != null) {
                out.appendBytes(ByteBufUtil.getBytes(encoded));
                encoded.release();
            }
            transport.out().write(out);
        }
    }

    private void end() {
        synchronized (sendLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        gate.close();
        streams.values().forEach(SpdyStream::remoteEnd);
        streams.clear();
        decoder.finishAndReleaseAll();
        encoder.finishAndReleaseAll();
        onClose.run();
    }
}
