package io.capstan.mesh;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * The mesh control plane's settings ({@code capstan.mesh.*}, istiod's flags and
 * {@code PILOT_DEBOUNCE_*}); only what differs needs setting.
 */
@ConfigMapping(prefix = "capstan.mesh")
public interface MeshConfig {
    /** The api-server the informers LIST from (plain http). */
    @WithDefault("http://127.0.0.1:6443")
    String apiServerUrl();

    /** The Kafka brokers that carry the change feed the informers follow. */
    @WithDefault("127.0.0.1:9092")
    String kafkaBootstrapServers();

    /** The address the ADS server binds (istiod's plaintext xDS). */
    @WithDefault("127.0.0.1")
    String xdsHost();

    /** The ADS port; 15010 as istiod's plaintext xDS port, 0 for any free port. */
    @WithDefault("15010")
    int xdsPort();

    /**
     * The quiet period: a rebuild starts once no change arrived for this long. Istio waits
     * 100 ms; Capstan's target is convergence under 100 ms, so 10 ms.
     */
    @WithDefault("10ms")
    Duration debounceAfter();

    /** The cap: a rebuild starts at the latest this long after the first change of a burst. */
    @WithDefault("100ms")
    Duration debounceMax();

    /** How often informers relist from the api-server. */
    @WithDefault("10m")
    Duration resyncPeriod();

    /** Threads that serialize and send xDS responses (each stream sticks to one). */
    @WithDefault("2")
    int sendThreads();
}
