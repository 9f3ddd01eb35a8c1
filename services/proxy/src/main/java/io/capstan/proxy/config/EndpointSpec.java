package io.capstan.proxy.config;

/** One LbEndpoint: address, the pod's hostname (may be empty) and whether it takes new traffic. */
public record EndpointSpec(String ip, int port, String hostname, Health health) {
    public enum Health {
        /** HEALTHY or UNKNOWN: takes new connections and requests. */
        HEALTHY,
        /** DRAINING: in-flight work finishes, nothing new. */
        DRAINING,
        /** Any other status: not used. */
        UNHEALTHY
    }
}
