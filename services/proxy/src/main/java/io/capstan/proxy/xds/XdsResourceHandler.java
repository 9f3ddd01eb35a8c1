package io.capstan.proxy.xds;

import com.google.protobuf.Any;
import io.capstan.proxy.config.InvalidConfigException;

import java.util.List;
import java.util.Set;

/** What the ADS client feeds: one call per discovery response, on the client's single thread. */
public interface XdsResourceHandler {
    /**
     * Validates and applies every resource of one response, or none of them.
     *
     * @throws InvalidConfigException to NACK the response; the last good config stays in force
     */
    void apply(String typeUrl, List<Any> resources) throws InvalidConfigException;

    /** The resource names to subscribe to for a non-wildcard type (EDS, RDS), given what is applied now. */
    Set<String> subscriptions(String typeUrl);
}
