package io.capstan.proxy.config;

import java.time.Duration;
import java.util.List;

/**
 * A validated Cluster. {@code edsName} is the ClusterLoadAssignment it waits for (null for an
 * ExternalName cluster, which has no endpoints the proxy connects to). The Service facts come from
 * the {@code capstan} filter metadata and feed DNS and the metrics' destination_service.
 *
 * @param servicePort the Service port from the outbound cluster name, 0 if the name has none
 */
public record ClusterSpec(String name, String edsName, LbPolicy lbPolicy, Duration connectTimeout,
                          String host, String service, String namespace, List<String> vips,
                          boolean headless, String externalName, String portName, String protocol,
                          int servicePort) {
    public ClusterSpec {
        vips = List.copyOf(vips);
    }

    /** The label Istio's metrics put in destination_service: the Service host, else the cluster name. */
    public String destinationService() {
        return host.isEmpty() ? name : host;
    }
}
