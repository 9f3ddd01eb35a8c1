package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.registry.Scope;
import io.capstan.store.StoreEvent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Serves custom resources: follows CustomResourceDefinitions in etcd (a list, then a watch) and
 * keeps the registry's entries for them current on every api-server. It also plays
 * apiextensions-apiserver's naming controller: a CRD whose names are registered gets
 * {@code status.acceptedNames} and the {@code NamesAccepted} and {@code Established}
 * conditions, which {@code kubectl wait --for=condition=established} waits for, and its
 * finalizer controller: a deleted CRD takes its custom resources with it.
 */
final class CrdRegistrar {
    private static final Logger LOG = Logger.getLogger(CrdRegistrar.class);
    static final String CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

    private final ResourceRegistry registry;
    private final ResourceStore store;
    private final ResourceType crdType;
    private AutoCloseable watch;

    CrdRegistrar(ResourceRegistry registry, ResourceStore store) {
        this.registry = registry;
        this.store = store;
        this.crdType = registry.find("apiextensions.k8s.io", "v1", "customresourcedefinitions").orElseThrow();
    }

    CompletableFuture<Void> start() {
        return store.list(crdType, null, ListQuery.all()).thenAccept(list -> {
            list.items().forEach(this::register);
            long rev = Long.parseLong(list.resourceVersion());
            watch = store.etcd().watch(ResourceStore.prefix(crdType, null), rev, this::onEvents,
                    e -> LOG.errorf("CRD watch ended: %s; custom resources will not follow CRD changes until restart", e.getMessage()));
        });
    }

    private void onEvents(List<StoreEvent> events) {
        for (StoreEvent e : events) {
            ObjectNode crd = (ObjectNode) KubeJson.read(e.value());
            if (e.type() == StoreEvent.Type.DELETED) {
                registry.unregister(crd.path("spec").path("group").asText(), crd.path("spec").path("names").path("plural").asText());
            } else {
                ResourceStore.withRevision(crd, e.revision());
                register(crd);
            }
        }
    }

    private void register(ObjectNode crd) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText();
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asText();
        List<ResourceType> types = types(crd);
        registry.unregister(group, plural);
        types.forEach(registry::register);
        if (crd.path("metadata").has("deletionTimestamp")) {
            cleanUp(crd, types);
            return;
        }
        if (!hasFinalizer(crd)) {
            addFinalizer(crd);
            return;
        }
        if (!established(crd)) {
            markEstablished(crd);
        }
    }

    static List<ResourceType> types(ObjectNode crd) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        String storage = null;
        for (JsonNode v : spec.path("versions")) {
            if (v.path("storage").asBoolean(false)) {
                storage = v.path("name").asText();
            }
        }
        List<ResourceType> out = new ArrayList<>();
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(true)) {
                continue;
            }
            Set<String> subs = new HashSet<>();
            v.path("subresources").fieldNames().forEachRemaining(subs::add);
            List<String> shortNames = new ArrayList<>();
            names.path("shortNames").forEach(s -> shortNames.add(s.asText()));
            List<String> categories = new ArrayList<>();
            names.path("categories").forEach(s -> categories.add(s.asText()));
            String kind = names.path("kind").asText();
            String singular = names.path("singular").asText(kind.toLowerCase());
            out.add(new ResourceType(spec.path("group").asText(), v.path("name").asText(), kind,
                    names.path("plural").asText(), singular,
                    "Cluster".equals(spec.path("scope").asText()) ? Scope.CLUSTER : Scope.NAMESPACED,
                    List.copyOf(shortNames), List.copyOf(categories), Set.copyOf(subs), null,
                    storage == null ? v.path("name").asText() : storage, v));
        }
        return out;
    }

    private static boolean hasFinalizer(JsonNode crd) {
        for (JsonNode f : crd.path("metadata").path("finalizers")) {
            if (CLEANUP_FINALIZER.equals(f.asText())) {
                return true;
            }
        }
        return false;
    }

    /** As apiextensions-apiserver: a CRD keeps a finalizer until its custom resources are gone. */
    private void addFinalizer(ObjectNode crd) {
        String name = KubeJson.text(crd, "metadata", "name");
        store.patch(crdType, null, name, null, systemOptions(), (cur, now) -> {
            if (!hasFinalizer(cur)) {
                ArrayNode finalizers = cur.path("metadata").path("finalizers").isArray()
                        ? (ArrayNode) cur.path("metadata").get("finalizers")
                        : KubeJson.with(cur, "metadata").putArray("finalizers");
                finalizers.add(CLEANUP_FINALIZER);
            }
            return cur;
        }, null).whenComplete((r, t) -> {
            if (t != null) {
                LOG.debugf("could not add the cleanup finalizer to CRD %s: %s", name, t.getMessage());
            }
        });
    }

    /** Deletes every custom resource of a CRD being deleted, then releases the CRD. */
    private void cleanUp(ObjectNode crd, List<ResourceType> types) {
        String name = KubeJson.text(crd, "metadata", "name");
        ResourceType stored = types.stream().filter(ResourceType::servedInStorageVersion).findFirst()
                .orElse(types.isEmpty() ? null : types.get(0));
        CompletableFuture<?> deleted = stored == null ? CompletableFuture.completedFuture(null)
                : deleteAll(ResourceStore.prefix(stored, null), stored);
        deleted.thenCompose(v -> store.patch(crdType, null, name, null, systemOptions(), (cur, now) -> {
            ArrayNode kept = KubeJson.NODES.arrayNode();
            cur.path("metadata").path("finalizers").forEach(f -> {
                if (!CLEANUP_FINALIZER.equals(f.asText())) {
                    kept.add(f);
                }
            });
            KubeJson.with(cur, "metadata").set("finalizers", kept);
            return cur;
        }, null)).whenComplete((r, t) -> {
            registry.unregister(crd.path("spec").path("group").asText(), crd.path("spec").path("names").path("plural").asText());
            if (t != null) {
                LOG.warnf("cleaning up custom resources of CRD %s failed: %s", name, t.getMessage());
            }
        });
    }

    private CompletableFuture<Void> deleteAll(String prefix, ResourceType type) {
        return store.etcd().list(prefix, null, 0, 0).thenCompose(page -> CompletableFuture.allOf(page.items().stream()
                .map(item -> store.etcd().delete(item.key(), item.modRevision()).exceptionally(t -> 0L))
                .toArray(CompletableFuture[]::new)));
    }

    private static WriteOptions systemOptions() {
        return new WriteOptions(false, "apiextensions-apiserver", WriteOptions.FieldValidation.IGNORE, false);
    }

    private static boolean established(JsonNode crd) {
        for (JsonNode c : crd.path("status").path("conditions")) {
            if ("Established".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                return crd.path("status").path("acceptedNames").equals(acceptedNames(crd));
            }
        }
        return false;
    }

    private static JsonNode acceptedNames(JsonNode crd) {
        ObjectNode names = crd.path("spec").path("names").deepCopy();
        if (!names.has("singular")) {
            names.put("singular", names.path("kind").asText().toLowerCase());
        }
        if (!names.has("listKind")) {
            names.put("listKind", names.path("kind").asText() + "List");
        }
        return names;
    }

    private void markEstablished(ObjectNode crd) {
        String name = KubeJson.text(crd, "metadata", "name");
        store.patch(crdType, null, name, "status", systemOptions(), (cur, now) -> {
            ObjectNode status = KubeJson.with(cur, "status");
            status.set("acceptedNames", acceptedNames(cur));
            ArrayNode conditions = status.putArray("conditions");
            String ts = ResourceStore.timestamp(Instant.now());
            for (String[] c : new String[][] {
                    {"NamesAccepted", "NoConflicts", "no conflicts found"},
                    {"Established", "InitialNamesAccepted", "the initial names have been accepted"}}) {
                ObjectNode cond = conditions.addObject();
                cond.put("type", c[0]);
                cond.put("status", "True");
                cond.put("lastTransitionTime", ts);
                cond.put("reason", c[1]);
                cond.put("message", c[2]);
            }
            ArrayNode stored = status.putArray("storedVersions");
            for (JsonNode v : cur.path("spec").path("versions")) {
                if (v.path("storage").asBoolean(false)) {
                    stored.add(v.path("name").asText());
                }
            }
            return cur;
        }, null).whenComplete((r, t) -> {
            if (t != null) {
                LOG.debugf("could not mark CRD %s established: %s", name, t.getMessage());
            }
        });
    }

    void stop() {
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception ignored) {
                // shutting down
            }
        }
    }
}
