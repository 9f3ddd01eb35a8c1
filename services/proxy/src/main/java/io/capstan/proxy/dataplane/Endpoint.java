package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.EndpointSpec;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream address of a cluster. The object lives as long as the address stays in the
 * cluster's assignment, so its in-flight count (LEAST_REQUEST) and its pooled connections survive
 * endpoint updates. Only the xDS thread changes {@link #health}; event loops read it.
 */
public final class Endpoint {
    final InetSocketAddress address;
    final String ip;
    final int port;
    volatile String hostname;
    volatile EndpointSpec.Health health;
    /** Set when the endpoint left its cluster's assignment (or the cluster went away). */
    volatile boolean removed;
    /** Requests in flight (HTTP) or open connections (TCP) from this proxy, for LEAST_REQUEST. */
    final AtomicInteger active = new AtomicInteger();

    Endpoint(String ip, int port, String hostname, EndpointSpec.Health health) {
        this.ip = ip;
        this.port = port;
        this.address = new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip), port);
        this.hostname = hostname;
        this.health = health;
    }

    /** Whether new connections and requests may go here: HEALTHY and still assigned. */
    public boolean acceptsNew() {
        return health == EndpointSpec.Health.HEALTHY && !removed;
    }

    public InetSocketAddress address() {
        return address;
    }

    public int activeCount() {
        return active.get();
    }

    @Override
    public String toString() {
        return ip + ":" + port + (removed ? " (removed)" : " " + health);
    }
}
