package io.capstan.validation;

import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static io.capstan.validation.Trees.obj;

/**
 * Kubernetes' validation of the built-in kinds (k8s.io/kubernetes pkg/apis/&#42;/validation), on the
 * wire JSON. Every problem is collected with its field path and kube-apiserver's wording, so the
 * caller can answer once with a 422 {@code Status} listing all of them.
 *
 * <p>Objects are expected to be defaulted first ({@link Defaults#apply}), as kube-apiserver does:
 * fields that defaulting always sets (a Pod's dnsPolicy, a port's protocol) are reported as
 * required when missing. Custom resources and the Istio kinds get the metadata checks only; their
 * schemas are validated elsewhere.
 */
public final class Validation {
    private Validation() {
    }

    /**
     * Validates an object on create ({@code old == null}) or update.
     *
     * <p>On update the object is checked in full and, in addition, against the rules about what
     * may change: metadata.name, namespace, uid and creationTimestamp; controller selectors; a Job's
     * template; a set Service cluster IP; a PVC's spec but its storage request; a Pod's spec but
     * images, activeDeadlineSeconds and added tolerations; immutable ConfigMaps and Secrets.
     *
     * <p>Thread-safe and side-effect free: neither tree is modified.
     *
     * @param type the resource, at the version the object is written in
     * @param obj the object, already defaulted
     * @param old the stored object on update, null on create
     * @return every error found, in a stable order; empty when the object is valid
     */
    public static List<FieldError> validate(ResourceType type, ObjectNode obj, ObjectNode old) {
        List<FieldError> errs = new ArrayList<>();
        ObjectNode metadata = obj(obj, "metadata");
        MetadataValidation.validate(errs, type, metadata, nameRule(type));
        if (old != null) {
            MetadataValidation.validateUpdate(errs, metadata, obj(old, "metadata"));
        }
        if (type.isCustom()) {
            return errs;
        }
        ObjectNode spec = obj(obj, "spec");
        ObjectNode oldSpec = old == null ? null : obj(old, "spec");
        String group = type.group();
        switch (group.isEmpty() ? type.kind() : group + "/" + type.kind()) {
            case "Pod" -> {
                PodValidation.podSpec(errs, spec, "spec", PodValidation.POD_RESTART_POLICIES, java.util.Set.of());
                if (old != null) {
                    PodValidation.podSpecUpdate(errs, spec, oldSpec);
                }
            }
            case "PodTemplate" -> WorkloadValidation.podTemplate(errs, obj(obj, "template"), "template",
                    PodValidation.POD_RESTART_POLICIES, java.util.Set.of());
            case "Service" -> {
                ServiceValidation.service(errs, spec);
                if (old != null) {
                    ServiceValidation.serviceUpdate(errs, spec, oldSpec);
                }
            }
            case "ConfigMap" -> {
                ConfigValidation.configMap(errs, obj);
                if (old != null) {
                    ConfigValidation.immutableUpdate(errs, obj, old, false);
                }
            }
            case "Secret" -> {
                ConfigValidation.secret(errs, obj);
                if (old != null) {
                    ConfigValidation.secretUpdate(errs, obj, old);
                }
            }
            case "Namespace" -> ClusterValidation.namespace(errs, obj);
            case "Node" -> ClusterValidation.node(errs, obj);
            case "PersistentVolumeClaim" -> {
                StorageValidation.claimSpec(errs, spec, "spec");
                if (old != null) {
                    StorageValidation.claimUpdate(errs, spec, oldSpec, obj(old, "metadata"));
                }
            }
            case "PersistentVolume" -> StorageValidation.persistentVolume(errs, spec);
            case "apps/Deployment" -> {
                WorkloadValidation.deployment(errs, spec);
                if (old != null) {
                    WorkloadValidation.selectorUpdate(errs, spec, oldSpec);
                }
            }
            case "apps/ReplicaSet" -> {
                WorkloadValidation.replicaSet(errs, spec);
                if (old != null) {
                    WorkloadValidation.selectorUpdate(errs, spec, oldSpec);
                }
            }
            case "apps/StatefulSet" -> {
                WorkloadValidation.statefulSet(errs, spec);
                if (old != null) {
                    WorkloadValidation.statefulSetUpdate(errs, spec, oldSpec);
                }
            }
            case "apps/DaemonSet" -> {
                WorkloadValidation.daemonSet(errs, spec);
                if (old != null) {
                    WorkloadValidation.selectorUpdate(errs, spec, oldSpec);
                }
            }
            case "batch/Job" -> {
                WorkloadValidation.job(errs, obj);
                if (old != null) {
                    WorkloadValidation.jobUpdate(errs, spec, oldSpec);
                }
            }
            case "batch/CronJob" -> WorkloadValidation.cronJob(errs, obj);
            case "autoscaling/HorizontalPodAutoscaler" -> ClusterValidation.horizontalPodAutoscaler(errs, spec, type.version());
            case "coordination.k8s.io/Lease" -> ClusterValidation.lease(errs, obj);
            case "scheduling.k8s.io/PriorityClass" -> {
                ClusterValidation.priorityClass(errs, obj);
                if (old != null) {
                    ClusterValidation.priorityClassUpdate(errs, obj, old);
                }
            }
            case "discovery.k8s.io/EndpointSlice" -> ServiceValidation.endpointSlice(errs, obj);
            case "storage.k8s.io/StorageClass" -> {
                StorageValidation.storageClass(errs, obj);
                if (old != null) {
                    StorageValidation.storageClassUpdate(errs, obj, old);
                }
            }
            case "apiextensions.k8s.io/CustomResourceDefinition" -> {
                ClusterValidation.customResourceDefinition(errs, obj);
                if (old != null) {
                    ClusterValidation.customResourceDefinitionUpdate(errs, spec, oldSpec);
                }
            }
            default -> {
                // Metadata only: Endpoints, Event, ServiceAccount, ResourceQuota, LimitRange,
                // ControllerRevision and the Istio kinds.
            }
        }
        return errs;
    }

    /** The rule kube applies to metadata.name of each kind. */
    private static Function<String, List<String>> nameRule(ResourceType type) {
        if (type.group().isEmpty() && type.kind().equals("Namespace")) {
            return Names::dns1123Label;
        }
        if (type.group().isEmpty() && type.kind().equals("Service")) {
            return Names::dns1035Label;
        }
        if (type.kind().equals("HorizontalPodAutoscaler")) {
            return Validation::pathSegmentName;
        }
        return Names::dns1123Subdomain;
    }

    /** IsValidPathSegmentName: anything that can be one segment of a URL path. */
    private static List<String> pathSegmentName(String name) {
        List<String> errs = new ArrayList<>();
        if (name.equals(".") || name.equals("..")) {
            errs.add("may not be '" + name + "'");
        }
        if (name.contains("/")) {
            errs.add("may not contain '/'");
        }
        if (name.contains("%")) {
            errs.add("may not contain '%'");
        }
        return errs;
    }
}
