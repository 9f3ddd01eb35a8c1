package io.capstan.controllers;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The controller-manager's settings ({@code capstan.controller-manager.*}); only what differs needs setting. */
@ConfigMapping(prefix = "capstan.controller-manager")
public interface ControllerManagerConfig {
    /** The api-server every write and every informer LIST goes to. */
    @WithDefault("http://127.0.0.1:6443")
    String apiServerUrl();

    /** Comma-separated etcd client URLs, for leader election only. */
    @WithDefault("http://127.0.0.1:2379")
    String etcdEndpoints();

    /** The Kafka brokers that carry the change feed the informers follow. */
    @WithDefault("127.0.0.1:9092")
    String kafkaBootstrapServers();

    /** Reconcile workers per controller (kube-controller-manager's --concurrent-*-syncs). */
    @WithDefault("5")
    int workers();

    /** How long a crashed leader keeps leadership before another candidate takes over. */
    @WithDefault("15s")
    Duration leaseTtl();

    /** How often informers relist from the api-server. */
    @WithDefault("10m")
    Duration resyncPeriod();

    /**
     * Capstan's data directory; the local provisioner keeps the directories that back
     * PersistentVolumes in its volumes/ folder (relative
     * paths resolve against the working directory).
     */
    @WithDefault(".capstan")
    String dataDir();

    /** How long a node may go without renewing its Lease before it is Ready=Unknown (--node-monitor-grace-period). */
    @WithDefault("40s")
    Duration nodeMonitorGracePeriod();

    /** The same for a node that never reported Ready (--node-startup-grace-period). */
    @WithDefault("60s")
    Duration nodeStartupGracePeriod();

    /** How long pods tolerate not-ready and unreachable nodes unless they say otherwise (DefaultTolerationSeconds). */
    @WithDefault("300")
    long defaultTolerationSeconds();

    /**
     * The IPv4 CIDR that LoadBalancer Services get their {@code status.loadBalancer.ingress}
     * address from. The default lies in loopback, so the node proxies' listeners on these
     * addresses are reachable on this machine.
     */
    @WithDefault("127.98.0.0/16")
    String loadBalancerPool();

    /** This candidate's name in the election; defaults to host name and pid. */
    Optional<String> identity();
}
