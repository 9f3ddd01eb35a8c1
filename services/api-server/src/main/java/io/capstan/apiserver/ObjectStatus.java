package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * What status an object starts with, per kind, as the PrepareForCreate of each upstream
 * strategy: clients cannot create objects with a made-up status.
 */
final class ObjectStatus {
    private static final Set<String> EMPTY_STATUS = Set.of("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
            "CronJob", "HorizontalPodAutoscaler", "ResourceQuota");

    private ObjectStatus() {
    }

    static void resetOnCreate(ResourceType st, ObjectNode obj) {
        String kind = st.kind();
        if (st.isCustom()) {
            if (st.hasStatus()) {
                obj.remove("status");
            }
            return;
        }
        switch (kind) {
            case "Pod" -> {
                ObjectNode status = obj.putObject("status");
                status.put("phase", "Pending");
                status.put("qosClass", qosClass(obj.path("spec")));
            }
            case "Namespace" -> obj.putObject("status").put("phase", "Active");
            case "PersistentVolumeClaim", "PersistentVolume" -> obj.putObject("status").put("phase", "Pending");
            case "Service" -> obj.putObject("status").putObject("loadBalancer");
            default -> {
                if (EMPTY_STATUS.contains(kind) || (st.group().endsWith("istio.io") && st.hasStatus())) {
                    obj.putObject("status");
                }
            }
        }
    }

    /** The pod's quality-of-service class from its containers' requests and limits. */
    static String qosClass(JsonNode spec) {
        boolean any = false;
        boolean guaranteed = true;
        for (String list : new String[] {"initContainers", "containers"}) {
            for (JsonNode c : spec.path(list)) {
                JsonNode req = c.path("resources").path("requests");
                JsonNode lim = c.path("resources").path("limits");
                if (!req.isEmpty() || !lim.isEmpty()) {
                    any = true;
                }
                for (String r : new String[] {"cpu", "memory"}) {
                    JsonNode l = lim.get(r);
                    JsonNode q = req.get(r);
                    if (l == null || (q != null && !KubeJson.string(q).equals(KubeJson.string(l)))) {
                        guaranteed = false;
                    }
                }
            }
        }
        if (!any) {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
