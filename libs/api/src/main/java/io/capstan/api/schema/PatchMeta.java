package io.capstan.api.schema;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The merge semantics of Kubernetes' list fields, keyed by the fabric8 model class that owns the
 * field and the field's JSON name. The source of truth for strategic merge patch, server-side
 * apply and the {@code x-kubernetes-patch-*} / {@code x-kubernetes-list-*} OpenAPI extensions.
 * Values follow the struct tags of k8s.io/api at 1.35 (see kubectl-wire-compat.md §5).
 * A list field not in this table is atomic: a patch replaces it whole.
 */
public final class PatchMeta {
    private static final Map<Class<?>, Map<String, FieldMeta>> FIELDS = new HashMap<>();

    static {
        for (Class<?> podSpec : List.<Class<?>>of(PodSpec.class)) {
            put(podSpec, "containers", FieldMeta.mergeByKey("name"));
            put(podSpec, "initContainers", FieldMeta.mergeByKey("name"));
            put(podSpec, "ephemeralContainers", FieldMeta.mergeByKey("name"));
            put(podSpec, "volumes", FieldMeta.mergeByKeyRetainingKeys("name"));
            put(podSpec, "imagePullSecrets", FieldMeta.mergeByKey("name"));
            put(podSpec, "hostAliases", FieldMeta.mergeByKey("ip"));
            put(podSpec, "topologySpreadConstraints",
                    FieldMeta.mergeByKey("topologyKey", List.of("topologyKey", "whenUnsatisfiable")));
            put(podSpec, "schedulingGates", FieldMeta.mergeByKey("name"));
            put(podSpec, "resourceClaims", FieldMeta.mergeByKeyRetainingKeys("name"));
            put(podSpec, "tolerations", FieldMeta.atomic());
            put(podSpec, "readinessGates", FieldMeta.atomic());
        }
        for (Class<?> container : List.<Class<?>>of(Container.class, EphemeralContainer.class)) {
            put(container, "ports", FieldMeta.mergeByKey("containerPort", List.of("containerPort", "protocol")));
            put(container, "env", FieldMeta.mergeByKey("name"));
            put(container, "volumeMounts", FieldMeta.mergeByKey("mountPath"));
            put(container, "volumeDevices", FieldMeta.mergeByKey("devicePath"));
            put(container, "resizePolicy", FieldMeta.atomic());
        }
        put(ServiceSpec.class, "ports", FieldMeta.mergeByKey("port", List.of("port", "protocol")));
        put(ServiceSpec.class, "clusterIPs", FieldMeta.atomic());
        put(ServiceSpec.class, "ipFamilies", FieldMeta.atomic());
        put(ServiceSpec.class, "externalIPs", FieldMeta.atomic());
        put(ServiceAccount.class, "secrets", FieldMeta.mergeByKey("name"));
        put(ObjectMeta.class, "ownerReferences", FieldMeta.mergeByKey("uid"));
        put(ObjectMeta.class, "finalizers", FieldMeta.primitiveSet());
        put(DeploymentSpec.class, "strategy", FieldMeta.retainKeysOnly());
        put(DaemonSetSpec.class, "updateStrategy", FieldMeta.retainKeysOnly());
        put(NodeSpec.class, "taints", FieldMeta.atomic());
        put(NodeStatus.class, "addresses", FieldMeta.mergeByKey("type"));
        put(EndpointSubset.class, "addresses", FieldMeta.atomic());
        for (Class<?> status : List.<Class<?>>of(PodStatus.class, NodeStatus.class, DeploymentStatus.class,
                ReplicaSetStatus.class, StatefulSetStatus.class, DaemonSetStatus.class, JobStatus.class,
                NamespaceStatus.class, PersistentVolumeClaimStatus.class, ServiceStatus.class)) {
            put(status, "conditions", FieldMeta.mergeByKey("type"));
        }
    }

    private PatchMeta() {
    }

    private static void put(Class<?> owner, String field, FieldMeta meta) {
        FIELDS.computeIfAbsent(owner, k -> new HashMap<>()).put(field, meta);
    }

    /** The merge semantics of {@code owner.field}, if it is not the default (atomic replace). */
    public static Optional<FieldMeta> of(Class<?> owner, String field) {
        Map<String, FieldMeta> byField = FIELDS.get(owner);
        return byField == null ? Optional.empty() : Optional.ofNullable(byField.get(field));
    }
}
