package io.capstan.controllers.namespace;

import io.capstan.api.json.KubeJson;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.ApiDiscovery;
import io.capstan.controllers.common.ApiRequests;
import io.capstan.controllers.common.ApiResource;
import io.capstan.controllers.gc.GarbageCollectionModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The namespace lifecycle controller (k8s.io/kubernetes/pkg/controller/namespace): a namespace
 * being deleted keeps the {@code kubernetes} finalizer in its spec until everything in it is
 * gone. Each pass deletes (in the background, guarded by uid) every object of every namespaced
 * resource discovery lists, custom resources included; objects already terminating are waited
 * for (their finalizers, e.g. the garbage collector's, must run). When nothing is left, the
 * finalizer goes through {@code PUT /api/v1/namespaces/{name}/finalize} and the api-server
 * deletes the namespace.
 *
 * <p>Resources come from discovery on every pass rather than from a fixed list, so kinds added
 * later (new built-ins, CRDs created while the namespace was terminating) are covered.
 */
public final class NamespaceReconciler implements Reconciler {
    public static final String KUBERNETES_FINALIZER = "kubernetes";
    private static final Logger LOG = Logger.getLogger(NamespaceReconciler.class);
    private static final Duration RECHECK = Duration.ofSeconds(1);

    private final Store<Namespace> namespaces;
    private final ApiDiscovery discovery;
    private final ApiRequests api;

    public NamespaceReconciler(Store<Namespace> namespaces, ApiDiscovery discovery, ApiRequests api) {
        this.namespaces = namespaces;
        this.discovery = discovery;
        this.api = api;
    }

    @Override
    public Result reconcile(Request request) {
        Namespace ns = namespaces.get("", request.name()).orElse(null);
        if (ns == null || ns.getMetadata().getDeletionTimestamp() == null || !hasKubernetesFinalizer(ns)) {
            return Result.done();
        }
        String name = request.name();
        int remaining = 0;
        List<String> failures = new ArrayList<>();
        for (ApiResource resource : discovery.namespacedDeletable()) {
            try {
                remaining += deleteAll(resource, name);
            } catch (KubernetesClientException e) {
                failures.add(resource.plural() + "." + resource.group() + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("deleting the content of namespace " + name + " failed: " + String.join("; ", failures));
        }
        if (remaining > 0) {
            LOG.debugf("namespace %s: waiting for %d objects to go", name, remaining);
            return Result.requeueAfter(RECHECK);
        }
        finalizeNamespace(ns);
        LOG.infof("namespace %s is empty: removed the %s finalizer", name, KUBERNETES_FINALIZER);
        return Result.done();
    }

    /** Deletes what is not terminating yet; returns how many objects are still there. */
    private int deleteAll(ApiResource resource, String namespace) {
        JsonNode list = api.get(resource.collectionPath(namespace)).orElse(null);
        if (list == null) {
            return 0;
        }
        int remaining = 0;
        for (JsonNode item : list.path("items")) {
            remaining++;
            JsonNode meta = item.path("metadata");
            if (meta.hasNonNull("deletionTimestamp")) {
                continue;
            }
            api.delete(resource.objectPath(namespace, meta.path("name").asText()),
                    ApiRequests.deleteOptions(GarbageCollectionModel.BACKGROUND, meta.path("uid").asText(null), null));
        }
        return remaining;
    }

    private void finalizeNamespace(Namespace ns) {
        ObjectNode body = KubeJson.tree(ns);
        ((ObjectNode) body.path("metadata")).remove("resourceVersion");
        ArrayNode finalizers = KubeJson.with(body, "spec").putArray("finalizers");
        ns.getSpec().getFinalizers().stream().filter(f -> !KUBERNETES_FINALIZER.equals(f)).forEach(finalizers::add);
        api.put("/api/v1/namespaces/" + ns.getMetadata().getName() + "/finalize", body);
    }

    private static boolean hasKubernetesFinalizer(Namespace ns) {
        return ns.getSpec() != null && ns.getSpec().getFinalizers() != null && ns.getSpec().getFinalizers().contains(KUBERNETES_FINALIZER);
    }
}
