package io.capstan.controllers.gc;

import io.capstan.api.json.KubeJson;
import io.capstan.controller.Controller;
import io.capstan.controller.ControllerRateLimiter;
import io.capstan.controller.Informer;
import io.capstan.controller.ResourceEventHandler;
import io.capstan.controller.SharedInformers;
import io.capstan.controller.WorkQueue;
import io.capstan.controllers.common.ApiDiscovery;
import io.capstan.controllers.common.ApiRequests;
import io.capstan.controllers.common.ApiResource;
import io.capstan.controllers.gc.GarbageCollectionModel.AwaitDependents;
import io.capstan.controllers.gc.GarbageCollectionModel.Delete;
import io.capstan.controllers.gc.GarbageCollectionModel.Nothing;
import io.capstan.controllers.gc.GarbageCollectionModel.OrphanDependents;
import io.capstan.controllers.gc.GarbageCollectionModel.OwnerState;
import io.capstan.controllers.gc.GarbageCollectionModel.Plan;
import io.capstan.controllers.gc.GarbageCollectionModel.RemoveFinalizer;
import io.capstan.controllers.gc.GarbageCollectionModel.RemoveOwnerReferences;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The garbage collector: deletes objects whose owners are all gone, and carries out the
 * foreground and orphan propagation the api-server asks for with the {@code foregroundDeletion}
 * and {@code orphan} finalizers. Decisions are {@link GarbageCollectionModel}'s.
 *
 * <p>The owner-to-dependents graph is the informer caches of {@link GarbageCollectedKinds},
 * indexed by uid and by the uids of every ownerReference. Work items are objects
 * (kind, namespace, name); one queue, several workers, never the same object twice at once.
 * <ul>
 *   <li>An object with ownerReferences, or being deleted with one of the two finalizers, is
 *       queued whenever it changes (and at every resync, which heals missed events).</li>
 *   <li>A deleted object (the feed's DELETED event) queues its dependents, which may now have
 *       no owner left, and its owners that are waiting for their dependents to go.</li>
 *   <li>Owners are matched by uid, never by name: a re-created namesake is another owner. An
 *       owner not in the caches is looked up through the API (a fresh owner may not have
 *       reached the cache yet); a uid found absent there is remembered, uids are never reused.</li>
 *   <li>Before an owner's orphan or foregroundDeletion finalizer goes, its dependents are listed
 *       from the API rather than taken from the caches: the feed orders events per object, not
 *       across kinds, so a dependent created just before the deletion may not be cached yet.</li>
 *   <li>Deletes carry the dependent's uid and resourceVersion as preconditions, and patches its
 *       resourceVersion, so a decision taken on a stale cache fails with a conflict and is
 *       retried with backoff instead of acting on an object that changed.</li>
 * </ul>
 */
public final class GarbageCollector implements AutoCloseable {
    static final String UID_INDEX = "gc-uid";
    static final String OWNER_REFERENCES_INDEX = "gc-owner-uids";
    private static final Logger LOG = Logger.getLogger(GarbageCollector.class);
    private static final Duration FOREGROUND_RECHECK = Duration.ofSeconds(5);
    private static final int ABSENT_OWNERS_REMEMBERED = 10_000;

    /** One object to look at. */
    record Item(Class<? extends HasMetadata> type, String namespace, String name) {
        static Item of(HasMetadata o) {
            return new Item(o.getClass(), nullToEmpty(o.getMetadata().getNamespace()), o.getMetadata().getName());
        }

        @Override
        public String toString() {
            return HasMetadata.getKind(type) + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
        }
    }

    private final Map<Class<? extends HasMetadata>, Informer<? extends HasMetadata>> informers = new LinkedHashMap<>();
    private final KubernetesClient client;
    private final ApiRequests api;
    private final ApiDiscovery discovery;
    private final WorkQueue<Item> queue;
    private final int workers;
    private final List<Thread> threads = new ArrayList<>();
    private final Set<String> absentOwners = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > ABSENT_OWNERS_REMEMBERED;
        }
    }));
    private volatile boolean running;

    /** Registers indexes and handlers on the shared informers, so build it before they start. */
    public GarbageCollector(KubernetesClient client, SharedInformers shared, List<Class<? extends HasMetadata>> kinds,
                            int workers, MeterRegistry registry) {
        this.client = client;
        this.api = new ApiRequests(client);
        this.discovery = new ApiDiscovery(client);
        this.workers = workers;
        this.queue = new WorkQueue<>("garbagecollector", registry, new ControllerRateLimiter<>(), System::nanoTime);
        for (Class<? extends HasMetadata> kind : kinds) {
            watch(shared.informerFor(kind));
        }
    }

    private <T extends HasMetadata> void watch(Informer<T> informer) {
        informer.addIndexer(UID_INDEX, o -> o.getMetadata().getUid() == null ? List.of() : List.of(o.getMetadata().getUid()));
        informer.addIndexer(OWNER_REFERENCES_INDEX, o -> GarbageCollectionModel.ownerReferences(o).stream()
                .map(OwnerReference::getUid).filter(Objects::nonNull).distinct().toList());
        informer.addEventHandler(new GraphChanges());
        informers.put(informer.type(), informer);
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "garbagecollector-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    @Override
    public void close() {
        List<Thread> toJoin;
        synchronized (this) {
            running = false;
            toJoin = List.copyOf(threads);
        }
        queue.shutdown();
        for (Thread t : toJoin) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Turns cache changes into work items; runs on the informers' dispatch threads, so only looks up and enqueues. */
    private final class GraphChanges implements ResourceEventHandler<HasMetadata> {
        @Override
        public void onAdd(HasMetadata object) {
            changed(object);
        }

        @Override
        public void onUpdate(HasMetadata oldObject, HasMetadata newObject) {
            changed(newObject);
            // a removed ownerReference may have been the last one blocking a foreground deletion
            waitingOwnersOf(oldObject).forEach(queue::add);
        }

        @Override
        public void onDelete(HasMetadata object) {
            String uid = object.getMetadata().getUid();
            if (uid != null) {
                dependentsOf(uid).forEach(d -> queue.add(Item.of(d)));
            }
            waitingOwnersOf(object).forEach(queue::add);
        }

        private void changed(HasMetadata object) {
            if (!GarbageCollectionModel.ownerReferences(object).isEmpty() || GarbageCollectionModel.awaitsGarbageCollector(object)) {
                queue.add(Item.of(object));
            }
            waitingOwnersOf(object).forEach(queue::add);
        }
    }

    private List<Item> waitingOwnersOf(HasMetadata object) {
        List<Item> owners = new ArrayList<>();
        for (OwnerReference ref : GarbageCollectionModel.ownerReferences(object)) {
            cachedByUid(ref.getUid()).filter(GarbageCollectionModel::awaitsGarbageCollector).map(Item::of).ifPresent(owners::add);
        }
        return owners;
    }

    private void work() {
        try {
            for (Informer<?> informer : informers.values()) {
                while (running && !informer.waitForSync(Duration.ofSeconds(1))) {
                    LOG.debugf("garbage collector: waiting for %s to sync", informer.topic());
                }
            }
            while (running) {
                Optional<Item> next = queue.get();
                if (next.isEmpty()) {
                    return;
                }
                process(next.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void process(Item item) {
        MDC.put(Controller.MDC_RESOURCE, item.toString());
        try {
            Optional<Duration> again = collect(item);
            queue.forget(item);
            again.ifPresent(delay -> queue.addAfter(item, delay));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.debugf("conflict, retrying once the cache has caught up: %s", e.getMessage());
            } else {
                LOG.warnf("garbage collection of %s failed (retry %d): %s", item, queue.numRequeues(item) + 1, e.getMessage());
            }
            queue.addRateLimited(item);
        } catch (RuntimeException e) {
            LOG.errorf(e, "garbage collection of %s failed (retry %d)", item, queue.numRequeues(item) + 1);
            queue.addRateLimited(item);
        } finally {
            MDC.remove(Controller.MDC_RESOURCE);
            queue.done(item);
        }
    }

    /** One decision for one object, carried out; returns when to look again, if the plan waits. */
    private Optional<Duration> collect(Item item) {
        HasMetadata object = informers.get(item.type()).store().get(item.namespace(), item.name()).orElse(null);
        if (object == null) {
            return Optional.empty();
        }
        Map<String, OwnerState> owners = GarbageCollectionModel.needsOwnerStates(object) ? ownerStates(object) : Map.of();
        Plan plan = GarbageCollectionModel.plan(object, owners, dependentsOf(object.getMetadata().getUid()));
        if (plan instanceof OrphanDependents || plan instanceof RemoveFinalizer) {
            // the feed orders events per object, not across kinds: a dependent created just before
            // its owner's deletion may not be cached yet, so what the finalizer guards is checked live
            plan = GarbageCollectionModel.plan(object, owners, liveDependents(object));
        }
        ApiResource resource = ApiResource.of(item.type());
        String path = resource.objectPath(item.namespace(), item.name());
        switch (plan) {
            case Nothing nothing -> {
                return Optional.empty();
            }
            case RemoveOwnerReferences remove -> {
                LOG.infof("removing ownerReferences to %s from %s: those owners are gone or deleting", remove.ownerUids(), item);
                patchOwnerReferences(path, object, remove.ownerUids());
                return Optional.empty();
            }
            case Delete delete -> {
                LOG.infof("deleting %s (propagation %s): no owner of it is left", item, delete.propagationPolicy());
                api.delete(path, ApiRequests.deleteOptions(delete.propagationPolicy(), object.getMetadata().getUid(),
                        object.getMetadata().getResourceVersion()));
                return Optional.empty();
            }
            case OrphanDependents orphan -> {
                String uid = object.getMetadata().getUid();
                for (HasMetadata dependent : orphan.dependents()) {
                    patchOwnerReferences(ApiResource.of(dependent.getClass()).objectPath(dependent.getMetadata().getNamespace(),
                            dependent.getMetadata().getName()), dependent, List.of(uid));
                }
                LOG.infof("orphaned %d dependents of %s", orphan.dependents().size(), item);
                removeFinalizer(path, object, GarbageCollectionModel.ORPHAN_FINALIZER);
                return Optional.empty();
            }
            case AwaitDependents await -> {
                await.dependents().forEach(d -> queue.add(Item.of(d)));
                return Optional.of(FOREGROUND_RECHECK);
            }
            case RemoveFinalizer remove -> {
                LOG.infof("no dependent blocks %s any more: removing %s", item, remove.finalizer());
                removeFinalizer(path, object, remove.finalizer());
                return Optional.empty();
            }
        }
    }

    private Map<String, OwnerState> ownerStates(HasMetadata dependent) {
        Map<String, OwnerState> states = new HashMap<>();
        for (OwnerReference ref : GarbageCollectionModel.ownerReferences(dependent)) {
            states.put(ref.getUid(), ownerState(dependent, ref));
        }
        return states;
    }

    /** The owner from the caches when they have its uid, else from the API. */
    private OwnerState ownerState(HasMetadata dependent, OwnerReference ref) {
        String namespace = nullToEmpty(dependent.getMetadata().getNamespace());
        Optional<HasMetadata> cached = cachedByUid(ref.getUid())
                .filter(o -> Objects.equals(o.getMetadata().getName(), ref.getName()) && Objects.equals(HasMetadata.getKind(o.getClass()), ref.getKind()))
                .filter(o -> nullToEmpty(o.getMetadata().getNamespace()).isEmpty() || nullToEmpty(o.getMetadata().getNamespace()).equals(namespace));
        if (cached.isPresent()) {
            return GarbageCollectionModel.stateOf(cached.get());
        }
        if (absentOwners.contains(ref.getUid())) {
            return OwnerState.DANGLING;
        }
        ApiResource resource = discovery.forKind(ref.getApiVersion(), ref.getKind())
                .orElseThrow(() -> new IllegalStateException("ownerReference to " + ref.getApiVersion() + " " + ref.getKind()
                        + " " + ref.getName() + ": the api-server serves no such kind"));
        if (resource.namespaced() && namespace.isEmpty()) {
            // a cluster-scoped object cannot be owned by a namespaced one: Kubernetes treats the reference as absent
            return OwnerState.DANGLING;
        }
        Optional<JsonNode> live = api.get(resource.objectPath(namespace, ref.getName()));
        if (live.isEmpty() || !ref.getUid().equals(live.get().path("metadata").path("uid").asText())) {
            absentOwners.add(ref.getUid());
            return OwnerState.DANGLING;
        }
        JsonNode meta = live.get().path("metadata");
        boolean foreground = false;
        for (JsonNode f : meta.path("finalizers")) {
            foreground |= GarbageCollectionModel.FOREGROUND_FINALIZER.equals(f.asText());
        }
        return meta.hasNonNull("deletionTimestamp") && foreground ? OwnerState.WAITING_FOR_DEPENDENTS : OwnerState.SOLID;
    }

    /** Objects of the followed kinds that reference {@code owner}, listed from the API (its namespace only, if it has one). */
    private List<HasMetadata> liveDependents(HasMetadata owner) {
        String uid = owner.getMetadata().getUid();
        String namespace = nullToEmpty(owner.getMetadata().getNamespace());
        List<HasMetadata> dependents = new ArrayList<>();
        for (Class<? extends HasMetadata> kind : informers.keySet()) {
            List<? extends HasMetadata> items = !ApiResource.of(kind).namespaced() ? client.resources(kind).list().getItems()
                    : namespace.isEmpty() ? client.resources(kind).inAnyNamespace().list().getItems()
                    : client.resources(kind).inNamespace(namespace).list().getItems();
            for (HasMetadata item : items) {
                if (GarbageCollectionModel.ownerReferences(item).stream().anyMatch(r -> uid.equals(r.getUid()))) {
                    dependents.add(item);
                }
            }
        }
        return dependents;
    }

    private Optional<HasMetadata> cachedByUid(String uid) {
        if (uid == null) {
            return Optional.empty();
        }
        for (Informer<? extends HasMetadata> informer : informers.values()) {
            List<? extends HasMetadata> found = informer.store().byIndex(UID_INDEX, uid);
            if (!found.isEmpty()) {
                return Optional.of(found.get(0));
            }
        }
        return Optional.empty();
    }

    private List<HasMetadata> dependentsOf(String uid) {
        List<HasMetadata> dependents = new ArrayList<>();
        if (uid == null) {
            return dependents;
        }
        for (Informer<? extends HasMetadata> informer : informers.values()) {
            dependents.addAll(informer.store().byIndex(OWNER_REFERENCES_INDEX, uid));
        }
        return dependents;
    }

    /** Rewrites the ownerReferences without {@code ownerUids}, guarded by the resourceVersion they were read at. */
    private void patchOwnerReferences(String path, HasMetadata object, List<String> ownerUids) {
        Set<String> remove = new LinkedHashSet<>(ownerUids);
        List<OwnerReference> kept = GarbageCollectionModel.ownerReferences(object).stream()
                .filter(r -> !remove.contains(r.getUid())).toList();
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        if (kept.isEmpty()) {
            meta.putNull("ownerReferences");
        } else {
            ArrayNode refs = meta.putArray("ownerReferences");
            kept.forEach(r -> refs.add(KubeJson.tree(r)));
        }
        meta.put("resourceVersion", object.getMetadata().getResourceVersion());
        api.mergePatch(path, patch);
    }

    private void removeFinalizer(String path, HasMetadata object, String finalizer) {
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        ArrayNode finalizers = meta.putArray("finalizers");
        object.getMetadata().getFinalizers().stream().filter(f -> !finalizer.equals(f)).forEach(finalizers::add);
        meta.put("resourceVersion", object.getMetadata().getResourceVersion());
        api.mergePatch(path, patch);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
