package io.capstan.nodeagent.pods;

import io.capstan.nodeagent.node.Quantities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A pod's quality-of-service class, as pkg/apis/core/v1/helper/qos GetPodQOS computes it. */
public final class QosClass {
    private QosClass() {
    }

    public static String of(PodSpec spec) {
        List<Container> all = new ArrayList<>(spec.getContainers());
        if (spec.getInitContainers() != null) {
            all.addAll(spec.getInitContainers());
        }
        boolean any = false;
        boolean guaranteed = true;
        for (Container c : all) {
            Map<String, Quantity> requests = c.getResources() == null || c.getResources().getRequests() == null
                    ? Map.of() : c.getResources().getRequests();
            Map<String, Quantity> limits = c.getResources() == null || c.getResources().getLimits() == null
                    ? Map.of() : c.getResources().getLimits();
            for (String r : List.of("cpu", "memory")) {
                BigDecimal request = positive(requests.get(r));
                BigDecimal limit = positive(limits.get(r));
                if (request != null || limit != null) {
                    any = true;
                }
                // a missing request defaults to the limit
                BigDecimal effectiveRequest = request == null ? limit : request;
                if (limit == null || effectiveRequest.compareTo(limit) != 0) {
                    guaranteed = false;
                }
            }
        }
        if (!any) {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    private static BigDecimal positive(Quantity q) {
        BigDecimal v = Quantities.value(q);
        return v == null || v.signum() <= 0 ? null : v;
    }
}
