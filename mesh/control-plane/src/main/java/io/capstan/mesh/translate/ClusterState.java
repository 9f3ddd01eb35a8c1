package io.capstan.mesh.translate;

import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the translator reads: the cached Services, EndpointSlices (by Service), Nodes and
 * DestinationRules at one moment. Objects are shared with the informers' caches and never
 * modified.
 */
public record ClusterState(List<Service> services, Map<String, List<EndpointSlice>> slicesByService, List<Node> nodes,
                           List<DestinationRule> destinationRules) {
    /** The label that ties an EndpointSlice to its Service. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    public static final ClusterState EMPTY = new ClusterState(List.of(), Map.of(), List.of(), List.of());

    /** Services sorted by namespace and name, so that conflicts resolve the same way every time. */
    public ClusterState {
        services = services.stream().sorted(Comparator.comparing((Service s) -> s.getMetadata().getNamespace())
                .thenComparing(s -> s.getMetadata().getName())).toList();
    }

    /** Groups {@code slices} by their Service ({@code namespace/name}); slices without the label are ignored. */
    public static ClusterState of(List<Service> services, List<EndpointSlice> slices, List<Node> nodes, List<DestinationRule> rules) {
        Map<String, List<EndpointSlice>> byService = new HashMap<>();
        for (EndpointSlice slice : slices) {
            Map<String, String> labels = slice.getMetadata().getLabels();
            String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
            if (service != null) {
                byService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + service, k -> new ArrayList<>()).add(slice);
            }
        }
        byService.values().forEach(l -> l.sort(Comparator.comparing(s -> s.getMetadata().getName())));
        return new ClusterState(services, byService, nodes, rules);
    }

    public List<EndpointSlice> slicesOf(Service service) {
        return slicesByService.getOrDefault(service.getMetadata().getNamespace() + "/" + service.getMetadata().getName(), List.of());
    }
}
