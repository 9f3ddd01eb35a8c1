package io.capstan.proxy.config;

/** A validated socket Listener: where to bind and the one network filter to run on each connection. */
public record ListenerSpec(String name, String ip, int port, NetworkFilter filter) {

    /** What a listener does with a connection. */
    public sealed interface NetworkFilter permits TcpProxy, HttpConnectionManager {
    }

    /** {@code envoy.filters.network.tcp_proxy}: splice the connection to an endpoint of {@code cluster}. */
    public record TcpProxy(String cluster, boolean hashSourceIp) implements NetworkFilter {
    }

    /**
     * {@code envoy.filters.network.http_connection_manager}: route each request by the
     * RouteConfiguration {@code routeName} (from RDS), or by the inline {@code inlineRoutes}.
     */
    public record HttpConnectionManager(String routeName, RouteTable inlineRoutes) implements NetworkFilter {
    }

    /** Same socket and same kind of filter: the listener can keep its socket and swap its config. */
    public boolean sameSocketAndKind(ListenerSpec other) {
        return ip.equals(other.ip) && port == other.port && filter.getClass() == other.filter.getClass();
    }
}
