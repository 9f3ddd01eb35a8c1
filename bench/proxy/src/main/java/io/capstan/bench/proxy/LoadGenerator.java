package io.capstan.bench.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bounded HTTP/1.1 load generator on one event loop, keep-alive connections, pre-encoded
 * requests. Open loop ({@link #openLoop}): requests start on a fixed schedule and latency counts
 * from the scheduled start (no coordinated omission); a request that finds every connection busy
 * waits in a queue, or opens a connection while fewer than {@code maxConnections} are open.
 * Closed loop ({@link #closedLoop}): each connection sends its next request as soon as the answer
 * arrives. Latencies are recorded in microseconds.
 */
final class LoadGenerator implements AutoCloseable {
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final EventLoop loop = group.next();

    record Result(Histogram latencyMicros, long completed, long errors, double seconds) {
        double rate() {
            return completed / seconds;
        }
    }

    private final class Target {
        final InetSocketAddress address;
        final ByteBuf request;
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        final ArrayDeque<Long> waiting = new ArrayDeque<>();
        final Histogram histogram = new Histogram(60_000_000L, 3);
        final int maxConnections;
        int open;
        long completed;
        long errors;
        boolean recording;
        boolean stopped;
        /** Closed loop: a connection sends its next request as soon as it is free. */
        boolean backToBack;

        Target(InetSocketAddress address, int maxConnections) {
            this.address = address;
            this.maxConnections = maxConnections;
            this.request = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
                    "GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: capstan-bench\r\n\r\n", StandardCharsets.US_ASCII));
        }

        void submit(long intendedNanos) {
            Channel ch = idle.pollLast();
            if (ch != null) {
                send(ch, intendedNanos);
            } else {
                waiting.add(intendedNanos);
                if (open < maxConnections) {
                    connect();
                }
            }
        }

        void connect() {
            open++;
            new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpResponseDecoder(), new Conn(Target.this));
                        }
                    })
                    .connect(address).addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            open--;
                            errors++;
                            return;
                        }
                        ready(f.channel());
                    });
        }

        void ready(Channel ch) {
            if (backToBack && !stopped) {
                send(ch, System.nanoTime());
                return;
            }
            Long next = waiting.poll();
            if (next != null && !stopped) {
                send(ch, next);
            } else {
                idle.add(ch);
            }
        }

        void send(Channel ch, long intendedNanos) {
            ch.pipeline().get(Conn.class).intended = intendedNanos;
            ch.writeAndFlush(request.duplicate());
        }

        void done(Channel ch, long intendedNanos) {
            if (recording) {
                completed++;
                histogram.recordValue(Math.max(1, (System.nanoTime() - intendedNanos) / 1000));
            }
            ready(ch);
        }
    }

    private static final class Conn extends ChannelInboundHandlerAdapter {
        final Target target;
        long intended;

        Conn(Target target) {
            this.target = target;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                target.done(ctx.channel(), intended);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            target.open--;
            target.idle.remove(ctx.channel());
            if (!target.stopped) {
                target.errors++;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Several targets at {@code ratePerSecond} each, interleaved on one schedule (so they see the
     * same moments of the machine), for warmup then measure seconds.
     */
    Result[] openLoop(InetSocketAddress[] addresses, int ratePerSecond, double warmupSeconds, double seconds) throws Exception {
        Target[] targets = new Target[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            targets[i] = new Target(addresses[i], 64);
        }
        long interval = 1_000_000_000L / ratePerSecond;
        long start = System.nanoTime() + 10_000_000L;
        long measureFrom = start + (long) (warmupSeconds * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        CompletableFuture<Void> finished = new CompletableFuture<>();
        long[] sent = {0};
        ScheduledFuture<?>[] ticker = new ScheduledFuture<?>[1];
        loop.execute(() -> ticker[0] = loop.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            while (true) {
                long intended = start + sent[0] * interval;
                if (intended > now || intended >= end) {
                    break;
                }
                sent[0]++;
                for (Target t : targets) {
                    t.recording = intended >= measureFrom;
                    t.submit(intended);
                }
            }
            if (now >= end + 2_000_000_000L || (start + sent[0] * interval >= end && allIdle(targets))) {
                ticker[0].cancel(false);
                finished.complete(null);
            }
        }, 0, 200, TimeUnit.MICROSECONDS));
        finished.get((long) (warmupSeconds + seconds + 30), TimeUnit.SECONDS);
        Result[] out = new Result[targets.length];
        CompletableFuture<Void> closed = new CompletableFuture<>();
        loop.execute(() -> {
            for (int i = 0; i < targets.length; i++) {
                Target t = targets[i];
                t.stopped = true;
                t.idle.forEach(Channel::close);
                out[i] = new Result(t.histogram.copy(), t.completed, t.errors, seconds);
            }
            closed.complete(null);
        });
        closed.get(10, TimeUnit.SECONDS);
        return out;
    }

    private static boolean allIdle(Target[] targets) {
        for (Target t : targets) {
            if (t.idle.size() != t.open || !t.waiting.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** {@code connections} connections each sending back to back, for warmup then measure seconds. */
    Result closedLoop(InetSocketAddress address, int connections, double warmupSeconds, double seconds) throws Exception {
        Target t = new Target(address, connections);
        t.backToBack = true;
        loop.submit(() -> {
            for (int i = 0; i < connections; i++) {
                t.connect();
            }
        }).get();
        Thread.sleep((long) (warmupSeconds * 1000));
        long[] t0 = new long[1];
        loop.submit(() -> {
            t.recording = true;
            t.completed = 0;
            t.histogram.reset();
            t0[0] = System.nanoTime();
        }).get();
        Thread.sleep((long) (seconds * 1000));
        Result[] r = new Result[1];
        loop.submit(() -> {
            t.recording = false;
            t.stopped = true;
            r[0] = new Result(t.histogram.copy(), t.completed, t.errors, (System.nanoTime() - t0[0]) / 1e9);
        }).get();
        Thread.sleep(200);
        loop.submit(() -> t.idle.forEach(Channel::close)).get();
        return r[0];
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
