package io.capstan.proxy.dataplane;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Upstream connections, one pool per event loop: a downstream connection's upstream connections
 * live on its own loop, so a request never crosses threads and the pool needs no locks.
 */
public final class UpstreamPools {
    /** Idle keep-alive connections kept per endpoint and loop. */
    static final int MAX_IDLE_PER_ENDPOINT = 64;

    private final ConcurrentHashMap<EventExecutor, LoopPool> pools = new ConcurrentHashMap<>();

    /** The pool of the calling event loop. */
    LoopPool of(EventLoop loop) {
        LoopPool p = pools.get(loop);
        return p != null ? p : pools.computeIfAbsent(loop, l -> new LoopPool((EventLoop) l));
    }

    /** The endpoint takes no new work: close its idle connections (busy ones close when their request ends). */
    void evict(Endpoint ep) {
        for (LoopPool p : pools.values()) {
            p.loop.execute(() -> p.closeIdle(ep));
        }
    }

    /** Idle pooled connections over all loops (tests and metrics; not exact while loops run). */
    public int idleCount() {
        int n = 0;
        for (LoopPool p : pools.values()) {
            n += p.idleCount;
        }
        return n;
    }

    /** The connections of one event loop; every method runs on that loop. */
    static final class LoopPool {
        final EventLoop loop;
        private final Map<Endpoint, ArrayDeque<Channel>> idle = new HashMap<>();
        private final Bootstrap base;
        volatile int idleCount;

        LoopPool(EventLoop loop) {
            this.loop = loop;
            this.base = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true);
        }

        /** An idle, open HTTP connection to the endpoint, or null. */
        Channel acquire(Endpoint ep) {
            ArrayDeque<Channel> q = idle.get(ep);
            if (q == null) {
                return null;
            }
            Channel ch;
            while ((ch = q.pollLast()) != null) {
                idleCount--;
                if (ch.isActive()) {
                    return ch;
                }
            }
            return null;
        }

        void release(Endpoint ep, Channel ch) {
            if (!ep.acceptsNew() || !ch.isActive()) {
                ch.close();
                return;
            }
            ArrayDeque<Channel> q = idle.computeIfAbsent(ep, e -> new ArrayDeque<>());
            if (q.size() >= MAX_IDLE_PER_ENDPOINT) {
                ch.close();
                return;
            }
            q.addLast(ch);
            idleCount++;
        }

        /** An idle connection closed by the upstream. */
        void remove(Endpoint ep, Channel ch) {
            ArrayDeque<Channel> q = idle.get(ep);
            if (q != null && q.remove(ch)) {
                idleCount--;
                if (q.isEmpty()) {
                    idle.remove(ep);
                }
            }
        }

        void closeIdle(Endpoint ep) {
            ArrayDeque<Channel> q = idle.remove(ep);
            if (q != null) {
                idleCount -= q.size();
                for (Channel ch : q) {
                    ch.close();
                }
            }
        }

        ChannelFuture connectHttp(Endpoint ep, int connectTimeoutMillis) {
            LoopPool pool = this;
            return base.clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(4096, 16384, 16384, false, false),
                                    new UpstreamHttpHandler(pool, ep));
                        }
                    })
                    .connect(ep.address);
        }

        ChannelFuture connectTcp(Endpoint ep, int connectTimeoutMillis, io.netty.channel.ChannelHandler relay) {
            return base.clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(relay)
                    .connect(ep.address);
        }
    }
}
