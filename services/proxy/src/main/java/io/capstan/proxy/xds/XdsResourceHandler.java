package io.capstan.proxy.xds;

import com.google.protobuf.Any;
import io.capstan.proxy.config.InvalidConfigException;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/** What the ADS client feeds: one call per discovery response, on the client's single thread. */
public interface XdsResourceHandler {
    /**
     * State of the world: validates and applies every resource of one response, or none of them.
     *
     * @throws InvalidConfigException to NACK the response; the last good config stays in force
     */
    void apply(String typeUrl, List<Any> resources) throws InvalidConfigException;

    /**
     * Incremental: validates the added or changed resources against what is applied now (minus
     * {@code removed}) and applies the whole change, or none of it.
     *
     * @param updated added or changed resources, each replacing the one of its name
     * @param removed names to drop; a name that is not applied is ignored
     * @throws InvalidConfigException to NACK the response; the last good config stays in force
     */
    void applyDelta(String typeUrl, List<Any> updated, Collection<String> removed) throws InvalidConfigException;

    /** The names of the resources of a wildcard type (CDS, LDS) applied now. */
    Set<String> appliedNames(String typeUrl);

    /** The resource names to subscribe to for a non-wildcard type (EDS, RDS), given what is applied now. */
    Set<String> subscriptions(String typeUrl);
}
