package io.capstan.scheduler;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scheduler's settings ({@code capstan.scheduler.*}, kube-scheduler's
 * KubeSchedulerConfiguration); only what differs needs setting.
 */
@ConfigMapping(prefix = "capstan.scheduler")
public interface SchedulerConfig {
    /** The api-server every write and every informer LIST goes to (plain http). */
    @WithDefault("http://127.0.0.1:6443")
    String apiServerUrl();

    /** Comma-separated etcd client URLs, for leader election only. */
    @WithDefault("http://127.0.0.1:2379")
    String etcdEndpoints();

    /** The Kafka brokers that carry the change feed the informers follow. */
    @WithDefault("127.0.0.1:9092")
    String kafkaBootstrapServers();

    /** How long a crashed leader keeps leadership before another candidate takes over. */
    @WithDefault("15s")
    Duration leaseTtl();

    /** How often informers relist from the api-server. */
    @WithDefault("10m")
    Duration resyncPeriod();

    /** This candidate's name in the election; defaults to host name and pid. */
    Optional<String> identity();

    /** percentageOfNodesToScore for every profile that sets none; 0 is adaptive (50 - nodes/125, at least 5%). */
    @WithDefault("0")
    int percentageOfNodesToScore();

    /**
     * Binding requests in flight at once (the scheduling loop does not wait for them). The bench
     * bound 60% more pods a second with 64 than with 16 against a busy api-server, and no more
     * with 128.
     */
    @WithDefault("64")
    int bindConcurrency();

    /** podInitialBackoffSeconds: the first retry delay of a pod that failed. */
    @WithDefault("1s")
    Duration podInitialBackoff();

    /** podMaxBackoffSeconds: the longest retry delay. */
    @WithDefault("10s")
    Duration podMaxBackoff();

    /** How long a pod waits in unschedulable without a helpful event before it is retried anyway. */
    @WithDefault("5m")
    Duration podMaxInUnschedulablePodsDuration();

    /**
     * How long an assumed pod whose binding finished may wait for the informer before it stops
     * counting; 0 (the default, as in Kubernetes) keeps it until the informer confirms it, since
     * forgetting a pod that is bound but not yet seen would let the node be overcommitted.
     */
    @WithDefault("0s")
    Duration assumedPodTtl();

    /**
     * Profiles by schedulerName. None configured means one profile, {@code default-scheduler},
     * with the default plugins and weights; configured profiles replace it.
     */
    Map<String, Profile> profiles();

    /** A profile: which plugins run and how scores are weighed. */
    interface Profile {
        /** The plugins of this profile in order; defaults to the default profile's. */
        Optional<List<String>> plugins();

        /** Plugins removed from the list above. */
        Optional<List<String>> disabled();

        /** Score weights by plugin name; unnamed plugins keep their default weight. */
        Map<String, Integer> weights();

        /** 0: the global setting. */
        @WithDefault("0")
        int percentageOfNodesToScore();
    }
}
