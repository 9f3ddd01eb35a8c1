package io.capstan.api.registry;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.storage.StorageClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The kinds Capstan serves out of the box, with Kubernetes' names, short names and categories. */
public final class BuiltinResources {
    public static final List<ResourceType> ALL;

    static {
        List<ResourceType> all = new ArrayList<>();
        // core/v1
        all.add(core("Namespace", "namespaces", Scope.CLUSTER, List.of("ns"), List.of(), Set.of("status", "finalize"), Namespace.class));
        all.add(core("Pod", "pods", Scope.NAMESPACED, List.of("po"), List.of("all"),
                Set.of("status", "binding", "log", "exec", "attach", "portforward", "eviction", "ephemeralcontainers"), Pod.class));
        all.add(core("Service", "services", Scope.NAMESPACED, List.of("svc"), List.of("all"), Set.of("status", "proxy"), Service.class));
        all.add(core("Endpoints", "endpoints", Scope.NAMESPACED, List.of("ep"), List.of(), Set.of(), Endpoints.class));
        all.add(core("ConfigMap", "configmaps", Scope.NAMESPACED, List.of("cm"), List.of(), Set.of(), ConfigMap.class));
        all.add(core("Secret", "secrets", Scope.NAMESPACED, List.of(), List.of(), Set.of(), Secret.class));
        all.add(core("Node", "nodes", Scope.CLUSTER, List.of("no"), List.of(), Set.of("status", "proxy"), Node.class));
        all.add(core("Event", "events", Scope.NAMESPACED, List.of("ev"), List.of(), Set.of(), Event.class));
        all.add(core("ServiceAccount", "serviceaccounts", Scope.NAMESPACED, List.of("sa"), List.of(), Set.of("token"), ServiceAccount.class));
        all.add(core("PersistentVolume", "persistentvolumes", Scope.CLUSTER, List.of("pv"), List.of(), Set.of("status"), PersistentVolume.class));
        all.add(core("PersistentVolumeClaim", "persistentvolumeclaims", Scope.NAMESPACED, List.of("pvc"), List.of(), Set.of("status"), PersistentVolumeClaim.class));
        all.add(core("ResourceQuota", "resourcequotas", Scope.NAMESPACED, List.of("quota"), List.of(), Set.of("status"), ResourceQuota.class));
        all.add(core("LimitRange", "limitranges", Scope.NAMESPACED, List.of("limits"), List.of(), Set.of(), LimitRange.class));
        // apps/v1
        all.add(type("apps", "v1", "Deployment", "deployments", Scope.NAMESPACED, List.of("deploy"), List.of("all"), Set.of("status", "scale"), Deployment.class));
        all.add(type("apps", "v1", "ReplicaSet", "replicasets", Scope.NAMESPACED, List.of("rs"), List.of("all"), Set.of("status", "scale"), ReplicaSet.class));
        all.add(type("apps", "v1", "StatefulSet", "statefulsets", Scope.NAMESPACED, List.of("sts"), List.of("all"), Set.of("status", "scale"), StatefulSet.class));
        all.add(type("apps", "v1", "DaemonSet", "daemonsets", Scope.NAMESPACED, List.of("ds"), List.of("all"), Set.of("status"), DaemonSet.class));
        all.add(type("apps", "v1", "ControllerRevision", "controllerrevisions", Scope.NAMESPACED, List.of(), List.of(), Set.of(), ControllerRevision.class));
        // batch/v1
        all.add(type("batch", "v1", "Job", "jobs", Scope.NAMESPACED, List.of(), List.of("all"), Set.of("status"), Job.class));
        all.add(type("batch", "v1", "CronJob", "cronjobs", Scope.NAMESPACED, List.of("cj"), List.of("all"), Set.of("status"), CronJob.class));
        // autoscaling: v2 is stored, v1 is converted
        ResourceType hpaV2 = type("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", Scope.NAMESPACED,
                List.of("hpa"), List.of("all"), Set.of("status"), io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class);
        all.add(hpaV2);
        all.add(hpaV2.atVersion("v1", io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler.class));
        // coordination, discovery, storage
        all.add(type("coordination.k8s.io", "v1", "Lease", "leases", Scope.NAMESPACED, List.of(), List.of(), Set.of(), Lease.class));
        all.add(type("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", Scope.NAMESPACED, List.of(), List.of(), Set.of(), EndpointSlice.class));
        all.add(type("storage.k8s.io", "v1", "StorageClass", "storageclasses", Scope.CLUSTER, List.of("sc"), List.of(), Set.of(), StorageClass.class));
        all.add(type("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", Scope.CLUSTER, List.of("pc"), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass.class));
        // apiextensions
        all.add(type("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", Scope.CLUSTER,
                List.of("crd", "crds"), List.of("api-extensions"), Set.of("status"), CustomResourceDefinition.class));
        // Istio, served as built in; v1 is stored, older versions share its schema
        istio(all, "networking.istio.io", "VirtualService", "virtualservices", List.of("vs"),
                io.fabric8.istio.api.networking.v1.VirtualService.class,
                io.fabric8.istio.api.networking.v1beta1.VirtualService.class,
                io.fabric8.istio.api.networking.v1alpha3.VirtualService.class);
        istio(all, "networking.istio.io", "DestinationRule", "destinationrules", List.of("dr"),
                io.fabric8.istio.api.networking.v1.DestinationRule.class,
                io.fabric8.istio.api.networking.v1beta1.DestinationRule.class,
                io.fabric8.istio.api.networking.v1alpha3.DestinationRule.class);
        istio(all, "networking.istio.io", "Gateway", "gateways", List.of("gw"),
                io.fabric8.istio.api.networking.v1.Gateway.class,
                io.fabric8.istio.api.networking.v1beta1.Gateway.class,
                io.fabric8.istio.api.networking.v1alpha3.Gateway.class);
        istio(all, "networking.istio.io", "ServiceEntry", "serviceentries", List.of("se"),
                io.fabric8.istio.api.networking.v1.ServiceEntry.class,
                io.fabric8.istio.api.networking.v1beta1.ServiceEntry.class,
                io.fabric8.istio.api.networking.v1alpha3.ServiceEntry.class);
        istio(all, "security.istio.io", "PeerAuthentication", "peerauthentications", List.of("pa"),
                io.fabric8.istio.api.security.v1.PeerAuthentication.class,
                io.fabric8.istio.api.security.v1beta1.PeerAuthentication.class, null);
        istio(all, "security.istio.io", "AuthorizationPolicy", "authorizationpolicies", List.of("ap"),
                io.fabric8.istio.api.security.v1.AuthorizationPolicy.class,
                io.fabric8.istio.api.security.v1beta1.AuthorizationPolicy.class, null);
        ALL = List.copyOf(all);
    }

    private BuiltinResources() {
    }

    private static ResourceType core(String kind, String plural, Scope scope, List<String> shortNames,
                                     List<String> categories, Set<String> subresources, Class<?> model) {
        return type("", "v1", kind, plural, scope, shortNames, categories, subresources, model);
    }

    private static ResourceType type(String group, String version, String kind, String plural, Scope scope,
                                     List<String> shortNames, List<String> categories, Set<String> subresources,
                                     Class<?> model) {
        return new ResourceType(group, version, kind, plural, kind.toLowerCase(), scope, shortNames, categories,
                subresources, model, version, null);
    }

    private static void istio(List<ResourceType> all, String group, String kind, String plural, List<String> shortNames,
                              Class<?> v1, Class<?> v1beta1, Class<?> v1alpha3) {
        List<String> categories = group.startsWith("networking") ? List.of("istio-io", "networking-istio-io")
                : List.of("istio-io", "security-istio-io");
        ResourceType stored = type(group, "v1", kind, plural, Scope.NAMESPACED, shortNames, categories, Set.of("status"), v1);
        all.add(stored);
        all.add(stored.atVersion("v1beta1", v1beta1));
        if (v1alpha3 != null) {
            all.add(stored.atVersion("v1alpha3", v1alpha3));
        }
    }
}
