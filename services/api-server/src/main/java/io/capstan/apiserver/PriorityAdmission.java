package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.ApiException;
import io.capstan.store.EtcdStore;
import io.capstan.store.StoredObject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * kube-apiserver's Priority admission plugin for pod creates: resolves {@code priorityClassName}
 * (or the cluster's globalDefault PriorityClass) into {@code spec.priority} and
 * {@code spec.preemptionPolicy}, refusing (403) an unknown class or a priority the pod sets
 * itself that differs from its class.
 */
final class PriorityAdmission {
    static final String DEFAULT_PREEMPTION = "PreemptLowerPriority";
    private static final int PAGE = 500;

    private final EtcdStore etcd;
    private final String prefix;

    /** @param priorityClasses the storage type of scheduling.k8s.io PriorityClasses */
    PriorityAdmission(EtcdStore etcd, ResourceType priorityClasses) {
        this.etcd = etcd;
        this.prefix = ResourceStore.prefix(priorityClasses, null);
    }

    static boolean isPods(ResourceType st) {
        return st.group().isEmpty() && st.plural().equals("pods");
    }

    static boolean isPriorityClasses(ResourceType st) {
        return st.group().equals("scheduling.k8s.io") && st.plural().equals("priorityclasses");
    }

    /** Sets the pod's priority fields, or fails with the Status kube-apiserver gives. */
    CompletableFuture<Void> admit(ObjectNode pod, ObjectCache cache) {
        ObjectNode spec = KubeJson.with(pod, "spec");
        String podName = KubeJson.text(pod, "metadata", "name");
        String className = spec.path("priorityClassName").asText("");
        CompletableFuture<Optional<JsonNode>> resolved = className.isEmpty()
                ? globalDefault(cache)
                : lookup(className, cache).thenApply(pc -> {
                    if (pc.isEmpty()) {
                        throw ApiException.forbidden("", "pods", podName, "no PriorityClass with name " + className + " was found");
                    }
                    return pc;
                });
        return resolved.thenAccept(pc -> {
            int value = pc.map(c -> c.path("value").asInt(0)).orElse(0);
            String policy = pc.map(c -> c.path("preemptionPolicy").asText(DEFAULT_PREEMPTION)).orElse(DEFAULT_PREEMPTION);
            if (spec.has("priority") && !spec.get("priority").isNull() && spec.get("priority").asInt() != value) {
                throw ApiException.forbidden("", "pods", podName, "the integer value of priority (" + spec.get("priority").asInt()
                        + ") must not be provided in pod spec; priority admission controller computed " + value
                        + " from the given PriorityClass name");
            }
            if (className.isEmpty() && pc.isPresent()) {
                spec.put("priorityClassName", KubeJson.text(pc.get(), "metadata", "name"));
            }
            spec.put("priority", value);
            if (!spec.hasNonNull("preemptionPolicy")) {
                spec.put("preemptionPolicy", policy);
            }
        });
    }

    private CompletableFuture<Optional<JsonNode>> lookup(String name, ObjectCache cache) {
        Optional<JsonNode> cached = cache == null ? Optional.empty() : cache.get(name);
        if (cached.isPresent()) {
            return CompletableFuture.completedFuture(cached);
        }
        return etcd.get(prefix + name).thenApply(so -> so.map(o -> KubeJson.read(o.value())));
    }

    private CompletableFuture<Optional<JsonNode>> globalDefault(ObjectCache cache) {
        if (cache != null && cache.synced()) {
            return CompletableFuture.completedFuture(pickDefault(cache.objects()));
        }
        return listAll(null, 0, new ArrayList<>()).thenApply(PriorityAdmission::pickDefault);
    }

    private CompletableFuture<List<JsonNode>> listAll(String start, long revision, List<JsonNode> into) {
        return etcd.list(prefix, start, revision, PAGE).thenCompose(page -> {
            for (StoredObject so : page.items()) {
                into.add(KubeJson.read(so.value()));
            }
            return page.hasMore() ? listAll(page.nextKey(), page.revision(), into) : CompletableFuture.completedFuture(into);
        });
    }

    /** Kubernetes takes the globalDefault class with the lowest value when several claim it. */
    private static Optional<JsonNode> pickDefault(List<JsonNode> classes) {
        return classes.stream().filter(c -> c.path("globalDefault").asBoolean(false))
                .min((a, b) -> Integer.compare(a.path("value").asInt(), b.path("value").asInt()));
    }
}
