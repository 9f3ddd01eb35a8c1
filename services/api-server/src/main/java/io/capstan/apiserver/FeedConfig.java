package io.capstan.apiserver;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Where the change feed goes ({@code capstan.kafka.*}); without bootstrap servers there is no feed. */
@ConfigMapping(prefix = "capstan.kafka")
public interface FeedConfig {
    /** Kafka bootstrap servers, e.g. 127.0.0.1:39092. */
    Optional<String> bootstrapServers();

    /** How often the relay records the revision it has published, in milliseconds. */
    @WithDefault("100")
    long progressIntervalMillis();
}
