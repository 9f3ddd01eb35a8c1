package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ListenerSpec;
import io.capstan.proxy.config.RouteTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP/1.1 side of a listener with an http_connection_manager: one instance per downstream
 * connection, which is also the state of its current request (so a request allocates almost
 * nothing of its own). Each request is routed, load balanced and sent over a pooled keep-alive
 * upstream connection of the same event loop; bodies stream both ways in whatever framing they
 * came with. Before the response starts, a failed connect, or a connection that the upstream
 * closed under a replayable request, is retried on another endpoint up to the route's num_retries
 * (a reused pooled connection that turns out to be stale gets one extra try). Pipelined requests
 * wait in order behind the current one.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    /** Request bodies up to this size are kept for a retry after the upstream reset the connection. */
    private static final int MAX_REPLAY_BYTES = 64 * 1024;

    private final DataPlane dataPlane;
    private final ListenerRuntime listener;
    private Channel downstream;
    private UpstreamPools.LoopPool pool;
    private long sourceHash;
    private String clientIp;
    private ArrayDeque<Object> backlog;

    // The current exchange; reset by finish().
    private boolean active;
    private int exchangeId;
    private HttpRequest request;
    private HttpMethod method;
    private boolean requestComplete;
    private boolean downstreamKeepAlive;
    private boolean http10;
    private RouteTable.Route route;
    private UpstreamCluster cluster;
    private long startNanos;
    private int attemptsLeft;
    private boolean staleRetryUsed;
    private Endpoint endpoint;
    private Channel upstream;
    private UpstreamHttpHandler upstreamHandler;
    private boolean reused;
    private final List<HttpObject> pending = new ArrayList<>(4);
    private final List<HttpObject> replay = new ArrayList<>(4);
    private boolean replayable;
    private int replayBytes;
    private boolean responseStarted;
    private boolean informational;
    private int responseCode;
    private boolean upstreamKeepAlive;
    private boolean localResponse;

    HttpProxyHandler(DataPlane dataPlane, ListenerRuntime listener) {
        this.dataPlane = dataPlane;
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        downstream = ctx.channel();
        pool = dataPlane.pools().of(downstream.eventLoop());
        sourceHash = Hashing.sourceIp(downstream.remoteAddress());
        clientIp = downstream.remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : null;
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (active && (requestComplete || msg instanceof HttpRequest)) {
            // A pipelined request: it waits until the current response is done.
            if (backlog == null) {
                backlog = new ArrayDeque<>();
            }
            backlog.add(msg);
            downstream.config().setAutoRead(false);
            return;
        }
        if (msg instanceof HttpRequest req) {
            startExchange(req);
        }
        if (msg instanceof HttpContent c) {
            if (active) {
                onRequestContent(c);
            } else {
                c.release();
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
        }
    }

    // ---- request side -------------------------------------------------------------------------

    private void startExchange(HttpRequest req) {
        active = true;
        exchangeId++;
        request = req;
        method = req.method();
        requestComplete = false;
        responseStarted = false;
        informational = false;
        localResponse = false;
        staleRetryUsed = false;
        startNanos = System.nanoTime();
        http10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        downstreamKeepAlive = HttpUtil.isKeepAlive(req);
        if (req.decoderResult().isFailure()) {
            downstreamKeepAlive = false;
            respondLocally(HttpResponseStatus.BAD_REQUEST, "bad request");
            return;
        }
        RouteTable table = routeTable();
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        route = table == null ? null : table.match(req.headers().get(HttpHeaderNames.HOST), path);
        if (route == null) {
            respondLocally(HttpResponseStatus.NOT_FOUND, "route not found");
            return;
        }
        cluster = dataPlane.clusters().get(route.cluster());
        if (cluster == null) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "no cluster " + route.cluster());
            return;
        }
        prepareUpstreamHeaders(req);
        attemptsLeft = route.numRetries();
        replayable = true;
        replayBytes = 0;
        pending.add(req);
        connect(null);
    }

    private RouteTable routeTable() {
        ListenerSpec.HttpConnectionManager hcm = (ListenerSpec.HttpConnectionManager) listener.spec().filter();
        return hcm.inlineRoutes() != null ? hcm.inlineRoutes() : dataPlane.route(hcm.routeName());
    }

    private void prepareUpstreamHeaders(HttpRequest req) {
        HttpHeaders h = req.headers();
        stripHopByHop(h);
        if (clientIp != null) {
            String xff = h.get("x-forwarded-for");
            h.set("x-forwarded-for", xff == null ? clientIp : xff + ", " + clientIp);
        }
        if (http10) {
            req.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (!HttpUtil.isContentLengthSet(req) && !HttpUtil.isTransferEncodingChunked(req)) {
                HttpUtil.setContentLength(req, 0);
            }
        }
    }

    /** RFC 9110 7.6.1: Connection and the headers it names, plus the classic hop-by-hop set; Transfer-Encoding stays with its body. */
    private static void stripHopByHop(HttpHeaders h) {
        String connection = h.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            for (String token : connection.split(",")) {
                String t = token.trim();
                if (!t.isEmpty() && !t.equalsIgnoreCase("close") && !t.equalsIgnoreCase("keep-alive")) {
                    h.remove(t);
                }
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.PROXY_CONNECTION);
        h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
        h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.UPGRADE);
    }

    private void onRequestContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (localResponse) {
            c.release();
        } else if (upstream == null) {
            pending.add(c);
        } else {
            remember(c);
            upstream.write(c, upstream.voidPromise());
        }
        if (last) {
            requestComplete = true;
            if (localResponse && !responseStarted) {
                return;
            }
            if (localResponse) {
                finish();
            }
        }
    }

    /** Keeps a copy of what went upstream, for a retry, while that stays small. */
    private void remember(HttpObject o) {
        if (!replayable) {
            return;
        }
        if (o instanceof HttpContent c) {
            replayBytes += c.content().readableBytes();
            if (replayBytes > MAX_REPLAY_BYTES) {
                dropReplay();
                return;
            }
            replay.add(c.retainedDuplicate());
        } else {
            replay.add(o);
        }
    }

    private void dropReplay() {
        replayable = false;
        for (HttpObject o : replay) {
            ReferenceCountUtil.release(o);
        }
        replay.clear();
    }

    // ---- upstream selection -------------------------------------------------------------------

    private void connect(Endpoint failed) {
        long hash = route.hashSourceIp() ? sourceHash : ThreadLocalRandom.current().nextLong();
        Endpoint ep = cluster.pick(hash, failed);
        if (ep == null) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream");
            return;
        }
        endpoint = ep;
        ep.active.incrementAndGet();
        Channel ch = pool.acquire(ep);
        if (ch != null) {
            reused = true;
            attach(ch);
            return;
        }
        reused = false;
        int id = exchangeId;
        int timeout = (int) Math.min(Integer.MAX_VALUE, cluster.spec().connectTimeout().toMillis());
        pool.connectHttp(ep, timeout).addListener((ChannelFutureListener) f -> {
            if (id != exchangeId || !active || endpoint != ep) {
                ep.active.decrementAndGet();
                f.channel().close();
                return;
            }
            if (f.isSuccess()) {
                attach(f.channel());
            } else {
                ep.active.decrementAndGet();
                endpoint = null;
                retryOrFail(ep, HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream connect error");
            }
        });
    }

    private void retryOrFail(Endpoint failed, HttpResponseStatus status, String reason) {
        if (attemptsLeft > 0) {
            attemptsLeft--;
            connect(failed);
        } else {
            respondLocally(status, reason);
        }
    }

    private void attach(Channel ch) {
        upstream = ch;
        upstreamHandler = ch.pipeline().get(UpstreamHttpHandler.class);
        upstreamHandler.owner = this;
        for (HttpObject o : pending) {
            remember(o);
            ch.write(o, ch.voidPromise());
        }
        pending.clear();
        ch.flush();
        if (!ch.isWritable()) {
            downstream.config().setAutoRead(false);
        }
    }

    /** The upstream connection closed while this exchange used it. */
    void upstreamClosed() {
        Channel ch = upstream;
        Endpoint ep = endpoint;
        upstream = null;
        upstreamHandler = null;
        endpoint = null;
        if (ep != null) {
            ep.active.decrementAndGet();
        }
        if (responseStarted) {
            // The response is cut short; the downstream cannot be told otherwise. What came of it
            // goes out first, so the client sees a truncated response rather than none.
            record();
            downstream.flush();
            downstream.close();
            return;
        }
        if (replayable && (reused && !staleRetryUsed || attemptsLeft > 0)) {
            if (reused && !staleRetryUsed) {
                staleRetryUsed = true;
            } else {
                attemptsLeft--;
            }
            pending.addAll(replay);
            replay.clear();
            replayBytes = 0;
            connect(reused ? null : ep);
            return;
        }
        downstreamKeepAlive = downstreamKeepAlive && requestComplete;
        respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream reset before response");
    }

    void upstreamWritabilityChanged(boolean writable) {
        downstream.config().setAutoRead(writable && backlog == null);
    }

    // ---- response side ------------------------------------------------------------------------

    void onResponseHead(HttpResponse resp) {
        int code = resp.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            informational = true;
            downstream.write(resp, downstream.voidPromise());
            return;
        }
        responseStarted = true;
        dropReplay();
        responseCode = code;
        upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
        HttpHeaders h = resp.headers();
        stripHopByHop(h);
        boolean bodyless = method.equals(HttpMethod.HEAD) || code == 204 || code == 304;
        if (!bodyless && !HttpUtil.isContentLengthSet(resp) && !HttpUtil.isTransferEncodingChunked(resp)) {
            // Delimited by the upstream closing: chunk it for a keep-alive downstream.
            upstreamKeepAlive = false;
            if (http10) {
                downstreamKeepAlive = false;
            } else {
                HttpUtil.setTransferEncodingChunked(resp, true);
            }
        }
        if (http10 && HttpUtil.isTransferEncodingChunked(resp)) {
            downstreamKeepAlive = false;
        }
        if (!downstreamKeepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        downstream.write(resp, downstream.voidPromise());
    }

    void onResponseContent(HttpContent c) {
        if (informational) {
            if (c instanceof LastHttpContent) {
                informational = false;
            }
            c.release();
            return;
        }
        if (!(c instanceof LastHttpContent)) {
            downstream.write(c, downstream.voidPromise());
            return;
        }
        // Writes that nobody waits for take the void promise (a failure closes the channel through
        // exceptionCaught): one promise less per message on the hot path.
        boolean close = !downstreamKeepAlive || !requestComplete;
        ChannelFuture done = downstream.writeAndFlush(c, close ? downstream.newPromise() : downstream.voidPromise());
        releaseUpstream();
        record();
        if (close) {
            done.addListener(ChannelFutureListener.CLOSE);
            active = false;
            return;
        }
        finish();
    }

    void flushDownstream() {
        downstream.flush();
    }

    private void releaseUpstream() {
        Channel ch = upstream;
        Endpoint ep = endpoint;
        upstreamHandler.owner = null;
        upstream = null;
        upstreamHandler = null;
        endpoint = null;
        ep.active.decrementAndGet();
        if (upstreamKeepAlive && requestComplete) {
            ch.config().setAutoRead(true);
            pool.release(ep, ch);
        } else {
            ch.close();
        }
    }

    private void record() {
        if (cluster != null) {
            cluster.stats.request(responseCode, startNanos);
        }
    }

    private void respondLocally(HttpResponseStatus status, String reason) {
        localResponse = true;
        responseStarted = true;
        responseCode = status.code();
        for (HttpObject o : pending) {
            ReferenceCountUtil.release(o);
        }
        pending.clear();
        dropReplay();
        ByteBuf body = Unpooled.copiedBuffer(reason, CharsetUtil.UTF_8);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (!downstreamKeepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        record();
        ChannelFuture f = downstream.writeAndFlush(resp);
        if (!downstreamKeepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
            active = false;
        } else if (requestComplete) {
            finish();
        }
        // else: the rest of the request body is read and dropped, then finish().
    }

    /** The exchange is over on a connection that stays open: the next (pipelined) request may start. */
    private void finish() {
        active = false;
        request = null;
        route = null;
        cluster = null;
        if (backlog != null) {
            while (!active && !backlog.isEmpty() && downstream.isActive()) {
                channelRead(null, backlog.poll());
            }
            if (backlog.isEmpty()) {
                backlog = null;
                downstream.config().setAutoRead(true);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.config().setAutoRead(downstream.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        exchangeId++;
        if (upstream != null) {
            upstreamHandler.owner = null;
            endpoint.active.decrementAndGet();
            upstream.close();
            upstream = null;
            endpoint = null;
        } else if (endpoint != null) {
            // A connect in flight: its listener sees the changed exchange id and gives the count back.
            endpoint = null;
        }
        active = false;
        for (HttpObject o : pending) {
            ReferenceCountUtil.release(o);
        }
        pending.clear();
        dropReplay();
        if (backlog != null) {
            backlog.forEach(ReferenceCountUtil::release);
            backlog = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConnectionErrors.log(ctx, "downstream HTTP", cause);
        ctx.close();
    }
}
