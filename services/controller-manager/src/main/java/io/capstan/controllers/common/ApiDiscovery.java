package io.capstan.controllers.common;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The api-server's discovery (what {@code kubectl api-resources} reads), for controllers that
 * act on every kind: the garbage collector resolving an ownerReference's apiVersion and kind to
 * a resource, the namespace controller enumerating what a namespace may contain. Custom
 * resources appear and disappear with their CRDs, so lookups that miss ask again.
 *
 * <p>Thread-safe.
 */
public final class ApiDiscovery {
    private final KubernetesClient client;
    // groupVersion -> its resources; refreshed when a kind is not found
    private final ConcurrentMap<String, List<ApiResource>> byGroupVersion = new ConcurrentHashMap<>();

    public ApiDiscovery(KubernetesClient client) {
        this.client = client;
    }

    /** The resource serving {@code kind} in {@code apiVersion}, if the api-server serves it. */
    public Optional<ApiResource> forKind(String apiVersion, String kind) {
        Optional<ApiResource> cached = find(byGroupVersion.get(apiVersion), kind);
        if (cached.isPresent()) {
            return cached;
        }
        List<ApiResource> fresh = resources(apiVersion);
        byGroupVersion.put(apiVersion, fresh);
        return find(fresh, kind);
    }

    /**
     * Every namespaced resource (preferred version of each group, subresources excluded) that
     * can be listed and deleted, read fresh from the api-server.
     */
    public List<ApiResource> namespacedDeletable() {
        List<String> groupVersions = new ArrayList<>(List.of("v1"));
        APIGroupList groups = client.getApiGroups();
        if (groups != null && groups.getGroups() != null) {
            for (APIGroup g : groups.getGroups()) {
                if (g.getPreferredVersion() != null) {
                    groupVersions.add(g.getPreferredVersion().getGroupVersion());
                } else if (g.getVersions() != null && !g.getVersions().isEmpty()) {
                    groupVersions.add(g.getVersions().get(0).getGroupVersion());
                }
            }
        }
        List<ApiResource> result = new ArrayList<>();
        for (String gv : groupVersions) {
            List<ApiResource> resources = resources(gv);
            byGroupVersion.put(gv, resources);
            resources.stream().filter(r -> r.namespaced() && r.verbs().contains("list") && r.verbs().contains("delete"))
                    .forEach(result::add);
        }
        return result;
    }

    private List<ApiResource> resources(String groupVersion) {
        APIResourceList list = client.getApiResources(groupVersion);
        if (list == null || list.getResources() == null) {
            return List.of();
        }
        int slash = groupVersion.indexOf('/');
        String group = slash < 0 ? "" : groupVersion.substring(0, slash);
        String version = slash < 0 ? groupVersion : groupVersion.substring(slash + 1);
        return list.getResources().stream()
                .filter(r -> r.getName() != null && !r.getName().contains("/"))
                .map(r -> new ApiResource(group, version, r.getName(), r.getKind(), Boolean.TRUE.equals(r.getNamespaced()),
                        r.getVerbs() == null ? List.of() : r.getVerbs()))
                .toList();
    }

    private static Optional<ApiResource> find(List<ApiResource> resources, String kind) {
        return resources == null ? Optional.empty() : resources.stream().filter(r -> r.kind().equals(kind)).findFirst();
    }
}
