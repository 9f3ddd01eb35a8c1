package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.selector.FieldSelector;
import io.capstan.api.selector.LabelSelector;
import io.capstan.api.status.ApiException;
import io.capstan.patch.JsonPatch;
import io.capstan.patch.MergePatch;
import io.capstan.patch.ServerSideApply;
import io.capstan.patch.StrategicMergePatch;
import io.capstan.printers.TablePrinter;
import io.capstan.store.StoredObject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Serves resource requests (everything under /api/v1 and /apis/g/v that names a resource):
 * finds the resource type, decodes the body, runs the verb against {@link ResourceStore} and
 * writes the answer in the negotiated form.
 */
final class ApiHandler {
    private static final int LIST_PIECE = 1024 * 1024;
    private static final byte[] COMMA = {','};
    private static final Set<String> WRITE_SUBRESOURCES = Set.of("status", "scale", "binding", "eviction", "finalize");

    private final ResourceRegistry registry;
    private final ResourceStore store;
    private final WatchStreamer watches;
    private final ApiMetrics metrics;
    private final NodeConnections nodeConnections;

    ApiHandler(ResourceRegistry registry, ResourceStore store, WatchStreamer watches, ApiMetrics metrics) {
        this.registry = registry;
        this.store = store;
        this.watches = watches;
        this.metrics = metrics;
        this.nodeConnections = new NodeConnections(registry, store);
    }

    void handle(RoutingContext ctx, RequestInfo info) {
        long start = System.nanoTime();
        ResourceType requested = registry.find(info.group(), info.version(), info.resource()).orElse(null);
        if (requested == null) {
            // Legacy binding collection: POST /api/v1/namespaces/ns/bindings
            if (info.group().isEmpty() && info.resource().equals("bindings") && info.verb().equals("create")) {
                ResourceType pods = registry.find("", "v1", "pods").orElseThrow();
                JsonNode binding = BodyCodec.parse(body(ctx), ctx.request().getHeader("Content-Type"), false);
                String name = binding.path("metadata").path("name").asText("");
                bind(ctx, pods, info.namespace(), name, binding, writeOptions(ctx, null), start, info);
                return;
            }
            throw notFoundPage();
        }
        ResourceType type = requested;
        if (!type.namespaced() && info.namespace() != null && !(type.plural().equals("namespaces"))) {
            throw notFoundPage();
        }
        if (type.namespaced() && info.namespace() == null && !(info.verb().equals("list") || info.verb().equals("watch"))) {
            throw notFoundPage();
        }
        if (nodeConnections.serves(type, info)) {
            nodeConnections.handle(ctx, type, info);
            return;
        }
        String sub = info.subresource();
        if (sub != null && !type.subresources().contains(sub) && !(type.isCustom() && customSubresource(type, sub))) {
            throw notFoundPage();
        }
        String ns = type.namespaced() ? info.namespace() : null;
        MediaTypes.Negotiated out = MediaTypes.negotiate(ctx.request().getHeader("Accept"));
        CompletableFuture<?> done = switch (info.verb()) {
            case "get" -> get(ctx, type, ns, info.name(), sub, out);
            case "list" -> list(ctx, type, ns, out);
            case "watch" -> watches.serve(ctx, type, ns, info.name(), query(ctx, type, info.name()), out);
            case "create" -> sub == null ? create(ctx, type, ns, out) : postSubresource(ctx, type, ns, info.name(), sub, out);
            case "update" -> update(ctx, type, ns, info.name(), sub, out);
            case "patch" -> patch(ctx, type, ns, info.name(), sub, out);
            case "delete" -> delete(ctx, type, ns, info.name(), out);
            case "deletecollection" -> deleteCollection(ctx, type, ns, out);
            default -> throw ApiException.methodNotAllowed("verb " + info.verb() + " is not supported");
        };
        done.whenComplete((v, t) -> {
            if (t != null) {
                Responses.error(ctx, t);
            }
            if (!info.verb().equals("watch")) {
                metrics.request(info.verb(), type, sub, ctx.response().getStatusCode(), System.nanoTime() - start);
            }
        });
    }

    private static boolean customSubresource(ResourceType type, String sub) {
        return type.crdVersion() != null && type.crdVersion().path("subresources").has(sub);
    }

    static ApiException notFoundPage() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource");
    }

    // ------------------------------------------------------------------ reads

    private CompletableFuture<?> get(RoutingContext ctx, ResourceType type, String ns, String name, String sub,
                                     MediaTypes.Negotiated out) {
        return store.get(type, ns, name).thenAccept(obj -> {
            if ("scale".equals(sub)) {
                Responses.json(ctx, 200, Subresources.scaleOf(type, obj), out.yaml(), List.of());
                return;
            }
            writeObject(ctx, 200, type, obj, out, List.of());
        });
    }

    private CompletableFuture<?> list(RoutingContext ctx, ResourceType type, String ns, MediaTypes.Negotiated out) {
        ListQuery query = query(ctx, type, null);
        String includeObject = param(ctx, "includeObject");
        if (includeObject != null && !TablePrinter.INCLUDE_OBJECT_POLICIES.contains(includeObject)) {
            throw ApiException.badRequest("includeObject: Unsupported value: \"" + includeObject + "\"");
        }
        if (out.target() == MediaTypes.Target.OBJECT && !out.yaml() && !query.filters() && type.servedInStorageVersion()) {
            return listStored(ctx, type, ns, query);
        }
        return store.list(type, ns, query).thenAccept(result -> {
            switch (out.target()) {
                case TABLE -> Responses.json(ctx, 200, TablePrinter.table(type, result.items(), result.resourceVersion(),
                        result.continueToken(), result.remainingItemCount(), includeObject, Instant.now()), out.yaml(), List.of());
                case PARTIAL_METADATA -> {
                    ObjectNode list = listEnvelope("PartialObjectMetadataList", "meta.k8s.io/v1", result);
                    ArrayNode items = list.putArray("items");
                    result.items().forEach(o -> items.add(partial(o)));
                    Responses.json(ctx, 200, list, out.yaml(), List.of());
                }
                default -> {
                    ObjectNode list = listEnvelope(type.listKind(), type.apiVersion(), result);
                    ArrayNode items = list.putArray("items");
                    result.items().forEach(items::add);
                    Responses.json(ctx, 200, list, out.yaml(), List.of());
                }
            }
        });
    }

    /**
     * A plain JSON list answered from the stored bytes: each item is etcd's value with its
     * resourceVersion spliced in, so no item is decoded or encoded (objects that cannot be
     * spliced are decoded and encoded as usual). The same JSON as encoding the list tree.
     * Unlimited lists stream: the head goes out with etcd's first page (whose revision is the
     * list's resourceVersion) and each page follows as it is read, so memory holds one page, not
     * the collection. Paged lists (limit) are small and carry a continue token in their head, so
     * they are assembled first.
     */
    private CompletableFuture<?> listStored(RoutingContext ctx, ResourceType type, String ns, ListQuery query) {
        boolean streaming = query.limit() <= 0 && (query.continueToken() == null || query.continueToken().isEmpty());
        HttpServerResponse r = ctx.response();
        List<Buffer> pieces = new ArrayList<>();
        boolean[] started = {false};
        int[] count = {0};
        return store.listStored(type, ns, query, (revision, items) -> {
            Buffer page = Buffer.buffer(LIST_PIECE + 8 * 1024);
            for (StoredObject so : items) {
                byte[] sep = count[0]++ == 0 ? null : COMMA;
                Buffer item = StoredJson.withResourceVersion(so.value(), so.modRevision(), sep, null);
                if (item == null) {
                    if (sep != null) {
                        page.appendBytes(sep);
                    }
                    page.appendBytes(KubeJson.bytes(ResourceStore.decode(so)));
                } else {
                    page.appendBuffer(item);
                }
            }
            if (!streaming) {
                pieces.add(page);
                return CompletableFuture.completedFuture(null);
            }
            if (r.ended() || r.closed()) {
                throw new java.util.concurrent.CancellationException("the client went away");
            }
            if (!started[0]) {
                started[0] = true;
                r.setStatusCode(200);
                r.putHeader("Content-Type", MediaTypes.JSON);
                r.putHeader("Cache-Control", "no-cache, private");
                r.setChunked(true);
                r.write(listHead(type, new ListResult(List.of(), String.valueOf(revision), null, null)));
            }
            r.write(page);
            if (!r.writeQueueFull()) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> drained = new CompletableFuture<>();
            r.drainHandler(v -> drained.complete(null));
            if (!r.writeQueueFull()) {
                drained.complete(null);
            }
            return drained;
        }).handle((result, t) -> {
            if (t != null) {
                if (started[0]) {
                    // The head is out: a Status can no longer be sent, so the truncated body must fail the client.
                    r.reset();
                    return null;
                }
                throw t instanceof java.util.concurrent.CompletionException ce ? ce : new java.util.concurrent.CompletionException(t);
            }
            if (streaming) {
                if (!started[0]) {
                    r.setStatusCode(200);
                    r.putHeader("Content-Type", MediaTypes.JSON);
                    r.putHeader("Cache-Control", "no-cache, private");
                    r.setChunked(true);
                    r.write(listHead(type, result));
                }
                r.end(Buffer.buffer("]}"));
                return null;
            }
            Buffer head = listHead(type, result);
            long length = head.length() + 2;
            for (Buffer b : pieces) {
                length += b.length();
            }
            if (r.ended() || r.closed()) {
                return null;
            }
            r.setStatusCode(200);
            r.putHeader("Content-Type", MediaTypes.JSON);
            r.putHeader("Cache-Control", "no-cache, private");
            r.putHeader("Content-Length", String.valueOf(length));
            r.write(head);
            for (Buffer b : pieces) {
                r.write(b);
            }
            r.end(Buffer.buffer("]}"));
            return null;
        });
    }

    /** {"kind":..,"apiVersion":..,"metadata":{..},"items":[ */
    private static Buffer listHead(ResourceType type, ListResult result) {
        byte[] envelope = KubeJson.bytes(listEnvelope(type.listKind(), type.apiVersion(), result));
        return Buffer.buffer(envelope.length + 10).appendBytes(envelope, 0, envelope.length - 1).appendString(",\"items\":[");
    }

    private static ObjectNode listEnvelope(String kind, String apiVersion, ListResult result) {
        ObjectNode list = KubeJson.object();
        list.put("kind", kind);
        list.put("apiVersion", apiVersion);
        ObjectNode meta = list.putObject("metadata");
        meta.put("resourceVersion", result.resourceVersion());
        if (result.continueToken() != null) {
            meta.put("continue", result.continueToken());
        }
        if (result.remainingItemCount() != null) {
            meta.put("remainingItemCount", result.remainingItemCount());
        }
        return list;
    }

    static ObjectNode partial(ObjectNode obj) {
        ObjectNode p = KubeJson.object();
        p.put("kind", "PartialObjectMetadata");
        p.put("apiVersion", "meta.k8s.io/v1");
        p.set("metadata", obj.path("metadata").deepCopy());
        return p;
    }

    ListQuery query(RoutingContext ctx, ResourceType type, String name) {
        int limit = 0;
        String l = param(ctx, "limit");
        if (l != null && !l.isEmpty()) {
            try {
                limit = Math.max(0, Integer.parseInt(l));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("limit: Invalid value: \"" + l + "\": must be an integer");
            }
        }
        FieldSelector fields = FieldSelector.parse(param(ctx, "fieldSelector"), type.isCustom() ? "" : type.kind());
        String match = param(ctx, "resourceVersionMatch");
        if (match != null && !match.isEmpty() && !match.equals("Exact") && !match.equals("NotOlderThan")) {
            throw ApiException.badRequest("resourceVersionMatch: Unsupported value: \"" + match
                    + "\": supported values: \"Exact\", \"NotOlderThan\"");
        }
        return new ListQuery(LabelSelector.parse(param(ctx, "labelSelector")), fields, limit, param(ctx, "continue"),
                param(ctx, "resourceVersion"), match);
    }

    // ------------------------------------------------------------------ writes

    private CompletableFuture<?> create(RoutingContext ctx, ResourceType type, String ns, MediaTypes.Negotiated out) {
        WriteOptions options = writeOptions(ctx, null);
        ObjectNode obj = BodyCodec.decodeObject(body(ctx), ctx.request().getHeader("Content-Type"), type, options);
        String bodyNs = obj.path("metadata").path("namespace").asText("");
        if (type.namespaced() && !bodyNs.isEmpty() && !bodyNs.equals(ns)) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        return store.createEncoded(type, ns, obj, options).thenAccept(r -> writeResult(ctx, type, r, out, options.warnings()));
    }

    private CompletableFuture<?> update(RoutingContext ctx, ResourceType type, String ns, String name, String sub,
                                        MediaTypes.Negotiated out) {
        if (sub != null && !WRITE_SUBRESOURCES.contains(sub)) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        WriteOptions options = writeOptions(ctx, null);
        if ("scale".equals(sub)) {
            JsonNode scale = BodyCodec.parse(body(ctx), ctx.request().getHeader("Content-Type"), false);
            return store.patch(type, ns, name, "scale", options, (cur, now) -> Subresources.applyScale(type, cur, scale), null)
                    .thenAccept(r -> Responses.json(ctx, 200, Subresources.scaleOf(type, r.object()), out.yaml(), options.warnings()));
        }
        ObjectNode obj = BodyCodec.decodeObject(body(ctx), ctx.request().getHeader("Content-Type"), type, options);
        if ("finalize".equals(sub)) {
            return store.patch(type, ns, name, "finalize", options, (cur, now) -> {
                KubeJson.with(cur, "spec").set("finalizers", obj.path("spec").path("finalizers").deepCopy());
                return cur;
            }, null).thenAccept(r -> writeResult(ctx, type, r, out, options.warnings()));
        }
        return store.update(type, ns, name, sub, obj, options)
                .thenAccept(r -> writeResult(ctx, type, r, out, options.warnings()));
    }

    private CompletableFuture<?> postSubresource(RoutingContext ctx, ResourceType type, String ns, String name, String sub,
                                                 MediaTypes.Negotiated out) {
        WriteOptions options = writeOptions(ctx, null);
        JsonNode body = BodyCodec.parse(body(ctx), ctx.request().getHeader("Content-Type"), false);
        return switch (sub) {
            case "binding" -> {
                bind(ctx, type, ns, name, body, options, System.nanoTime(), null);
                yield CompletableFuture.completedFuture(null);
            }
            case "eviction" -> store.delete(type, ns, name, body.path("deleteOptions"), options)
                    .thenAccept(r -> Responses.json(ctx, 201, success(), false, options.warnings()));
            default -> throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        };
    }

    private void bind(RoutingContext ctx, ResourceType pods, String ns, String name, JsonNode binding, WriteOptions options,
                      long start, RequestInfo info) {
        store.patch(pods, ns, name, "binding", options, (cur, now) -> Subresources.bind(cur, binding), null)
                .whenComplete((r, t) -> {
                    if (t != null) {
                        Responses.error(ctx, t);
                    } else {
                        Responses.json(ctx, 201, success(), false, options.warnings());
                    }
                    if (info != null) {
                        metrics.request("create", pods, "binding", ctx.response().getStatusCode(), System.nanoTime() - start);
                    }
                });
    }

    private static ObjectNode success() {
        ObjectNode s = KubeJson.object();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        s.put("code", 201);
        return s;
    }

    private CompletableFuture<?> patch(RoutingContext ctx, ResourceType type, String ns, String name, String sub,
                                       MediaTypes.Negotiated out) {
        if (sub != null && !WRITE_SUBRESOURCES.contains(sub)) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        String contentType = MediaTypes.base(ctx.request().getHeader("Content-Type"));
        boolean apply = MediaTypes.APPLY_PATCH.equals(contentType);
        WriteOptions options = writeOptions(ctx, apply ? "" : null);
        if (apply && (options.fieldManager() == null || options.fieldManager().isEmpty())) {
            throw ApiException.invalid("meta.k8s.io", "PatchOptions", "", List.of(io.capstan.api.status.FieldError.required(
                    "fieldManager", "is required for apply patch")));
        }
        if (!apply && options.force()) {
            throw ApiException.invalid("meta.k8s.io", "PatchOptions", "", List.of(io.capstan.api.status.FieldError.forbidden(
                    "force", "may not be specified for non-apply patch")));
        }
        if (contentType == null || !(contentType.equals(MediaTypes.JSON_PATCH) || contentType.equals(MediaTypes.MERGE_PATCH)
                || contentType.equals(MediaTypes.STRATEGIC_MERGE_PATCH) || apply)) {
            throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                    + (type.isCustom() ? "" : ", application/strategic-merge-patch+json"));
        }
        if (contentType.equals(MediaTypes.STRATEGIC_MERGE_PATCH) && type.isCustom()) {
            throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
        JsonNode patch = BodyCodec.parse(body(ctx), contentType, options.fieldValidation() == WriteOptions.FieldValidation.STRICT);
        String subresource = sub == null ? "" : sub;
        if ("scale".equals(sub)) {
            return store.patch(type, ns, name, "scale", options, (cur, now) -> {
                ObjectNode scale = Subresources.scaleOf(type, cur);
                JsonNode patched = applyPatch(contentType, scale, patch, null, options, subresource, now, type);
                return Subresources.applyScale(type, cur, patched);
            }, null).thenAccept(r -> Responses.json(ctx, 200, Subresources.scaleOf(type, r.object()), out.yaml(), options.warnings()));
        }
        if (apply) {
            if (!(patch instanceof ObjectNode applied)) {
                throw ApiException.badRequest("the apply patch must be a YAML or JSON object");
            }
            BodyCodec.checkTypeMeta(applied, type);
            BodyCodec.checkUnknownFields(applied, type, options);
        }
        return store.patch(type, ns, name, sub, options,
                (cur, now) -> {
                    JsonNode result = applyPatch(contentType, cur, patch, type.modelClass(), options, subresource, now, type);
                    if (!(result instanceof ObjectNode o)) {
                        throw ApiException.badRequest("the patch produced a result that is not an object");
                    }
                    BodyCodec.checkTypeMeta(o, type);
                    if (!apply) {
                        BodyCodec.checkUnknownFields(o, type, options);
                    }
                    return o;
                },
                apply ? now -> {
                    ObjectNode created = ServerSideApply.apply(null, ((ObjectNode) patch).deepCopy(), options.fieldManager(),
                            options.force(), type.modelClass(), subresource, now);
                    KubeJson.with(created, "metadata").put("name", name);
                    return created;
                } : null)
                .thenAccept(r -> writeResult(ctx, type, r, out, options.warnings()));
    }

    private static JsonNode applyPatch(String contentType, ObjectNode current, JsonNode patch, Class<?> model,
                                       WriteOptions options, String subresource, Instant now, ResourceType type) {
        return switch (contentType) {
            case MediaTypes.JSON_PATCH -> JsonPatch.apply(current, patch);
            case MediaTypes.MERGE_PATCH -> MergePatch.apply(current, patch);
            case MediaTypes.STRATEGIC_MERGE_PATCH -> StrategicMergePatch.apply(current, patch, model);
            case MediaTypes.APPLY_PATCH -> ServerSideApply.apply(current, ((ObjectNode) patch).deepCopy(), options.fieldManager(),
                    options.force(), model, subresource, now);
            default -> throw ApiException.unsupportedMediaType(contentType);
        };
    }

    private CompletableFuture<?> delete(RoutingContext ctx, ResourceType type, String ns, String name, MediaTypes.Negotiated out) {
        WriteOptions options = writeOptions(ctx, null);
        JsonNode deleteOptions = deleteOptions(ctx);
        return store.delete(type, ns, name, deleteOptions, options).thenAccept(r -> {
            if (type.plural().equals("namespaces") || !r.deleted()) {
                writeObject(ctx, r.deleted() ? 200 : 202, type, r.object(), out, options.warnings());
                return;
            }
            writeObject(ctx, 200, type, r.object(), out, options.warnings());
        });
    }

    private CompletableFuture<?> deleteCollection(RoutingContext ctx, ResourceType type, String ns, MediaTypes.Negotiated out) {
        WriteOptions options = writeOptions(ctx, null);
        JsonNode deleteOptions = deleteOptions(ctx);
        ListQuery query = query(ctx, type, null);
        ListQuery unpaged = new ListQuery(query.labels(), query.fields(), 0, null, null, null);
        return store.list(type, ns, unpaged).thenCompose(result -> {
            List<CompletableFuture<Optional<ObjectNode>>> deletes = new ArrayList<>();
            for (ObjectNode item : result.items()) {
                String itemNs = KubeJson.text(item, "metadata", "namespace");
                String itemName = KubeJson.text(item, "metadata", "name");
                deletes.add(store.delete(type, itemNs, itemName, deleteOptions, options)
                        .thenApply(r -> Optional.of(r.object()))
                        .exceptionally(t -> Optional.empty()));
            }
            return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).thenAccept(v -> {
                ObjectNode list = listEnvelope(type.listKind(), type.apiVersion(), new ListResult(List.of(), result.resourceVersion(), null, null));
                ArrayNode items = list.putArray("items");
                deletes.forEach(d -> d.join().ifPresent(items::add));
                Responses.json(ctx, 200, list, out.yaml(), options.warnings());
            });
        });
    }

    private JsonNode deleteOptions(RoutingContext ctx) {
        byte[] body = body(ctx);
        ObjectNode opts = KubeJson.object();
        if (body != null && body.length > 0) {
            JsonNode parsed = BodyCodec.parse(body, ctx.request().getHeader("Content-Type"), false);
            if (parsed instanceof ObjectNode o) {
                opts = o;
            }
        }
        String grace = param(ctx, "gracePeriodSeconds");
        if (grace != null && !grace.isEmpty()) {
            opts.put("gracePeriodSeconds", Long.parseLong(grace));
        }
        String policy = param(ctx, "propagationPolicy");
        if (policy != null && !policy.isEmpty()) {
            opts.put("propagationPolicy", policy);
        }
        String pp = opts.path("propagationPolicy").asText("");
        if (!pp.isEmpty() && !Set.of("Orphan", "Background", "Foreground").contains(pp)) {
            throw ApiException.invalid("meta.k8s.io", "DeleteOptions", "", List.of(io.capstan.api.status.FieldError.notSupported(
                    "propagationPolicy", pp, List.of("Foreground", "Background", "Orphan"))));
        }
        return opts;
    }

    // ------------------------------------------------------------------ helpers

    /** A write's answer: the stored bytes with their resourceVersion (no second encoding) when the client sees the object as stored. */
    private void writeResult(RoutingContext ctx, ResourceType type, ResourceStore.WriteResult r, MediaTypes.Negotiated out,
                             List<String> warnings) {
        int status = r.created() ? 201 : 200;
        if (r.stored() != null && out.target() == MediaTypes.Target.OBJECT && !out.yaml()) {
            Buffer json = StoredJson.withResourceVersion(r.stored(), r.revision(), null, null);
            if (json != null) {
                Responses.json(ctx, status, json, warnings);
                return;
            }
        }
        writeObject(ctx, status, type, r.object(), out, warnings);
    }

    private void writeObject(RoutingContext ctx, int status, ResourceType type, ObjectNode obj, MediaTypes.Negotiated out,
                             List<String> warnings) {
        switch (out.target()) {
            case TABLE -> Responses.json(ctx, status, TablePrinter.table(type, List.of(obj), null, null, null,
                    param(ctx, "includeObject"), Instant.now()), out.yaml(), warnings);
            case PARTIAL_METADATA -> Responses.json(ctx, status, partial(obj), out.yaml(), warnings);
            default -> Responses.json(ctx, status, obj, out.yaml(), warnings);
        }
    }

    private static WriteOptions writeOptions(RoutingContext ctx, String defaultManager) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        ctx.queryParams().forEach(e -> query.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        String manager = defaultManager != null ? defaultManager : userAgentManager(ctx.request().getHeader("User-Agent"));
        return WriteOptions.fromQuery(query, manager);
    }

    /** Upstream's default field manager: the user agent's first token ("kubectl", "helm"). */
    private static String userAgentManager(String userAgent) {
        if (userAgent == null || userAgent.isEmpty()) {
            return "unknown";
        }
        String first = userAgent.split("/")[0].trim();
        return first.length() > 128 ? first.substring(0, 128) : first;
    }

    static String param(RoutingContext ctx, String name) {
        return ctx.queryParams().get(name);
    }

    byte[] body(RoutingContext ctx) {
        byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        store.checkBodySize(body.length);
        return body;
    }
}
