package io.capstan.mesh.xds;

import io.envoyproxy.controlplane.cache.Resources;

/** Short names of the xDS types for metric labels and logs. */
final class XdsTypes {
    private XdsTypes() {
    }

    static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case Resources.V3.CLUSTER_TYPE_URL -> "cds";
            case Resources.V3.ENDPOINT_TYPE_URL -> "eds";
            case Resources.V3.LISTENER_TYPE_URL -> "lds";
            case Resources.V3.ROUTE_TYPE_URL -> "rds";
            case Resources.V3.SECRET_TYPE_URL -> "sds";
            default -> "other";
        };
    }
}
