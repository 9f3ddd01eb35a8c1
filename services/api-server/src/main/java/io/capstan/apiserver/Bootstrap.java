package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The objects every cluster starts with, created if missing at each start: the namespaces
 * default, kube-system, kube-public and kube-node-lease, and the {@code kubernetes} Service in
 * default with the first address of the service range, and the PriorityClasses
 * system-cluster-critical and system-node-critical.
 */
final class Bootstrap {
    static final List<String> NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    /** Kubernetes' built-in classes: name and value. */
    static final List<Map.Entry<String, Integer>> SYSTEM_PRIORITY_CLASSES = List.of(
            Map.entry("system-cluster-critical", 2_000_000_000),
            Map.entry("system-node-critical", 2_000_001_000));

    private Bootstrap() {
    }

    static CompletableFuture<Void> run(ResourceStore store, ResourceRegistry registry) {
        ResourceType namespaces = registry.find("", "v1", "namespaces").orElseThrow();
        ResourceType services = registry.find("", "v1", "services").orElseThrow();
        WriteOptions options = new WriteOptions(false, "kube-apiserver", WriteOptions.FieldValidation.IGNORE, false);
        List<CompletableFuture<?>> creates = new ArrayList<>();
        ResourceType priorityClasses = registry.find("scheduling.k8s.io", "v1", "priorityclasses").orElseThrow();
        for (Map.Entry<String, Integer> pc : SYSTEM_PRIORITY_CLASSES) {
            ObjectNode obj = KubeJson.object();
            obj.put("apiVersion", "scheduling.k8s.io/v1");
            obj.put("kind", "PriorityClass");
            obj.putObject("metadata").put("name", pc.getKey());
            obj.put("value", pc.getValue());
            obj.put("description", "Used for system critical pods that must not be moved from their current node.");
            creates.add(ignoreExists(store.create(priorityClasses, null, obj, options)));
        }
        for (String ns : NAMESPACES) {
            ObjectNode obj = KubeJson.object();
            obj.put("apiVersion", "v1");
            obj.put("kind", "Namespace");
            obj.putObject("metadata").put("name", ns);
            creates.add(ignoreExists(store.create(namespaces, null, obj, options)));
        }
        return CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            ObjectNode svc = KubeJson.object();
            svc.put("apiVersion", "v1");
            svc.put("kind", "Service");
            ObjectNode meta = svc.putObject("metadata");
            meta.put("name", "kubernetes");
            meta.put("namespace", "default");
            meta.putObject("labels").put("component", "apiserver").put("provider", "kubernetes");
            ObjectNode spec = svc.putObject("spec");
            spec.put("type", "ClusterIP");
            spec.put("clusterIP", "127.96.0.1");
            ObjectNode port = spec.putArray("ports").addObject();
            port.put("name", "https");
            port.put("port", 443);
            port.put("protocol", "TCP");
            port.put("targetPort", 6443);
            return ignoreExists(store.create(services, "default", svc, options)).thenApply(x -> null);
        });
    }

    private static CompletableFuture<Object> ignoreExists(CompletableFuture<?> create) {
        return create.handle((r, t) -> {
            if (t == null) {
                return r;
            }
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof ApiException ae && (ae.code() == 409 || ae.code() == 422)) {
                return null;
            }
            throw new CompletionException(cause);
        });
    }
}
