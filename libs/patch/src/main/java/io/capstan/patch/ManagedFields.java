package io.capstan.patch;

import io.capstan.api.json.KubeJson;
import io.capstan.api.schema.FieldMeta;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Field ownership tracking in {@code metadata.managedFields}, as kube-apiserver's field manager
 * does it for non-apply writes (create, update, JSON/merge/strategic patch).
 */
public final class ManagedFields {
    static final String APPLY = "Apply";
    static final String UPDATE = "Update";

    /**
     * Paths nobody owns (stripMetaManager upstream, plus the deletion fields the server sets):
     * they are identity or server-maintained, so owning them would only create false conflicts.
     */
    static final FieldSet UNOWNED = FieldSet.parse(KubeJson.read(("""
            {"f:apiVersion":{},"f:kind":{},"f:metadata":{".":{},"f:name":{},"f:namespace":{},
             "f:creationTimestamp":{},"f:selfLink":{},"f:uid":{},"f:clusterName":{},"f:generation":{},
             "f:managedFields":{},"f:resourceVersion":{},"f:deletionTimestamp":{},
             "f:deletionGracePeriodSeconds":{}}}""").getBytes(StandardCharsets.UTF_8)));

    private ManagedFields() {
    }

    /**
     * Records that {@code manager} wrote {@code updated}: the fields that differ from {@code old}
     * (every set field on create) join this manager's entry for {@code operation}, apiVersion and
     * subresource, and leave every other manager's entry; fields that disappeared leave every entry;
     * entries left empty are dropped. Mutates {@code updated.metadata.managedFields} only.
     *
     * <p>As kube-apiserver does: the managedFields of {@code updated} are honoured when the client
     * sent some (an update may rewrite ownership), otherwise {@code old}'s are used; a client that
     * sends {@code managedFields: []} resets tracking, and an update to an object that has no
     * managedFields does not start tracking. On the {@code status} subresource only {@code old}'s
     * managedFields count. Changes to {@code status} through the main resource of a built-in kind
     * and to {@code spec} through {@code status} are not tracked, since those writes are reset.
     *
     * @param old         the stored object, or null on create
     * @param updated     the object about to be stored
     * @param manager     the fieldManager (the caller defaults it from the user agent)
     * @param operation   "Update" for every non-apply write
     * @param subresource "" for the main resource, or e.g. "status"
     * @param now         the entry time, written with seconds precision in UTC
     * @param modelClass  the fabric8 class of the object, or null for a custom resource
     */
    public static void trackUpdate(ObjectNode old, ObjectNode updated, String manager, String operation,
                                   String subresource, Instant now, Class<?> modelClass) {
        Objects.requireNonNull(updated, "updated");
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(operation, "operation");
        String sub = subresource == null ? "" : subresource;
        List<Entry> entries = entriesForUpdate(old, updated, sub);
        ObjectNode metadata = KubeJson.with(updated, "metadata");
        if (old != null && entries.isEmpty()) {
            metadata.remove("managedFields");
            return;
        }
        JavaType root = ModelTypes.root(modelClass);
        String apiVersion = apiVersion(updated, old);
        // Compared in place: metadata.managedFields and the ignored top-level fields are skipped
        // during the walk rather than removed from deep copies of both objects.
        Diff diff = compare(old, updated, root, ignoredScope(root, sub), true);
        Entry self = new Entry(manager, operation, apiVersion, null, sub, FieldSet.empty());
        FieldSet touched = diff.modified().union(diff.added());
        FieldSet owned = touched.difference(UNOWNED);
        List<Entry> out = new ArrayList<>();
        Entry previous = null;
        for (Entry e : entries) {
            Entry reduced = e.withFields(e.fields().difference(touched).difference(diff.removed()));
            if (e.sameManager(self)) {
                previous = reduced;
            } else {
                out.add(reduced);
            }
        }
        if (!owned.isEmpty()) {
            FieldSet merged = previous == null ? owned : previous.fields().union(owned);
            out.add(self.withFields(merged).withTime(format(now)));
        } else if (previous != null) {
            out.add(previous);
        }
        write(updated, out);
    }

    private static List<Entry> entriesForUpdate(ObjectNode old, ObjectNode updated, String subresource) {
        List<Entry> live = decodeOrEmpty(managedFieldsOf(old));
        if (!subresource.isEmpty()) {
            return live;
        }
        JsonNode sent = managedFieldsOf(updated);
        if (sent != null && sent.isArray()
                && (sent.isEmpty() || (sent.size() == 1 && sent.get(0).isObject() && sent.get(0).isEmpty()))) {
            return List.of();
        }
        List<Entry> fromRequest = decodeOrEmpty(sent);
        return fromRequest.isEmpty() ? live : fromRequest;
    }

    /** Top-level fields whose writes the server resets for this subresource, so nobody owns them. */
    static Set<String> ignoredScope(JavaType root, String subresource) {
        if ("status".equals(subresource)) {
            return Set.of("spec");
        }
        if (subresource.isEmpty() && ModelTypes.isBean(root) && root.getRawClass() != ModelTypes.Untyped.class
                && ModelTypes.isDeclaredField(root, "status")) {
            return Set.of("status");
        }
        return Set.of();
    }

    static String apiVersion(JsonNode primary, JsonNode fallback) {
        String v = primary == null ? null : KubeJson.text(primary, "apiVersion");
        if (v == null && fallback != null) {
            v = KubeJson.text(fallback, "apiVersion");
        }
        return v == null ? "" : v;
    }

    static String format(Instant now) {
        return DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    }

    static JsonNode managedFieldsOf(JsonNode object) {
        if (object == null) {
            return null;
        }
        JsonNode metadata = object.get("metadata");
        return metadata == null ? null : metadata.get("managedFields");
    }

    static ObjectNode withoutManagedFields(ObjectNode object) {
        if (object == null) {
            return null;
        }
        ObjectNode copy = object.deepCopy();
        if (copy.get("metadata") instanceof ObjectNode m) {
            m.remove("managedFields");
        }
        return copy;
    }

    /** Decodes managedFields; undecodable or duplicated entries count as none, as upstream does. */
    static List<Entry> decodeOrEmpty(JsonNode managedFields) {
        if (managedFields == null || !managedFields.isArray()) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try {
            for (JsonNode e : managedFields) {
                if (!e.isObject() || !e.path("manager").isTextual() || !e.path("operation").isTextual()) {
                    return List.of();
                }
                String fieldsType = e.path("fieldsType").asText("FieldsV1");
                if (!"FieldsV1".equals(fieldsType)) {
                    return List.of();
                }
                Entry entry = new Entry(e.get("manager").asText(), e.get("operation").asText(),
                        e.path("apiVersion").asText(""), e.hasNonNull("time") ? e.get("time").asText() : null,
                        e.path("subresource").asText(""), FieldSet.parse(e.get("fieldsV1")));
                if (out.stream().anyMatch(entry::sameManager)) {
                    return List.of();
                }
                out.add(entry);
            }
        } catch (IllegalArgumentException malformed) {
            return List.of();
        }
        return out;
    }

    /** Writes entries in kube-apiserver's order: Apply before Update, then by time, manager, version, subresource. */
    static void write(ObjectNode object, List<Entry> entries) {
        ObjectNode metadata = KubeJson.with(object, "metadata");
        // each entry's time parsed once, not in every comparison
        List<Timed> kept = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            if (!e.fields().isEmpty()) {
                kept.add(new Timed(e, e.time() == null ? Instant.EPOCH : parseTime(e.time())));
            }
        }
        if (kept.isEmpty()) {
            metadata.remove("managedFields");
            return;
        }
        kept.sort(Comparator.comparing((Timed t) -> t.entry().operation())
                .thenComparing(Timed::time)
                .thenComparing(t -> t.entry().manager())
                .thenComparing(t -> t.entry().apiVersion())
                .thenComparing(t -> t.entry().subresource()));
        ArrayNode out = metadata.putArray("managedFields");
        for (Timed t : kept) {
            out.add(t.entry().toJson());
        }
    }

    private record Timed(Entry entry, Instant time) {
    }

    private static Instant parseTime(String time) {
        try {
            return Instant.parse(time);
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    /** One managedFields entry. Apply entries are identified without their apiVersion, as upstream. */
    record Entry(String manager, String operation, String apiVersion, String time, String subresource, FieldSet fields) {
        boolean sameManager(Entry other) {
            return manager.equals(other.manager) && operation.equals(other.operation)
                    && subresource.equals(other.subresource)
                    && (APPLY.equals(operation) || apiVersion.equals(other.apiVersion));
        }

        Entry withFields(FieldSet f) {
            return new Entry(manager, operation, apiVersion, time, subresource, f);
        }

        Entry withTime(String t) {
            return new Entry(manager, operation, apiVersion, t, subresource, fields);
        }

        ObjectNode toJson() {
            ObjectNode n = KubeJson.object();
            n.put("manager", manager);
            n.put("operation", operation);
            n.put("apiVersion", apiVersion);
            if (time != null) {
                n.put("time", time);
            }
            n.put("fieldsType", "FieldsV1");
            n.set("fieldsV1", fields.toFieldsV1());
            if (!subresource.isEmpty()) {
                n.put("subresource", subresource);
            }
            return n;
        }

        /** How conflicts name the manager (printManager in the apiserver's field manager). */
        String describe() {
            StringBuilder b = new StringBuilder(KubeJson.string(KubeJson.NODES.textNode(manager)));
            if (!subresource.isEmpty()) {
                b.append(" with subresource ").append(KubeJson.string(KubeJson.NODES.textNode(subresource)));
            }
            if (UPDATE.equals(operation)) {
                b.append(" using ").append(apiVersion);
            }
            return b.toString();
        }
    }

    /** What changed between two versions of an object, as sets of field paths. */
    record Diff(FieldSet modified, FieldSet added, FieldSet removed) {
        Diff without(Set<String> topLevelFields) {
            if (topLevelFields.isEmpty()) {
                return this;
            }
            return new Diff(dropSubtrees(modified, topLevelFields), dropSubtrees(added, topLevelFields),
                    dropSubtrees(removed, topLevelFields));
        }

        private static FieldSet dropSubtrees(FieldSet set, Set<String> topLevelFields) {
            FieldSet.Node copy = set.root().copy();
            for (String f : topLevelFields) {
                copy.children.remove(FieldSet.FIELD + f);
            }
            return FieldSet.of(copy);
        }
    }

    /**
     * Compares two versions of an object the way structured-merge-diff does: scalars, atomic lists
     * and empty containers are leaves. A map, map entry or list element that appears or disappears
     * whole is itself added or removed too; a struct does not, because upstream compares against a
     * Go zero value in which non-pointer structs already exist (pointer structs are not told apart).
     */
    static Diff compare(JsonNode old, JsonNode updated, JavaType root) {
        return compare(old, updated, root, Set.of(), false);
    }

    /**
     * As {@link #compare(JsonNode, JsonNode, JavaType)}, as if the top-level fields in
     * {@code skippedTopLevel} were absent from both objects and, with {@code skipManagedFields},
     * {@code metadata.managedFields} too, without copying either object.
     */
    static Diff compare(JsonNode old, JsonNode updated, JavaType root, Set<String> skippedTopLevel, boolean skipManagedFields) {
        FieldSet.Node modified = new FieldSet.Node();
        FieldSet.Node added = new FieldSet.Node();
        FieldSet.Node removed = new FieldSet.Node();
        new Comparison(modified, added, removed, skippedTopLevel, skipManagedFields)
                .value(old, updated, root, null, false, new ArrayList<>());
        return new Diff(FieldSet.of(modified), FieldSet.of(added), FieldSet.of(removed));
    }

    private static final String METADATA = FieldSet.FIELD + "metadata";
    private static final String MANAGED_FIELDS = "managedFields";

    private record Comparison(FieldSet.Node modified, FieldSet.Node added, FieldSet.Node removed,
                              Set<String> skippedTopLevel, boolean skipManagedFields) {
        void value(JsonNode l, JsonNode r, JavaType type, FieldMeta meta, boolean member, List<String> path) {
            l = Json.absent(l) ? null : l;
            r = Json.absent(r) ? null : r;
            if (l == null && r == null) {
                return;
            }
            // An unchanged subtree (most of an object on a status write or a binding) has nothing
            // to report: one equality walk instead of the path, schema and list-key bookkeeping.
            if (!path.isEmpty() && l != null && r != null && Json.same(l, r)) {
                return;
            }
            if (l != null && r != null && shape(l) != shape(r)) {
                leaf(l, r, path);
                return;
            }
            JsonNode any = l != null ? l : r;
            if (any.isObject()) {
                boolean metadata = skipManagedFields && path.size() == 1 && METADATA.equals(path.get(0));
                if (emptyObject(l, metadata) && emptyObject(r, metadata)) {
                    // Two empty objects (ignoring what is skipped) are equal whatever they hold.
                    if (l == null) {
                        added.insert(path);
                    } else if (r == null) {
                        removed.insert(path);
                    }
                    return;
                }
                if (member && l == null) {
                    added.insert(path);
                }
                if (member && r == null) {
                    removed.insert(path);
                }
                boolean top = path.isEmpty();
                if (l != null) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        String k = e.getKey();
                        if (skipped(k, top, metadata)) {
                            continue;
                        }
                        field(k, e.getValue(), r == null ? null : r.get(k), type, path);
                    }
                }
                if (r != null) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        String k = e.getKey();
                        if ((l != null && l.has(k)) || skipped(k, top, metadata)) {
                            continue;
                        }
                        field(k, null, e.getValue(), type, path);
                    }
                }
            } else if (any.isArray()) {
                ListKind kind = ListKind.of(meta);
                if (kind == ListKind.ATOMIC || (Json.emptyOrAbsent(l) && Json.emptyOrAbsent(r))) {
                    leaf(l, r, path);
                    return;
                }
                JavaType element = ModelTypes.element(type);
                if (l == null || r == null) {
                    // One side only: every element appears or disappears whole.
                    JsonNode list = l != null ? l : r;
                    Set<String> seen = new java.util.HashSet<>();
                    for (int i = 0; i < list.size(); i++) {
                        String pe = ListKind.pathElement(kind, meta, list.get(i), i);
                        if (!seen.add(pe)) {
                            continue;
                        }
                        path.add(pe);
                        value(l == null ? null : list.get(i), r == null ? null : list.get(i), element, null, true, path);
                        path.remove(path.size() - 1);
                    }
                    return;
                }
                Map<String, JsonNode> left = index(l, kind, meta);
                Map<String, JsonNode> right = index(r, kind, meta);
                Set<String> elements = new LinkedHashSet<>(left.keySet());
                elements.addAll(right.keySet());
                for (String pe : elements) {
                    path.add(pe);
                    value(left.get(pe), right.get(pe), element, null, true, path);
                    path.remove(path.size() - 1);
                }
            } else {
                leaf(l, r, path);
            }
        }

        private boolean skipped(String key, boolean top, boolean metadata) {
            return (top && skippedTopLevel.contains(key)) || (metadata && MANAGED_FIELDS.equals(key));
        }

        private void field(String k, JsonNode l, JsonNode r, JavaType type, List<String> path) {
            path.add(FieldSet.FIELD + k);
            ModelTypes.Property p = ModelTypes.property(type, k);
            value(l, r, p.type(), p.meta(), p.member(), path);
            path.remove(path.size() - 1);
        }

        /** Absent or {}, where a metadata object holding only managedFields counts as {} when those are skipped. */
        private static boolean emptyObject(JsonNode n, boolean metadata) {
            return n == null || n.isEmpty() || (metadata && n.size() == 1 && n.has(MANAGED_FIELDS));
        }

        private void leaf(JsonNode l, JsonNode r, List<String> path) {
            if (l == null) {
                added.insert(path);
            } else if (r == null) {
                removed.insert(path);
            } else if (!Json.same(l, r)) {
                modified.insert(path);
            }
        }

        private static int shape(JsonNode n) {
            return n.isObject() ? 0 : n.isArray() ? 1 : 2;
        }
    }

    static Map<String, JsonNode> index(JsonNode list, ListKind kind, FieldMeta meta) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (list != null && list.isArray()) {
            for (int i = 0; i < list.size(); i++) {
                out.putIfAbsent(ListKind.pathElement(kind, meta, list.get(i), i), list.get(i));
            }
        }
        return out;
    }
}
