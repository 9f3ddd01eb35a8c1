package io.capstan.proxy;

import io.capstan.proxy.xds.ApiType;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * The node proxy's settings ({@code capstan.proxy.*}); only what differs needs setting. The HTTP
 * port for health and metrics is Quarkus' own ({@code quarkus.http.host}/{@code port}, 10256 as
 * kube-proxy's healthz).
 */
@ConfigMapping(prefix = "capstan.proxy")
public interface ProxyConfig {
    /** This node's name: the proxy's xDS group is {@code node/<node-name>}. */
    @WithDefault("node-1")
    String nodeName();

    /** This node's IP: NodePort listeners and the DNS server bind here. */
    @WithDefault("127.0.0.1")
    String nodeIp();

    /** The mesh control plane's ADS endpoint, host:port (plaintext gRPC). */
    @WithDefault("127.0.0.1:15010")
    String xdsAddress();

    /** UDP and TCP port of the DNS server at node-ip; 0 disables it. */
    @WithDefault("53")
    int dnsPort();

    /** host:port of a resolver that answers names outside cluster.local; without it they are REFUSED. */
    Optional<String> dnsUpstream();

    /** DELTA (incremental xDS, Istio's default) or SOTW (state of the world). */
    @WithDefault("DELTA")
    ApiType apiType();

    /** Event-loop threads of the data plane; 0 is one per available core. */
    @WithDefault("0")
    int eventLoops();

    /** First reconnect delay after the control plane went away; doubles up to {@link #xdsMaxBackoff()}. */
    @WithDefault("200ms")
    Duration xdsInitialBackoff();

    @WithDefault("5s")
    Duration xdsMaxBackoff();

    /**
     * After config changes adding up to this many resources, and {@link #compactSettle()} without
     * another change, one full GC gives the garbage of parsing them back to the OS (at most once per
     * {@link #compactMinInterval()}); 0 turns it off. Endpoint churn stays far below it.
     */
    @WithDefault("256")
    int compactAfterResources();

    @WithDefault("2s")
    Duration compactSettle();

    @WithDefault("60s")
    Duration compactMinInterval();
}
