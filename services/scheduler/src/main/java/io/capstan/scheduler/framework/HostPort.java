package io.capstan.scheduler.framework;

/**
 * A host port a container asks for ({@code hostIP} defaults to 0.0.0.0, which conflicts with
 * every IP, protocol to TCP).
 */
public record HostPort(String ip, String protocol, int port) {
    public static final String ANY_IP = "0.0.0.0";

    public boolean conflicts(HostPort o) {
        return port == o.port && protocol.equals(o.protocol) && (ip.equals(o.ip) || ip.equals(ANY_IP) || o.ip.equals(ANY_IP));
    }
}
