package io.capstan.proxy.config;

import java.util.List;

/** A validated ClusterLoadAssignment: the endpoints of every locality, flattened (the proxy has no locality awareness). */
public record LoadAssignmentSpec(String clusterName, List<EndpointSpec> endpoints) {
    public LoadAssignmentSpec {
        endpoints = List.copyOf(endpoints);
    }
}
