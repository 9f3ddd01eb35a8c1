package io.capstan.proxy.dataplane;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of an upstream HTTP/1.1 connection: hands the response to the downstream exchange that
 * owns the connection at the moment, or, while the connection sits idle in its pool, notices that
 * the upstream closed it.
 */
final class UpstreamHttpHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamPools.LoopPool pool;
    final Endpoint endpoint;
    /** The exchange using this connection; null while idle. Event-loop confined. */
    HttpProxyHandler owner;

    UpstreamHttpHandler(UpstreamPools.LoopPool pool, Endpoint endpoint) {
        this.pool = pool;
        this.endpoint = endpoint;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        HttpProxyHandler o = owner;
        if (o == null) {
            // An idle connection has nothing to say; whatever it sent cannot be matched to a request.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse r) {
            o.onResponseHead(r);
        }
        if (msg instanceof HttpContent c) {
            o.onResponseContent(c);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        HttpProxyHandler o = owner;
        if (o != null) {
            o.flushDownstream();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        HttpProxyHandler o = owner;
        if (o != null) {
            o.upstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        HttpProxyHandler o = owner;
        if (o != null) {
            owner = null;
            o.upstreamClosed();
        } else {
            pool.remove(endpoint, ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConnectionErrors.log(ctx, "upstream HTTP", cause);
        ctx.close();
    }
}
