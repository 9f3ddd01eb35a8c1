package io.capstan.controllers.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;

import java.util.List;

/**
 * One served resource, as discovery describes it: enough to build its REST paths without a
 * model class, for kinds only known at run time (custom resources, owners of any kind).
 *
 * @param group      the API group, {@code ""} for core
 * @param version    the version
 * @param plural     the resource name ({@code replicasets})
 * @param kind       the kind ({@code ReplicaSet})
 * @param namespaced whether objects live in namespaces
 * @param verbs      the verbs discovery lists
 */
public record ApiResource(String group, String version, String plural, String kind, boolean namespaced, List<String> verbs) {
    public ApiResource {
        verbs = List.copyOf(verbs);
    }

    /** The resource of a fabric8 model class. */
    public static ApiResource of(Class<? extends HasMetadata> type) {
        return new ApiResource(HasMetadata.getGroup(type), HasMetadata.getVersion(type), HasMetadata.getPlural(type),
                HasMetadata.getKind(type), Namespaced.class.isAssignableFrom(type), List.of());
    }

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** {@code /api/v1/namespaces/ns/pods} or {@code /apis/apps/v1/replicasets}; namespace ignored when cluster-scoped. */
    public String collectionPath(String namespace) {
        String root = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
        return namespaced && namespace != null && !namespace.isEmpty()
                ? root + "/namespaces/" + namespace + "/" + plural : root + "/" + plural;
    }

    public String objectPath(String namespace, String name) {
        return collectionPath(namespace) + "/" + name;
    }
}
