package io.capstan.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * kube-apiserver's {@code dropTypeDependentFields}: when an update changes a Service's type, the
 * fields the old type needed and the new one forbids are wiped, but only those the client left
 * as they were (it may have been defaulted or allocated, and the user did not ask to keep it).
 * So {@code kubectl patch svc web -p '{"spec":{"type":"ClusterIP"}}'} on a LoadBalancer
 * Service succeeds instead of failing validation on its NodePorts and externalTrafficPolicy.
 * The load-balancer status goes too once the Service is no longer a LoadBalancer.
 */
final class ServiceTypeChange {
    private ServiceTypeChange() {
    }

    /** Edits {@code updated} (a Service being replaced, status carried from {@code old}) in place. */
    static void dropTypeDependentFields(JsonNode old, ObjectNode updated) {
        JsonNode oldSpec = old.path("spec");
        if (!(updated.get("spec") instanceof ObjectNode spec)) {
            return;
        }
        String oldType = oldSpec.path("type").asText("ClusterIP");
        String newType = spec.path("type").asText("ClusterIP");

        if (!oldType.equals("ExternalName") && newType.equals("ExternalName")) {
            if (same(oldSpec, spec, "clusterIP") && same(oldSpec, spec, "clusterIPs")) {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            }
            if (same(oldSpec, spec, "ipFamilies")) {
                spec.remove("ipFamilies");
            }
            if (same(oldSpec, spec, "ipFamilyPolicy")) {
                spec.remove("ipFamilyPolicy");
            }
        }
        if (needsNodePorts(oldType) && !needsNodePorts(newType) && nodePorts(spec).equals(nodePorts(oldSpec))) {
            for (JsonNode port : spec.path("ports")) {
                if (port instanceof ObjectNode p) {
                    p.remove("nodePort");
                }
            }
        }
        if (oldType.equals("LoadBalancer") && !newType.equals("LoadBalancer")) {
            if (same(oldSpec, spec, "healthCheckNodePort")) {
                spec.remove("healthCheckNodePort");
            }
            if (same(oldSpec, spec, "allocateLoadBalancerNodePorts")) {
                spec.remove("allocateLoadBalancerNodePorts");
            }
            if (same(oldSpec, spec, "loadBalancerClass")) {
                spec.remove("loadBalancerClass");
            }
        }
        if (externallyAccessible(oldType, oldSpec) && !externallyAccessible(newType, spec)
                && same(oldSpec, spec, "externalTrafficPolicy")) {
            spec.remove("externalTrafficPolicy");
        }
        if (!newType.equals("LoadBalancer") && updated.get("status") instanceof ObjectNode status && status.has("loadBalancer")) {
            status.putObject("loadBalancer");
        }
    }

    private static boolean needsNodePorts(String type) {
        return type.equals("NodePort") || type.equals("LoadBalancer");
    }

    /** serviceutil.ExternallyAccessible: a NodePort or LoadBalancer, or a ClusterIP Service with external IPs. */
    private static boolean externallyAccessible(String type, JsonNode spec) {
        return needsNodePorts(type) || (type.equals("ClusterIP") && !spec.path("externalIPs").isEmpty());
    }

    private static boolean same(JsonNode oldSpec, JsonNode spec, String field) {
        return Objects.equals(oldSpec.get(field), spec.get(field));
    }

    private static List<Integer> nodePorts(JsonNode spec) {
        List<Integer> ports = new ArrayList<>();
        for (JsonNode p : spec.path("ports")) {
            ports.add(p.path("nodePort").asInt(0));
        }
        return ports;
    }
}
