package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.ApiException;
import io.capstan.api.status.FieldError;
import io.capstan.patch.ManagedFields;
import io.capstan.store.EtcdStore;
import io.capstan.store.ListPage;
import io.capstan.store.StorageKeys;
import io.capstan.store.StoreException;
import io.capstan.store.StoredObject;
import io.capstan.validation.Conversion;
import io.capstan.validation.Defaults;
import io.capstan.validation.Validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Kubernetes object semantics on top of {@link EtcdStore}, in the shape of kube-apiserver's
 * generic registry store: every write reads, prepares (system metadata, status split,
 * generation), defaults, validates and then commits one compare-and-swap transaction on the
 * object's mod revision. Unconditional updates and patches retry on conflict against the fresh
 * object; writes that name a resourceVersion fail with 409 instead. Objects are stored in their
 * resource's storage version, without resourceVersion (that is the etcd mod revision).
 *
 * <p>Thread-safe; every method is non-blocking.
 */
public final class ResourceStore {
    /** How long an unconditional update or a delete keeps retrying on conflicts (kube-apiserver: until the request times out). */
    private static final long UPDATE_RETRY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    private static final int ETCD_PAGE = 500;
    private static final Set<String> TERMINAL_PHASES = Set.of("Succeeded", "Failed");
    private static final String GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Kinds whose PUT creates a missing object, as upstream's AllowCreateOnUpdate. */
    private static final Set<String> CREATE_ON_UPDATE = Set.of("Endpoints", "Lease", "Event", "EndpointSlice");

    private final EtcdStore etcd;
    private final ResourceRegistry registry;
    private final ServiceAllocator allocator;
    private final EventLeases eventLeases;
    private final int maxObjectBytes;
    private volatile ObjectCache namespaces;
    private volatile ObjectCache priorityClasses;
    private final PriorityAdmission priority;
    private final RecentObjects recent;

    public ResourceStore(EtcdStore etcd, ResourceRegistry registry, ServiceAllocator allocator, EventLeases eventLeases,
                         int maxObjectBytes) {
        this.etcd = etcd;
        this.registry = registry;
        this.allocator = allocator;
        this.eventLeases = eventLeases;
        this.maxObjectBytes = maxObjectBytes;
        this.priority = new PriorityAdmission(etcd, registry.find("scheduling.k8s.io", "v1", "priorityclasses").orElseThrow());
        this.recent = new RecentObjects(1024, 4L << 20, 64 << 10);
    }

    /**
     * The outcome of a write: the object as the client sees it, whether it was created and, when
     * the client sees it exactly as stored (served in the storage version, written, not a dry run),
     * the bytes written to etcd and their revision, so the answer can be made from them instead of
     * encoding the object again.
     */
    public record WriteResult(ObjectNode object, boolean created, byte[] stored, long revision) {
        WriteResult(ObjectNode object, boolean created) {
            this(object, created, null, 0);
        }
    }

    /** The outcome of a delete: the object, and whether it is gone already or only marked. */
    public record DeleteResult(ObjectNode object, boolean deleted) {
    }

    /**
     * Answers namespace existence checks and PriorityClass lookups from these caches when they know
     * the object (see {@link ObjectCache}).
     */
    void useCaches(ObjectCache namespaces, ObjectCache priorityClasses) {
        this.namespaces = namespaces;
        this.priorityClasses = priorityClasses;
    }

    /** Keeps the admission caches in step with this server's own writes, before they are answered. */
    private void written(ResourceType st, String name, long revision, ObjectNode objectOrNull) {
        ObjectCache cache = isNamespaces(st) ? namespaces : PriorityAdmission.isPriorityClasses(st) ? priorityClasses : null;
        if (cache != null) {
            cache.observe(name, revision, objectOrNull);
        }
    }

    private static boolean isNamespaces(ResourceType st) {
        return st.group().isEmpty() && st.plural().equals("namespaces");
    }

    public EtcdStore etcd() {
        return etcd;
    }

    public static String key(ResourceType type, String namespace, String name) {
        return StorageKeys.object(type.group(), type.plural(), type.namespaced() ? namespace : null, name);
    }

    public static String prefix(ResourceType type, String namespace) {
        return StorageKeys.collection(type.group(), type.plural(), type.namespaced() ? namespace : null);
    }

    // ---------------------------------------------------------------- reads

    public CompletableFuture<ObjectNode> get(ResourceType type, String namespace, String name) {
        return etcd.get(key(type, namespace, name)).thenApply(found -> found
                .map(so -> fromStorage(type, decode(so)))
                .orElseThrow(() -> ApiException.notFound(type.group(), type.plural(), name)));
    }

    /** Reads an object in storage form, or empty. */
    CompletableFuture<Optional<ObjectNode>> find(ResourceType storageType, String namespace, String name) {
        return etcd.get(key(storageType, namespace, name)).thenApply(found -> found.map(ResourceStore::decode));
    }

    /**
     * Lists objects with selectors and paging. With {@code limit}, pages of the underlying keys
     * are read at one revision until enough objects pass the selectors, as kube-apiserver does,
     * so a page may hold fewer objects than asked for while more follow.
     */
    public CompletableFuture<ListResult> list(ResourceType type, String namespace, ListQuery query) {
        String prefix = prefix(type, namespace);
        long revision = 0;
        String start = null;
        if (query.continueToken() != null && !query.continueToken().isEmpty()) {
            ContinueToken token = ContinueToken.decode(query.continueToken());
            revision = token.revision();
            start = prefix + token.startKey();
        } else if (query.resourceVersion() != null && !query.resourceVersion().isEmpty()
                && !query.resourceVersion().equals("0") && "Exact".equals(query.resourceVersionMatch())) {
            revision = parseRevision(query.resourceVersion());
        }
        boolean fromToken = query.continueToken() != null && !query.continueToken().isEmpty();
        List<ObjectNode> out = new ArrayList<>();
        return listPages(type, prefix, start, revision, query, out).handle((page, t) -> {
            if (t != null) {
                Throwable cause = unwrap(t);
                if (cause instanceof StoreException.Expired) {
                    if (fromToken) {
                        throw ApiException.expired("The provided continue parameter is too old to display a consistent list result. "
                                + "You can start a new list without the continue parameter.");
                    }
                    throw ApiException.expired("too old resource version: " + query.resourceVersion());
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            String cont = page.hasMore() ? new ContinueToken(page.revision(), page.nextKey().substring(prefix.length())).encode() : null;
            Long remaining = page.hasMore() && !query.filters() ? page.remaining() : null;
            return new ListResult(out, String.valueOf(page.revision()), cont, remaining);
        });
    }

    /**
     * Lists without decoding: every stored object of the (unfiltered) collection goes to
     * {@code items} as etcd holds it, page by page, with the paging semantics of {@link #list}.
     * Only for resources served in their storage version and queries without selectors; the
     * answer's {@code items} is empty.
     */
    CompletableFuture<ListResult> listStored(ResourceType type, String namespace, ListQuery query, PageSink items) {
        if (query.filters() || !type.servedInStorageVersion()) {
            throw new IllegalArgumentException("listStored needs an unfiltered query of a resource served in its storage version");
        }
        String prefix = prefix(type, namespace);
        long revision = 0;
        String start = null;
        boolean fromToken = query.continueToken() != null && !query.continueToken().isEmpty();
        if (fromToken) {
            ContinueToken token = ContinueToken.decode(query.continueToken());
            revision = token.revision();
            start = prefix + token.startKey();
        } else if (query.resourceVersion() != null && !query.resourceVersion().isEmpty()
                && !query.resourceVersion().equals("0") && "Exact".equals(query.resourceVersionMatch())) {
            revision = parseRevision(query.resourceVersion());
        }
        return storedPages(prefix, start, revision, query.limit(), 0, items).handle((page, t) -> {
            if (t != null) {
                Throwable cause = unwrap(t);
                if (cause instanceof StoreException.Expired) {
                    if (fromToken) {
                        throw ApiException.expired("The provided continue parameter is too old to display a consistent list result. "
                                + "You can start a new list without the continue parameter.");
                    }
                    throw ApiException.expired("too old resource version: " + query.resourceVersion());
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            String cont = page.hasMore() ? new ContinueToken(page.revision(), page.nextKey().substring(prefix.length())).encode() : null;
            Long remaining = page.hasMore() ? page.remaining() : null;
            return new ListResult(List.of(), String.valueOf(page.revision()), cont, remaining);
        });
    }

    /**
     * Receives the pages of a stored list in order; the next page is read from etcd only when the
     * returned future completes, so a slow client holds back etcd instead of filling memory.
     */
    @FunctionalInterface
    interface PageSink {
        CompletableFuture<Void> page(long revision, List<StoredObject> items);
    }

    private CompletableFuture<ListPage> storedPages(String prefix, String start, long revision, int limit, int taken,
                                                    PageSink items) {
        boolean unlimited = limit <= 0;
        int want = unlimited ? ETCD_PAGE : Math.max(limit - taken, 1);
        return etcd.list(prefix, start, revision, want).thenCompose(page -> items.page(page.revision(), page.items())
                .thenCompose(v -> {
                    int total = taken + page.items().size();
                    if (page.hasMore() && (unlimited || total < limit)) {
                        return storedPages(prefix, page.nextKey(), page.revision(), limit, total, items);
                    }
                    return CompletableFuture.completedFuture(page);
                }));
    }

    private CompletableFuture<ListPage> listPages(ResourceType type, String prefix, String start, long revision,
                                                  ListQuery query, List<ObjectNode> out) {
        // Unlimited lists are still read from etcd in pages at one revision: one etcd answer must
        // stay under gRPC's message limit, whatever the collection's size.
        boolean unlimited = query.limit() <= 0;
        int want = unlimited ? ETCD_PAGE : Math.max(query.limit() - out.size(), 1);
        return etcd.list(prefix, start, revision, want).thenCompose(page -> {
            for (StoredObject so : page.items()) {
                ObjectNode obj = decode(so);
                if (query.labels().matches(obj) && query.fields().matches(obj)) {
                    out.add(fromStorage(type, obj));
                }
            }
            if (page.hasMore() && (unlimited || out.size() < query.limit())) {
                return listPages(type, prefix, page.nextKey(), page.revision(), query, out);
            }
            return CompletableFuture.completedFuture(page);
        });
    }

    // ---------------------------------------------------------------- create

    /**
     * Creates an object (in the request's version). Fails with 409 AlreadyExists, 404 or 403 for
     * a missing or terminating namespace, 422 with every field error, 413 when too large.
     */
    public CompletableFuture<ObjectNode> create(ResourceType type, String namespace, ObjectNode requested, WriteOptions options) {
        return createEncoded(type, namespace, requested, options).thenApply(WriteResult::object);
    }

    /** {@link #create}, also handing back the stored bytes (see {@link WriteResult}). */
    public CompletableFuture<WriteResult> createEncoded(ResourceType type, String namespace, ObjectNode requested, WriteOptions options) {
        ResourceType st = registry.storageType(type);
        ObjectNode obj = toStorage(type, requested);
        ObjectNode meta = KubeJson.with(obj, "metadata");
        if (st.namespaced()) {
            meta.put("namespace", namespace);
        } else {
            meta.remove("namespace");
        }
        resolveName(st, meta);
        Instant now = Instant.now();
        prepareForCreate(st, obj, now);
        ManagedFields.trackUpdate(null, obj, options.fieldManager(), "Update", "", now, st.modelClass());
        return admitAndCreate(type, st, obj, options);
    }

    /** Creates an object already prepared (system metadata set): the tail shared with apply-create. */
    private CompletableFuture<WriteResult> admitAndCreate(ResourceType type, ResourceType st, ObjectNode obj, WriteOptions options) {
        String namespace = KubeJson.text(obj, "metadata", "namespace");
        String name = KubeJson.text(obj, "metadata", "name");
        Defaults.apply(st, obj);
        if (st.kind().equals("Job") && st.group().equals("batch")) {
            Defaults.jobSelector(obj, KubeJson.text(obj, "metadata", "uid"));
        }
        List<FieldError> errors = Validation.validate(st, obj, null);
        if (!errors.isEmpty()) {
            return CompletableFuture.failedFuture(ApiException.invalid(type.group(), type.kind(), name, errors));
        }
        return checkNamespace(st, namespace, type)
                .thenCompose(v -> PriorityAdmission.isPods(st) ? priority.admit(obj, priorityClasses) : CompletableFuture.completedFuture(null))
                .thenCompose(v -> allocate(st, obj, null, options))
                .thenCompose(claims -> {
                    byte[] bytes = KubeJson.bytes(obj);
                    if (bytes.length > maxObjectBytes) {
                        allocator.release(claims.keys());
                        throw tooLarge(bytes.length);
                    }
                    if (options.dryRun()) {
                        return CompletableFuture.completedFuture(new WriteResult(fromStorage(type, obj), true));
                    }
                    CompletableFuture<Long> lease = st.kind().equals("Event") ? eventLeases.lease() : CompletableFuture.completedFuture(0L);
                    String key = key(st, namespace, name);
                    return lease.thenCompose(l -> etcd.create(key, bytes, l)
                                    .thenApply(rev -> {
                                        recent.put(new StoredObject(key, bytes, rev, rev, l));
                                        return rev;
                                    }))
                            .handle((rev, t) -> {
                                if (t != null) {
                                    allocator.release(claims.keys());
                                    throw translate(t, type, name);
                                }
                                withRevision(obj, rev);
                                written(st, name, rev, obj);
                                return new WriteResult(fromStorage(type, obj), true, type.servedInStorageVersion() ? bytes : null, rev);
                            });
                });
    }

    /** Refuses a request body that is already larger than any object etcd accepts (413). */
    void checkBodySize(int bodyBytes) {
        if (bodyBytes > maxObjectBytes) {
            throw tooLarge(bodyBytes);
        }
    }

    private ApiException tooLarge(int size) {
        return ApiException.tooLarge("the object is " + size + " bytes; the limit is " + maxObjectBytes + " bytes");
    }

    private void resolveName(ResourceType st, ObjectNode meta) {
        String name = meta.path("name").asText("");
        String generate = meta.path("generateName").asText("");
        if (name.isEmpty() && !generate.isEmpty()) {
            String base = generate.length() > 58 ? generate.substring(0, 58) : generate;
            StringBuilder b = new StringBuilder(base);
            for (int i = 0; i < 5; i++) {
                b.append(GENERATE_ALPHABET.charAt(RANDOM.nextInt(GENERATE_ALPHABET.length())));
            }
            meta.put("name", b.toString());
        } else if (name.isEmpty()) {
            throw ApiException.invalid(st.group(), st.kind(), "",
                    List.of(FieldError.required("metadata.name", "name or generateName is required")));
        }
    }

    private void prepareForCreate(ResourceType st, ObjectNode obj, Instant now) {
        ObjectNode meta = KubeJson.with(obj, "metadata");
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", timestamp(now));
        meta.remove("resourceVersion");
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        meta.remove("selfLink");
        meta.remove("managedFields");
        if (tracksGeneration(st, obj)) {
            meta.put("generation", 1);
        } else {
            meta.remove("generation");
        }
        ObjectStatus.resetOnCreate(st, obj);
    }

    // ---------------------------------------------------------------- update and patch

    /**
     * Replaces an object (PUT), or its status with {@code subresource = "status"}. A
     * resourceVersion in the body is a precondition (409 on mismatch); without one the update is
     * unconditional.
     */
    public CompletableFuture<WriteResult> update(ResourceType type, String namespace, String name, String subresource,
                                                 ObjectNode requested, WriteOptions options) {
        String rv = KubeJson.text(requested, "metadata", "resourceVersion");
        boolean pinned = rv != null && !rv.isEmpty();
        return write(type, namespace, name, subresource, options, pinned, (current, instant) -> {
            if (current == null) {
                return null;
            }
            if (pinned && !rv.equals(KubeJson.text(current, "metadata", "resourceVersion"))) {
                throw ApiException.conflict(type.group(), type.plural(), name,
                        "the object has been modified; please apply your changes to the latest version and try again");
            }
            return requested.deepCopy();
        }, CREATE_ON_UPDATE.contains(type.kind()) ? requested : null);
    }

    /** A function from the current object (request version, null when absent) to the desired one. */
    @FunctionalInterface
    public interface Mutation {
        ObjectNode apply(ObjectNode current, Instant now);
    }

    /**
     * Patches an object: {@code mutation} receives the current object (request version) and
     * returns the desired one; it is re-run on the fresh object when a concurrent write wins.
     * When the object is missing and {@code createWith} returns a body (server-side apply),
     * the object is created from it.
     */
    public CompletableFuture<WriteResult> patch(ResourceType type, String namespace, String name, String subresource,
                                                WriteOptions options, Mutation mutation, Function<Instant, ObjectNode> createWith) {
        return write(type, namespace, name, subresource, options, false, mutation, null)
                .exceptionallyCompose(t -> {
                    Throwable cause = unwrap(t);
                    if (createWith != null && cause instanceof ApiException ae && ae.code() == 404 && subresource == null) {
                        ObjectNode body = createWith.apply(Instant.now());
                        if (body != null) {
                            return createPrepared(type, namespace, body, options).thenApply(o -> new WriteResult(o, true));
                        }
                    }
                    return CompletableFuture.failedFuture(cause);
                });
    }

    /** Creates from a body whose managedFields are already set (server-side apply on a missing object). */
    private CompletableFuture<ObjectNode> createPrepared(ResourceType type, String namespace, ObjectNode requested, WriteOptions options) {
        ResourceType st = registry.storageType(type);
        ObjectNode obj = toStorage(type, requested);
        ObjectNode meta = KubeJson.with(obj, "metadata");
        JsonNode managed = meta.get("managedFields");
        if (st.namespaced()) {
            meta.put("namespace", namespace);
        }
        resolveName(st, meta);
        prepareForCreate(st, obj, Instant.now());
        if (managed != null) {
            meta.set("managedFields", managed);
        }
        return admitAndCreate(type, st, obj, options).thenApply(WriteResult::object);
    }

    private CompletableFuture<WriteResult> write(ResourceType type, String namespace, String name, String subresource,
                                                 WriteOptions options, boolean pinned, Mutation mutation, ObjectNode createBody) {
        ResourceType st = registry.storageType(type);
        return attempt(type, st, namespace, name, subresource, options, pinned, mutation, createBody,
                System.nanoTime() + UPDATE_RETRY_NANOS, null);
    }

    /**
     * One try of a write, from {@code known} (the current object a failed transaction handed back),
     * else from {@link #recent} when it has the key, else from an etcd read. A try that started
     * from {@link #recent} and did not commit is repeated from etcd's answer, as kube-apiserver's
     * GuaranteedUpdate does when it started from its cache: a precondition failure, a validation
     * error or a write that changes nothing may be an artefact of a stale copy.
     */
    private CompletableFuture<WriteResult> attempt(ResourceType type, ResourceType st, String namespace, String name,
                                                   String subresource, WriteOptions options, boolean pinned, Mutation mutation,
                                                   ObjectNode createBody, long deadline, Optional<StoredObject> known) {
        String key = key(st, namespace, name);
        StoredObject cached = known == null && !options.dryRun() ? recent.get(key) : null;
        // Set once the write is sent to etcd: what fails after that is no reason to read and try again.
        boolean[] sent = {false};
        CompletableFuture<Optional<StoredObject>> state = known != null ? CompletableFuture.completedFuture(known)
                : cached != null ? CompletableFuture.completedFuture(Optional.of(cached))
                : read(key);
        return state.thenCompose(found -> {
            if (found.isEmpty()) {
                if (createBody != null && subresource == null) {
                    return create(type, namespace, createBody, options).thenApply(o -> new WriteResult(o, true));
                }
                throw ApiException.notFound(type.group(), type.plural(), name);
            }
            StoredObject so = found.get();
            ObjectNode old = decode(so);
            Instant now = Instant.now();
            ObjectNode desiredInRequestVersion = mutation.apply(fromStorage(type, old.deepCopy()), now);
            ObjectNode desired = toStorage(type, desiredInRequestVersion);
            checkIdentity(type, desired, namespace, name);
            ObjectNode updated = prepareForUpdate(st, old, desired, subresource);
            carryServiceAddresses(st, old, updated);
            if (subresource == null && st.group().isEmpty() && st.kind().equals("Service")) {
                ServiceTypeChange.dropTypeDependentFields(old, updated);
            }
            Defaults.apply(st, updated);
            // Generation follows the defaulted spec, so a patch that omits defaults is not a change.
            if (tracksGeneration(st, updated) && specChanged(old, updated)) {
                KubeJson.with(updated, "metadata").put("generation", old.path("metadata").path("generation").asLong(0) + 1);
            }
            if (!updated.path("metadata").has("managedFields") || sameManagedFields(old, desired)) {
                ManagedFields.trackUpdate(old, updated, options.fieldManager(), "Update",
                        subresource == null ? "" : subresource, now, st.modelClass());
            }
            if (sameIgnoringManagedFields(old, updated)) {
                if (cached != null) {
                    throw new Unconfirmed();
                }
                return CompletableFuture.completedFuture(new WriteResult(fromStorage(type, old), false));
            }
            // A binding changes only spec.nodeName, which pod updates otherwise may not touch.
            List<FieldError> errors = "binding".equals(subresource) ? List.of() : Validation.validate(st, updated, old);
            if (!errors.isEmpty()) {
                throw ApiException.invalid(type.group(), type.kind(), name, errors);
            }
            return allocate(st, updated, old, options).thenCompose(claims -> {
                if (shouldDeleteNow(updated)) {
                    // The object goes: whatever this write claimed for it is free again either way.
                    if (options.dryRun()) {
                        allocator.release(claims.keys());
                        return CompletableFuture.completedFuture(new WriteResult(fromStorage(type, updated), false));
                    }
                    sent[0] = true;
                    return etcd.delete(key, so.modRevision()).whenComplete((rev, t) -> allocator.release(claims.keys()))
                            .thenCompose(rev -> releaseFor(st, old, null).thenApply(v -> {
                                recent.forget(key);
                                written(st, name, rev, null);
                                withRevision(updated, rev);
                                return new WriteResult(fromStorage(type, updated), false);
                            }));
                }
                byte[] bytes = KubeJson.bytes(updated);
                if (bytes.length > maxObjectBytes) {
                    allocator.release(claims.keys());
                    throw tooLarge(bytes.length);
                }
                if (options.dryRun()) {
                    allocator.release(claims.keys());
                    withRevision(updated, so.modRevision());
                    return CompletableFuture.completedFuture(new WriteResult(fromStorage(type, updated), false));
                }
                sent[0] = true;
                return etcd.update(key, bytes, so.modRevision(), so.lease()).handle((rev, t) -> {
                    if (t != null) {
                        allocator.release(claims.keys());
                        throw t instanceof CompletionException ce ? ce : new CompletionException(t);
                    }
                    return rev;
                }).thenCompose(rev -> releaseFor(st, old, updated).thenApply(v -> {
                    recent.put(new StoredObject(key, bytes, rev, so.createRevision(), so.lease()));
                    written(st, name, rev, updated);
                    withRevision(updated, rev);
                    return new WriteResult(fromStorage(type, updated), false,
                            type.servedInStorageVersion() ? bytes : null, rev);
                }));
            });
        }).exceptionallyCompose(t -> {
            Throwable cause = unwrap(t);
            if (cause instanceof StoreException.Conflict conflict) {
                recent.put(conflict.current());
                if (!pinned && System.nanoTime() < deadline) {
                    return attempt(type, st, namespace, name, subresource, options, pinned, mutation, createBody, deadline,
                            Optional.of(conflict.current()));
                }
            } else if (cached != null && !sent[0] && !(cause instanceof StoreException)) {
                // Reached from a copy that may be stale: confirm against etcd before answering.
                recent.forget(key);
                return read(key).thenCompose(found -> attempt(type, st, namespace, name, subresource, options, pinned,
                        mutation, createBody, deadline, found));
            } else if (cause instanceof StoreException.NotFound) {
                recent.forget(key);
                if (createBody != null && subresource == null) {
                    // Gone since the copy was made: a kind created by PUT is created now, as a read would have led to.
                    return attempt(type, st, namespace, name, subresource, options, pinned, mutation, createBody, deadline,
                            Optional.empty());
                }
            }
            return CompletableFuture.failedFuture(translate(cause, type, name));
        });
    }

    /** The object as etcd holds it now, remembered in {@link #recent}. */
    private CompletableFuture<Optional<StoredObject>> read(String key) {
        return etcd.get(key).thenApply(found -> {
            found.ifPresent(recent::put);
            return found;
        });
    }

    /** The failure inside however many CompletionExceptions wrap it. */
    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A try that started from {@link #recent} would change nothing: only an etcd read can confirm that. */
    private static final class Unconfirmed extends RuntimeException {
        Unconfirmed() {
            super(null, null, false, false);
        }
    }

    private static void checkIdentity(ResourceType type, ObjectNode desired, String namespace, String name) {
        String bodyName = KubeJson.text(desired, "metadata", "name");
        if (bodyName != null && !bodyName.isEmpty() && !bodyName.equals(name)) {
            throw ApiException.badRequest("the name of the object (" + bodyName
                    + ") does not match the name on the URL (" + name + ")");
        }
        ObjectNode meta = KubeJson.with(desired, "metadata");
        meta.put("name", name);
        if (type.namespaced()) {
            String bodyNs = meta.path("namespace").asText("");
            if (!bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta.put("namespace", namespace);
        }
    }

    /**
     * Carries system metadata over from the stored object and splits spec from status as the
     * status subresource requires.
     */
    private ObjectNode prepareForUpdate(ResourceType st, ObjectNode old, ObjectNode desired, String subresource) {
        ObjectNode updated;
        if ("status".equals(subresource)) {
            updated = old.deepCopy();
            if (desired.has("status")) {
                updated.set("status", desired.get("status"));
            } else {
                updated.remove("status");
            }
            JsonNode managed = desired.path("metadata").get("managedFields");
            if (managed != null) {
                KubeJson.with(updated, "metadata").set("managedFields", managed);
            }
        } else {
            updated = desired;
            // A binding writes spec.nodeName and the PodScheduled condition (Subresources.bind) on a
            // copy of the stored pod, so its status is the one to keep.
            if (st.hasStatus() && !"binding".equals(subresource)) {
                if (old.has("status")) {
                    updated.set("status", old.get("status"));
                } else {
                    updated.remove("status");
                }
            }
        }
        ObjectNode meta = KubeJson.with(updated, "metadata");
        ObjectNode oldMeta = (ObjectNode) old.get("metadata");
        for (String f : List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")) {
            if (oldMeta.has(f)) {
                meta.set(f, oldMeta.get(f));
            } else {
                meta.remove(f);
            }
        }
        if (!meta.has("managedFields") && oldMeta.has("managedFields")) {
            meta.set("managedFields", oldMeta.get("managedFields"));
        }
        meta.remove("resourceVersion");
        meta.remove("selfLink");
        return updated;
    }

    /** A Service update that leaves its addresses out keeps the allocated ones, as upstream. */
    private static void carryServiceAddresses(ResourceType st, ObjectNode old, ObjectNode updated) {
        if (!st.group().isEmpty() || !st.kind().equals("Service")) {
            return;
        }
        ObjectNode spec = KubeJson.with(updated, "spec");
        JsonNode oldSpec = old.path("spec");
        if (spec.path("clusterIP").asText("").isEmpty() && oldSpec.has("clusterIP")
                && !"ExternalName".equals(spec.path("type").asText())) {
            spec.set("clusterIP", oldSpec.get("clusterIP"));
            if (oldSpec.has("clusterIPs") && !spec.has("clusterIPs")) {
                spec.set("clusterIPs", oldSpec.get("clusterIPs"));
            }
        }
    }

    private static boolean tracksGeneration(ResourceType st, ObjectNode obj) {
        return st.isCustom() || obj.has("spec") || st.hasStatus();
    }

    private static boolean specChanged(ObjectNode old, ObjectNode updated) {
        return !equalExcept(old, updated, "metadata", "status");
    }

    /** Whether two objects are equal when the named fields are left out of both (no copies). */
    static boolean equalExcept(ObjectNode a, ObjectNode b, String skip1, String skip2) {
        boolean two = !skip1.equals(skip2);
        int sizeA = a.size() - (a.has(skip1) ? 1 : 0) - (two && a.has(skip2) ? 1 : 0);
        int sizeB = b.size() - (b.has(skip1) ? 1 : 0) - (two && b.has(skip2) ? 1 : 0);
        if (sizeA != sizeB) {
            return false;
        }
        for (var it = a.fields(); it.hasNext(); ) {
            var e = it.next();
            String k = e.getKey();
            if (k.equals(skip1) || k.equals(skip2)) {
                continue;
            }
            JsonNode other = b.get(k);
            if (other == null || !e.getValue().equals(other)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameIgnoringManagedFields(ObjectNode old, ObjectNode updated) {
        boolean same;
        if (old.get("metadata") instanceof ObjectNode oldMeta && updated.get("metadata") instanceof ObjectNode newMeta) {
            same = equalExcept(old, updated, "metadata", "metadata")
                    && equalExcept(oldMeta, newMeta, "managedFields", "resourceVersion");
        } else {
            ObjectNode a = old.deepCopy();
            ObjectNode b = updated.deepCopy();
            ((ObjectNode) a.get("metadata")).remove(List.of("managedFields", "resourceVersion"));
            ((ObjectNode) b.get("metadata")).remove(List.of("managedFields", "resourceVersion"));
            same = a.equals(b);
        }
        return same && (!updated.path("metadata").has("managedFields")
                || updated.path("metadata").path("managedFields").equals(old.path("metadata").path("managedFields"))
                || onlyTimestampsDiffer(old.path("metadata").path("managedFields"), updated.path("metadata").path("managedFields")));
    }

    private static boolean onlyTimestampsDiffer(JsonNode a, JsonNode b) {
        if (!a.isArray() || !b.isArray() || a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            ObjectNode x = a.get(i).deepCopy();
            ObjectNode y = b.get(i).deepCopy();
            x.remove("time");
            y.remove("time");
            if (!x.equals(y)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameManagedFields(ObjectNode old, ObjectNode desired) {
        return old.path("metadata").path("managedFields").equals(desired.path("metadata").path("managedFields"));
    }

    /** An object marked for deletion goes once no finalizer holds it and no grace period runs. */
    private static boolean shouldDeleteNow(ObjectNode obj) {
        JsonNode meta = obj.path("metadata");
        if (!meta.has("deletionTimestamp")) {
            return false;
        }
        if (meta.path("finalizers").isArray() && !meta.path("finalizers").isEmpty()) {
            return false;
        }
        if (obj.path("spec").path("finalizers").isArray() && !obj.path("spec").path("finalizers").isEmpty()
                && "Namespace".equals(obj.path("kind").asText())) {
            return false;
        }
        return meta.path("deletionGracePeriodSeconds").asLong(0) == 0;
    }

    // ---------------------------------------------------------------- delete

    /**
     * Deletes an object as Kubernetes does: preconditions on uid and resourceVersion; pods bound
     * to a node and objects with finalizers are only marked (deletionTimestamp) and stay until
     * their grace period ends or their finalizers are gone; Foreground and Orphan propagation
     * add the matching finalizer for the garbage collector.
     */
    public CompletableFuture<DeleteResult> delete(ResourceType type, String namespace, String name, JsonNode deleteOptions,
                                                  WriteOptions options) {
        ResourceType st = registry.storageType(type);
        return deleteAttempt(type, st, namespace, name, deleteOptions == null ? KubeJson.object() : deleteOptions, options,
                System.nanoTime() + UPDATE_RETRY_NANOS);
    }

    private CompletableFuture<DeleteResult> deleteAttempt(ResourceType type, ResourceType st, String namespace, String name,
                                                          JsonNode deleteOptions, WriteOptions options, long deadline) {
        String key = key(st, namespace, name);
        return etcd.get(key).thenCompose(found -> {
            StoredObject so = found.orElseThrow(() -> ApiException.notFound(type.group(), type.plural(), name));
            ObjectNode current = decode(so);
            withRevision(current, so.modRevision());
            checkPreconditions(type, name, current, deleteOptions.path("preconditions"));
            ObjectNode marked = current.deepCopy();
            ObjectNode meta = (ObjectNode) marked.get("metadata");
            ((ObjectNode) marked.get("metadata")).remove("resourceVersion");
            long grace = gracePeriod(st, current, deleteOptions);
            boolean changed = addPropagationFinalizer(meta, deleteOptions.path("propagationPolicy").asText(""),
                    deleteOptions.path("orphanDependents"));
            boolean hasFinalizers = meta.path("finalizers").isArray() && !meta.path("finalizers").isEmpty();
            boolean namespaceFinalizers = st.kind().equals("Namespace") && st.group().isEmpty()
                    && marked.path("spec").path("finalizers").isArray() && !marked.path("spec").path("finalizers").isEmpty();
            boolean alreadyMarked = meta.has("deletionTimestamp");
            if (hasFinalizers || grace > 0 || namespaceFinalizers) {
                Instant now = Instant.now();
                if (!alreadyMarked) {
                    meta.put("deletionTimestamp", timestamp(now.plusSeconds(grace)));
                    meta.put("deletionGracePeriodSeconds", grace);
                    if (meta.has("generation")) {
                        meta.put("generation", meta.path("generation").asLong() + 1);
                    }
                    changed = true;
                } else if (grace < meta.path("deletionGracePeriodSeconds").asLong(0)) {
                    meta.put("deletionTimestamp", timestamp(now.plusSeconds(grace)));
                    meta.put("deletionGracePeriodSeconds", grace);
                    changed = true;
                }
                if (namespaceFinalizers) {
                    KubeJson.with(marked, "status").put("phase", "Terminating");
                    changed = true;
                }
                if (!changed || options.dryRun()) {
                    return CompletableFuture.completedFuture(new DeleteResult(fromStorage(type, withRevision(marked, so.modRevision())), false));
                }
                byte[] markedBytes = KubeJson.bytes(marked);
                return etcd.update(key, markedBytes, so.modRevision(), so.lease())
                        .thenApply(rev -> {
                            recent.put(new StoredObject(key, markedBytes, rev, so.createRevision(), so.lease()));
                            written(st, name, rev, marked);
                            return new DeleteResult(fromStorage(type, withRevision(marked, rev)), false);
                        });
            }
            if (options.dryRun()) {
                return CompletableFuture.completedFuture(new DeleteResult(fromStorage(type, current), true));
            }
            return etcd.delete(key, so.modRevision())
                    .thenCompose(rev -> {
                        recent.forget(key);
                        written(st, name, rev, null);
                        return releaseFor(st, current, null).thenApply(v -> new DeleteResult(fromStorage(type, current), true));
                    });
        }).exceptionallyCompose(t -> {
            Throwable cause = unwrap(t);
            if (cause instanceof StoreException.Conflict && System.nanoTime() < deadline) {
                // Changed between the read and the delete: preconditions are checked again on the new object.
                return deleteAttempt(type, st, namespace, name, deleteOptions, options, deadline);
            }
            return CompletableFuture.failedFuture(translate(cause, type, name));
        });
    }

    private static void checkPreconditions(ResourceType type, String name, ObjectNode current, JsonNode pre) {
        String uid = pre.path("uid").asText("");
        if (!uid.isEmpty() && !uid.equals(KubeJson.text(current, "metadata", "uid"))) {
            throw ApiException.conflict(type.group(), type.plural(), name, "Precondition failed: UID in precondition: "
                    + uid + ", UID in object meta: " + KubeJson.text(current, "metadata", "uid"));
        }
        String rv = pre.path("resourceVersion").asText("");
        if (!rv.isEmpty() && !rv.equals(KubeJson.text(current, "metadata", "resourceVersion"))) {
            throw ApiException.conflict(type.group(), type.plural(), name, "Precondition failed: ResourceVersion in precondition: "
                    + rv + ", ResourceVersion in object meta: " + KubeJson.text(current, "metadata", "resourceVersion"));
        }
    }

    /** Pods bound to a node get their grace period; everything else is deleted at once. */
    private static long gracePeriod(ResourceType st, ObjectNode current, JsonNode deleteOptions) {
        if (!st.group().isEmpty() || !st.kind().equals("Pod")) {
            return 0;
        }
        if (current.path("spec").path("nodeName").asText("").isEmpty()
                || TERMINAL_PHASES.contains(current.path("status").path("phase").asText())) {
            return 0;
        }
        JsonNode requested = deleteOptions.get("gracePeriodSeconds");
        if (requested != null && requested.canConvertToLong()) {
            return Math.max(0, requested.asLong());
        }
        return current.path("spec").path("terminationGracePeriodSeconds").asLong(30);
    }

    private static boolean addPropagationFinalizer(ObjectNode meta, String policy, JsonNode orphanDependents) {
        String finalizer = switch (policy) {
            case "Foreground" -> "foregroundDeletion";
            case "Orphan" -> "orphan";
            default -> orphanDependents.asBoolean(false) ? "orphan" : null;
        };
        if (finalizer == null) {
            return false;
        }
        ArrayNode finalizers = meta.path("finalizers").isArray() ? (ArrayNode) meta.get("finalizers") : meta.putArray("finalizers");
        for (JsonNode f : finalizers) {
            if (f.asText().equals(finalizer)) {
                return false;
            }
        }
        finalizers.add(finalizer);
        return true;
    }

    // ---------------------------------------------------------------- helpers

    static boolean terminating(JsonNode ns) {
        return ns.path("metadata").has("deletionTimestamp") || "Terminating".equals(ns.path("status").path("phase").asText());
    }

    private CompletableFuture<Void> checkNamespace(ResourceType st, String namespace, ResourceType requestType) {
        if (!st.namespaced()) {
            return CompletableFuture.completedFuture(null);
        }
        ObjectCache cache = namespaces;
        if (cache != null && cache.get(namespace).filter(ns -> !terminating(ns)).isPresent()) {
            return CompletableFuture.completedFuture(null);
        }
        ResourceType namespaces = registry.find("", "v1", "namespaces").orElseThrow();
        return find(namespaces, null, namespace).thenAccept(ns -> {
            if (ns.isEmpty()) {
                throw ApiException.notFound("", "namespaces", namespace);
            }
            if (terminating(ns.get())) {
                throw new ApiException(403, "Forbidden", requestType.qualifiedResource() + " is forbidden: unable to create new content in namespace "
                        + namespace + " because it is being terminated", null, requestType.group(), requestType.plural(),
                        List.of(new ApiException.Cause(ApiException.Cause.NAMESPACE_TERMINATING,
                                "namespace " + namespace + " is terminating", "metadata.namespace")), null, null);
            }
        });
    }

    private CompletableFuture<ServiceAllocator.Claims> allocate(ResourceType st, ObjectNode obj, ObjectNode old, WriteOptions options) {
        if (st.group().isEmpty() && st.kind().equals("Service")) {
            return allocator.allocate(obj, old, options.dryRun());
        }
        return CompletableFuture.completedFuture(ServiceAllocator.Claims.none());
    }

    private CompletableFuture<Void> releaseFor(ResourceType st, ObjectNode before, ObjectNode after) {
        if (st.group().isEmpty() && st.kind().equals("Service")) {
            return allocator.releaseUnused(before, after);
        }
        return CompletableFuture.completedFuture(null);
    }

    private ObjectNode toStorage(ResourceType type, ObjectNode obj) {
        if (type.servedInStorageVersion()) {
            obj.put("apiVersion", type.apiVersion());
            obj.put("kind", type.kind());
            return obj;
        }
        ObjectNode converted = Conversion.convert(obj, type, registry.storageType(type));
        converted.put("apiVersion", registry.storageType(type).apiVersion());
        converted.put("kind", type.kind());
        return converted;
    }

    ObjectNode fromStorage(ResourceType type, ObjectNode obj) {
        if (type.servedInStorageVersion()) {
            return obj;
        }
        ObjectNode converted = Conversion.convert(obj, registry.storageType(type), type);
        converted.put("apiVersion", type.apiVersion());
        converted.put("kind", type.kind());
        return converted;
    }

    static ObjectNode decode(StoredObject so) {
        ObjectNode obj = (ObjectNode) KubeJson.read(so.value());
        return withRevision(obj, so.modRevision());
    }

    static ObjectNode withRevision(ObjectNode obj, long revision) {
        KubeJson.with(obj, "metadata").put("resourceVersion", String.valueOf(revision));
        return obj;
    }

    static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    static long parseRevision(String rv) {
        try {
            long r = Long.parseLong(rv);
            if (r < 0) {
                throw new NumberFormatException();
            }
            return r;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid resource version: " + rv);
        }
    }

    static RuntimeException translate(Throwable t, ResourceType type, String name) {
        Throwable cause = unwrap(t);
        if (cause instanceof ApiException ae) {
            return ae;
        }
        if (cause instanceof StoreException.AlreadyExists) {
            return ApiException.alreadyExists(type.group(), type.plural(), name);
        }
        if (cause instanceof StoreException.NotFound) {
            return ApiException.notFound(type.group(), type.plural(), name);
        }
        if (cause instanceof StoreException.Conflict) {
            return ApiException.conflict(type.group(), type.plural(), name,
                    "the object has been modified; please apply your changes to the latest version and try again");
        }
        if (cause instanceof StoreException.Expired e) {
            return ApiException.expired(e.getMessage());
        }
        if (cause instanceof StoreException.Unavailable u) {
            return ApiException.internal(u.getMessage());
        }
        return cause instanceof RuntimeException re ? re : new CompletionException(cause);
    }

    /** The opaque continue token: base64 of the list revision and the next key, as upstream's. */
    record ContinueToken(long revision, String startKey) {
        String encode() {
            ObjectNode n = KubeJson.object();
            n.put("v", "meta.k8s.io/v1");
            n.put("rv", revision);
            n.put("start", startKey);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(KubeJson.bytes(n));
        }

        static ContinueToken decode(String token) {
            try {
                JsonNode n = KubeJson.read(Base64.getUrlDecoder().decode(token.trim().replace('+', '-').replace('/', '_')));
                if (!"meta.k8s.io/v1".equals(n.path("v").asText()) || !n.has("rv") || !n.has("start")) {
                    throw new IllegalArgumentException();
                }
                return new ContinueToken(n.path("rv").asLong(), n.path("start").asText());
            } catch (RuntimeException e) {
                throw ApiException.badRequest("continue key is not valid: " + new String(token.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
            }
        }
    }
}
