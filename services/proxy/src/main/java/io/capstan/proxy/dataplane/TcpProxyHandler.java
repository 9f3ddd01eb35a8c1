package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ListenerSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code tcp_proxy}: one upstream connection per downstream connection, to an endpoint picked
 * when the connection arrives (another one if the connect fails); bytes spliced both ways with
 * backpressure; a half-close on one side is passed on to the other, and the pair closes when both
 * directions are done. The downstream is not read until the upstream is connected.
 */
final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final int CONNECT_ATTEMPTS = 3;

    private final DataPlane dataPlane;
    private final ListenerRuntime listener;
    private Channel downstream;
    private Channel upstream;
    private UpstreamCluster cluster;
    private ClusterStats stats;
    private Endpoint endpoint;
    private long hash;
    private int attemptsLeft = CONNECT_ATTEMPTS;
    private boolean downstreamInputDone;
    private boolean upstreamInputDone;
    private boolean closed;
    private long received;
    private long sent;

    TcpProxyHandler(DataPlane dataPlane, ListenerRuntime listener) {
        this.dataPlane = dataPlane;
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        downstream = ctx.channel();
        ListenerSpec.TcpProxy filter = (ListenerSpec.TcpProxy) listener.spec().filter();
        cluster = dataPlane.clusters().get(filter.cluster());
        if (cluster == null) {
            downstream.close();
            return;
        }
        stats = cluster.stats;
        hash = filter.hashSourceIp() ? Hashing.sourceIp(downstream.remoteAddress()) : ThreadLocalRandom.current().nextLong();
        connect(null);
    }

    private void connect(Endpoint failed) {
        Endpoint ep = cluster.pick(hash, failed);
        if (ep == null || attemptsLeft-- <= 0) {
            downstream.close();
            return;
        }
        ep.active.incrementAndGet();
        int timeout = (int) Math.min(Integer.MAX_VALUE, cluster.spec().connectTimeout().toMillis());
        dataPlane.pools().of(downstream.eventLoop()).connectTcp(ep, timeout, new Relay()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ep.active.decrementAndGet();
                if (downstream.isActive()) {
                    connect(ep);
                }
                return;
            }
            if (!downstream.isActive()) {
                ep.active.decrementAndGet();
                f.channel().close();
                return;
            }
            endpoint = ep;
            upstream = f.channel();
            stats.tcp().opened.increment();
            downstream.config().setAutoRead(true);
            downstream.read();
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upstream == null) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf b) {
            received += b.readableBytes();
        }
        upstream.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
            countBytes();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.config().setAutoRead(downstream.isWritable());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            downstreamInputDone = true;
            if (upstream != null) {
                upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> shutdownOutput(upstream));
            }
            if (upstreamInputDone || upstream == null) {
                closeBoth();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeBoth();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConnectionErrors.log(ctx, "downstream TCP", cause);
        closeBoth();
    }

    private static void shutdownOutput(Channel ch) {
        if (ch instanceof DuplexChannel d && ch.isActive()) {
            d.shutdownOutput();
        } else {
            ch.close();
        }
    }

    private void countBytes() {
        if (received > 0) {
            stats.tcp().received.increment(received);
            received = 0;
        }
        if (sent > 0) {
            stats.tcp().sent.increment(sent);
            sent = 0;
        }
    }

    private void closeBoth() {
        if (closed) {
            return;
        }
        closed = true;
        if (upstream != null) {
            countBytes();
            stats.tcp().closed.increment();
            endpoint.active.decrementAndGet();
            upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        downstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** The upstream side: bytes back to the downstream. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                sent += b.readableBytes();
            }
            downstream.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            downstream.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            downstream.config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                upstreamInputDone = true;
                downstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> shutdownOutput(downstream));
                if (downstreamInputDone) {
                    closeBoth();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeBoth();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ConnectionErrors.log(ctx, "upstream TCP", cause);
            closeBoth();
        }
    }
}
