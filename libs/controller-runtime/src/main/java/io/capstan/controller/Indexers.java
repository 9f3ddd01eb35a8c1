package io.capstan.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.List;
import java.util.Optional;

/** The standard index functions every informer cache gets, and the controller owner lookup. */
public final class Indexers {
    /** Index by {@code metadata.namespace} ({@code ""} for cluster-scoped objects). */
    public static final String NAMESPACE = "namespace";
    /** Index by the UID of the controller ownerReference ({@code controller: true}), if any. */
    public static final String OWNER_UID = "ownerUid";
    /** Index pods by {@code spec.nodeName}; unscheduled pods are not indexed. */
    public static final String NODE_NAME = "nodeName";

    private Indexers() {
    }

    public static <T extends HasMetadata> IndexFunction<T> namespace() {
        return o -> List.of(nullToEmpty(o.getMetadata().getNamespace()));
    }

    public static <T extends HasMetadata> IndexFunction<T> ownerUid() {
        return o -> controllerOf(o).map(ref -> List.of(ref.getUid())).orElse(List.of());
    }

    public static IndexFunction<Pod> nodeName() {
        return p -> {
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            return node == null || node.isEmpty() ? List.of() : List.of(node);
        };
    }

    /** The ownerReference with {@code controller: true}; Kubernetes allows at most one. */
    public static Optional<OwnerReference> controllerOf(HasMetadata object) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        if (refs == null) {
            return Optional.empty();
        }
        return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }

    static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
