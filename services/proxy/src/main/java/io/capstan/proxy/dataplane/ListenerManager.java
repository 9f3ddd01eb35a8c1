package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ListenerSpec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Binds a server socket per Listener and unbinds it when the Listener goes. Every socket has
 * SO_REUSEPORT, so the node proxies that share a network namespace can all bind a cluster IP.
 * Unbinding closes the server socket only: accepted connections run to their end. A listener
 * whose socket and filter kind stay the same keeps its socket and takes the new config for the
 * next connection. Changed on the xDS thread only; {@link #bound()} and {@link #failed()} may be
 * read from any thread and show the state of the last completed change (a removed listener leaves
 * {@link #bound()} only once its socket is closed).
 */
final class ListenerManager {
    private static final Logger LOG = Logger.getLogger(ListenerManager.class);
    private static final long BIND_TIMEOUT_SECONDS = 5;

    private final DataPlane dataPlane;
    private final EventLoopGroup group;
    private final Map<String, ListenerRuntime> listeners = new HashMap<>();
    /** Listeners that could not bind; retried by the next LDS update. */
    private final Set<String> failed = new HashSet<>();
    /** What {@link #bound()} and {@link #failed()} answer other threads, published after each change. */
    private volatile Set<String> boundNow = Set.of();
    private volatile Set<String> failedNow = Set.of();

    ListenerManager(DataPlane dataPlane, EventLoopGroup group) {
        this.dataPlane = dataPlane;
        this.group = group;
    }

    void apply(List<ListenerSpec> specs) {
        Map<String, ListenerSpec> wanted = new HashMap<>();
        for (ListenerSpec s : specs) {
            wanted.put(s.name(), s);
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            ListenerSpec next = wanted.get(e.getKey());
            if (next == null || !next.sameSocketAndKind(e.getValue().spec())) {
                if (e.getValue().serverChannel != null) {
                    closing.add(e.getValue().serverChannel.close());
                }
                it.remove();
            }
        }
        // Closed before anything binds, so a listener that moves to another kind can take its socket back.
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        publish();
        failed.clear();
        // Every new socket is bound at once and then waited for: a thousand listeners take one
        // round of event-loop tasks instead of a thousand round trips (and the response that
        // described them is garbage sooner).
        List<ListenerRuntime> binding = new ArrayList<>();
        List<ChannelFuture> futures = new ArrayList<>();
        for (ListenerSpec s : specs) {
            ListenerRuntime rt = listeners.get(s.name());
            if (rt != null) {
                rt.spec(s);
                continue;
            }
            rt = new ListenerRuntime(s);
            binding.add(rt);
            futures.add(bind(rt));
        }
        for (int i = 0; i < binding.size(); i++) {
            ListenerRuntime rt = binding.get(i);
            if (bound(rt, futures.get(i))) {
                listeners.put(rt.spec().name(), rt);
            } else {
                failed.add(rt.spec().name());
            }
        }
        publish();
    }

    private void publish() {
        boundNow = Set.copyOf(listeners.keySet());
        failedNow = Set.copyOf(failed);
    }

    private ChannelFuture bind(ListenerRuntime rt) {
        ListenerSpec s = rt.spec();
        boolean tcp = s.filter() instanceof ListenerSpec.TcpProxy;
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, !tcp)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, tcp)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tcp) {
                            ch.pipeline().addLast(new TcpProxyHandler(dataPlane, rt));
                        } else {
                            ch.pipeline().addLast(new HttpServerCodec(4096, 16384, 16384),
                                    new HttpProxyHandler(dataPlane, rt));
                        }
                    }
                });
        return b.bind(new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(s.ip()), s.port()));
    }

    private static boolean bound(ListenerRuntime rt, ChannelFuture f) {
        ListenerSpec s = rt.spec();
        if (!f.awaitUninterruptibly(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS) || !f.isSuccess()) {
            LOG.warnf("listener %s: cannot bind %s:%d: %s", s.name(), s.ip(), s.port(),
                    f.cause() == null ? "timed out" : f.cause().getMessage());
            f.channel().close();
            return false;
        }
        rt.serverChannel = f.channel();
        return true;
    }

    private static void unbind(ListenerRuntime rt) {
        if (rt.serverChannel != null) {
            rt.serverChannel.close().awaitUninterruptibly(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    void closeAll() {
        listeners.values().forEach(ListenerManager::unbind);
        listeners.clear();
        publish();
    }

    Set<String> bound() {
        return boundNow;
    }

    Set<String> failed() {
        return failedNow;
    }
}
