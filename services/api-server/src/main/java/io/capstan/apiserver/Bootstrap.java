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
 * system-cluster-critical and system-node-critical; and at every start the {@code kubernetes}
 * Endpoints and EndpointSlice naming this api-server, so in-cluster clients reach it through the
 * Service (the last api-server to start is the one named; kube-apiserver's lease reconciler, which
 * lists every live one, is not built).
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

    /** Creates or replaces the {@code kubernetes} Endpoints and EndpointSlice with {@code ip:port}. */
    static CompletableFuture<Void> advertise(ResourceStore store, ResourceRegistry registry, String ip, int port) {
        WriteOptions options = new WriteOptions(false, "kube-apiserver", WriteOptions.FieldValidation.IGNORE, false);
        ObjectNode endpoints = KubeJson.object();
        endpoints.put("apiVersion", "v1");
        endpoints.put("kind", "Endpoints");
        endpoints.putObject("metadata").put("name", "kubernetes").put("namespace", "default")
                .putObject("labels").put("endpointslice.kubernetes.io/skip-mirror", "true");
        ObjectNode subset = endpoints.putArray("subsets").addObject();
        subset.putArray("addresses").addObject().put("ip", ip);
        subset.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");
        ObjectNode slice = KubeJson.object();
        slice.put("apiVersion", "discovery.k8s.io/v1");
        slice.put("kind", "EndpointSlice");
        slice.putObject("metadata").put("name", "kubernetes").put("namespace", "default")
                .putObject("labels").put("kubernetes.io/service-name", "kubernetes");
        slice.put("addressType", ip.contains(":") ? "IPv6" : "IPv4");
        ObjectNode endpoint = slice.putArray("endpoints").addObject();
        endpoint.putArray("addresses").add(ip);
        endpoint.putObject("conditions").put("ready", true).put("serving", true).put("terminating", false);
        slice.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");
        return CompletableFuture.allOf(
                upsert(store, registry.find("", "v1", "endpoints").orElseThrow(), endpoints, options),
                upsert(store, registry.find("discovery.k8s.io", "v1", "endpointslices").orElseThrow(), slice, options));
    }

    private static CompletableFuture<Object> upsert(ResourceStore store, ResourceType type, ObjectNode obj, WriteOptions options) {
        return store.create(type, "default", obj.deepCopy(), options).<CompletableFuture<Object>>handle((r, t) -> {
            if (t == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable cause = ResourceStore.unwrap(t);
            if (cause instanceof ApiException ae && ae.code() == 409) {
                return store.update(type, "default", "kubernetes", null, obj, options).thenApply(x -> x);
            }
            return CompletableFuture.failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private static CompletableFuture<Object> ignoreExists(CompletableFuture<?> create) {
        return create.handle((r, t) -> {
            if (t == null) {
                return r;
            }
            Throwable cause = ResourceStore.unwrap(t);
            if (cause instanceof ApiException ae && (ae.code() == 409 || ae.code() == 422)) {
                return null;
            }
            throw new CompletionException(cause);
        });
    }
}
