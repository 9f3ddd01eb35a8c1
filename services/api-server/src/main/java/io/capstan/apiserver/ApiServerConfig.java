package io.capstan.apiserver;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The api-server's settings ({@code capstan.apiserver.*}); only what differs needs setting. */
@ConfigMapping(prefix = "capstan.apiserver")
public interface ApiServerConfig {
    /** Comma-separated etcd client URLs. */
    @WithDefault("http://127.0.0.1:2379")
    String etcdEndpoints();

    /** How often to compact etcd history; each run keeps what the previous run saw (as kube-apiserver). */
    @WithDefault("5m")
    Duration compactionInterval();

    /** How long Events live before etcd drops them. */
    @WithDefault("1h")
    Duration eventTtl();

    /**
     * The address the {@code kubernetes} Service's Endpoints and EndpointSlice name for this
     * api-server (kube-apiserver's --advertise-address); by default the HTTP host, or the host's
     * address when that is a wildcard.
     */
    java.util.Optional<String> advertiseAddress();

    /** The Service cluster IP range. */
    @WithDefault("127.96.0.0/16")
    String serviceCidr();

    /** The NodePort range, inclusive. */
    @WithDefault("30000-32767")
    String nodePortRange();

    /** Largest object accepted, in bytes (etcd's default request limit is 1.5 MiB). */
    @WithDefault("1572864")
    int maxObjectBytes();

    /** The version reported at /version (must be semver: kubectl parses it). */
    @WithDefault("v1.33.0-capstan.0")
    String gitVersion();

    /** Longest a watch stays open without timeoutSeconds (randomised up to twice this, as upstream). */
    @WithDefault("30m")
    Duration minRequestTimeout();
}
