package io.capstan.patch;

import io.capstan.api.json.KubeJson;
import io.capstan.api.schema.FieldMeta;
import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Server-side apply ({@code application/apply-patch+yaml}): merges an apply configuration into
 * the live object and maintains field ownership in {@code metadata.managedFields}, following
 * structured-merge-diff's {@code Updater.Apply} and kube-apiserver's field manager.
 */
public final class ServerSideApply {
    /** The Update manager that takes ownership of an untracked object's fields at its first apply. */
    static final String BEFORE_FIRST_APPLY = "before-first-apply";

    private ServerSideApply() {
    }

    /**
     * Applies {@code applied} for {@code manager}. Fields in the configuration are set (maps and
     * associative lists merge, atomic lists and scalars replace). Fields the manager applied last
     * time but no longer applies are removed unless another manager owns them. Changing a field
     * another manager owns is a conflict unless {@code force}, which moves the field to this
     * manager. The manager's Apply entry then holds exactly the applied fields. The inputs are not
     * modified. When nothing changes the result equals {@code live}.
     *
     * <p>List semantics come from {@link io.capstan.api.schema.PatchMeta}: {@code map} lists are
     * keyed by their SSA map keys, {@code set} lists by value, all others are atomic. With a null
     * {@code modelClass} (custom resources) every list is atomic and objects are maps. For a built-in
     * kind, {@code status} in a main-resource apply is ignored, and {@code spec} in a status apply,
     * because kube-apiserver resets those writes.
     *
     * @param live        the stored object, or null when the apply creates it
     * @param applied     the apply configuration (null values are dropped)
     * @param manager     the fieldManager, required
     * @param force       take ownership of conflicting fields instead of failing
     * @param modelClass  the fabric8 class of the object, or null for a custom resource
     * @param subresource "" or "status"
     * @param now         the time recorded on this manager's entry when the object changes
     * @return the merged object with updated {@code metadata.managedFields}
     * @throws ApiException 400 BadRequest when the configuration carries managedFields, names
     *                      another apiVersion than the live object, or the manager is blank;
     *                      409 Conflict with one {@code FieldManagerConflict} cause per field when
     *                      another manager owns a field this apply changes and {@code force} is false
     */
    public static ObjectNode apply(ObjectNode live, ObjectNode applied, String manager, boolean force,
                                   Class<?> modelClass, String subresource, Instant now) {
        Objects.requireNonNull(applied, "applied");
        if (manager == null || manager.isBlank()) {
            throw ApiException.badRequest("fieldManager is required for apply requests");
        }
        if (!Json.absent(ManagedFields.managedFieldsOf(applied))) {
            throw ApiException.badRequest("metadata.managedFields must be nil");
        }
        String liveVersion = live == null ? null : KubeJson.text(live, "apiVersion");
        String appliedVersion = KubeJson.text(applied, "apiVersion");
        if (liveVersion != null && appliedVersion != null && !liveVersion.equals(appliedVersion)) {
            throw ApiException.badRequest("Incorrect version specified in apply patch. Specified patch version: "
                    + appliedVersion + ", expected: " + liveVersion);
        }
        String sub = subresource == null ? "" : subresource;
        JavaType root = ModelTypes.root(modelClass);
        ObjectNode config = (ObjectNode) Json.withoutNulls(applied);
        ManagedFields.ignoredScope(root, sub).forEach(config::remove);

        ObjectNode liveBody = ManagedFields.withoutManagedFields(live);
        List<ManagedFields.Entry> entries = new ArrayList<>(
                live == null ? List.of() : ManagedFields.decodeOrEmpty(ManagedFields.managedFieldsOf(live)));
        if (live != null && entries.isEmpty()) {
            entries.addAll(ownEverything(liveBody, root, now));
        }
        String apiVersion = ManagedFields.apiVersion(config, live);

        FieldSet configured = FieldSet.fromObject(config, root);
        ManagedFields.Entry self = new ManagedFields.Entry(manager, ManagedFields.APPLY, apiVersion, null, sub,
                configured.difference(ManagedFields.UNOWNED));
        ManagedFields.Entry previous = entries.stream().filter(self::sameManager).findFirst().orElse(null);
        entries.removeIf(self::sameManager);

        ObjectNode merged = (ObjectNode) merge(liveBody == null ? KubeJson.object() : liveBody, config, root, null);
        if (previous != null) {
            FieldSet stillOwned = configured.union(ManagedFields.UNOWNED);
            for (ManagedFields.Entry e : entries) {
                stillOwned = stillOwned.union(e.fields());
            }
            FieldSet stale = previous.fields().withNamedFieldsAsMembers(root)
                    .difference(stillOwned.withNamedFieldsAsMembers(root));
            merged = (ObjectNode) remove(merged, stale.root(), root, null);
        }

        ManagedFields.Diff diff = ManagedFields.compare(liveBody, merged, root);
        FieldSet changed = diff.modified().union(diff.added());
        List<Conflict> conflicts = new ArrayList<>();
        List<ManagedFields.Entry> out = new ArrayList<>();
        for (ManagedFields.Entry e : entries) {
            FieldSet conflicting = e.fields().intersection(changed);
            for (String path : conflicting.paths()) {
                conflicts.add(new Conflict(e, path));
            }
            out.add(e.withFields(e.fields().difference(conflicting).difference(diff.removed())));
        }
        if (!force && !conflicts.isEmpty()) {
            throw conflictError(conflicts);
        }
        boolean objectChanged = !Json.same(liveBody, merged);
        String time = objectChanged || previous == null || previous.time() == null
                ? ManagedFields.format(now) : previous.time();
        out.add(self.withTime(time));
        ManagedFields.write(merged, out);
        return merged;
    }

    /** The Update entry kube-apiserver creates when an object without managedFields is first applied to. */
    private static List<ManagedFields.Entry> ownEverything(ObjectNode liveBody, JavaType root, Instant now) {
        ManagedFields.Diff all = ManagedFields.compare(null, liveBody, root);
        FieldSet owned = all.added().difference(ManagedFields.UNOWNED);
        if (owned.isEmpty()) {
            return List.of();
        }
        return List.of(new ManagedFields.Entry(BEFORE_FIRST_APPLY, ManagedFields.UPDATE,
                ManagedFields.apiVersion(liveBody, null), ManagedFields.format(now), "", owned));
    }

    private record Conflict(ManagedFields.Entry owner, String path) {
    }

    /** The 409 kube-apiserver answers (NewApplyConflict with the field manager's message format). */
    private static ApiException conflictError(List<Conflict> conflicts) {
        List<Conflict> sorted = new ArrayList<>(conflicts);
        sorted.sort(Comparator.comparing((Conflict c) -> c.owner().manager())
                .thenComparing(c -> c.owner().operation())
                .thenComparing(c -> c.owner().subresource()));
        List<ApiException.Cause> causes = sorted.stream()
                .map(c -> new ApiException.Cause("FieldManagerConflict", "conflict with " + c.owner().describe(), c.path()))
                .toList();
        String message;
        if (sorted.size() == 1) {
            Conflict c = sorted.get(0);
            message = "Apply failed with 1 conflict: conflict with " + c.owner().describe() + ": " + c.path();
        } else {
            List<String> lines = new ArrayList<>();
            String current = null;
            for (Conflict c : sorted) {
                String owner = c.owner().describe();
                if (!owner.equals(current)) {
                    lines.add("conflicts with " + owner + ":");
                    current = owner;
                }
                lines.add("- " + c.path());
            }
            message = "Apply failed with " + sorted.size() + " conflicts: " + String.join("\n", lines);
        }
        return new ApiException(409, "Conflict", message, null, null, null, causes, null, null);
    }

    /**
     * structured-merge-diff's merge: the configuration wins for scalars and atomic lists, objects
     * merge key by key, associative lists merge element by element keeping live order for elements
     * the configuration does not mention and configuration order for those it does.
     */
    static JsonNode merge(JsonNode live, JsonNode config, JavaType type, FieldMeta meta) {
        if (Json.absent(live)) {
            return config.deepCopy();
        }
        if (config.isObject() && live.isObject()) {
            ObjectNode out = live.deepCopy();
            for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), merge(live.get(e.getKey()), e.getValue(), ModelTypes.field(type, e.getKey()),
                        ModelTypes.meta(type, e.getKey())));
            }
            return out;
        }
        ListKind kind = ListKind.of(meta);
        if (config.isArray() && live.isArray() && kind != ListKind.ATOMIC) {
            return mergeList((ArrayNode) live, (ArrayNode) config, ModelTypes.element(type), kind, meta);
        }
        return config.deepCopy();
    }

    private static ArrayNode mergeList(ArrayNode live, ArrayNode config, JavaType element, ListKind kind, FieldMeta meta) {
        List<String> lhs = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            lhs.add(ListKind.pathElement(kind, meta, live.get(i), i));
        }
        List<String> rhs = new ArrayList<>();
        for (int i = 0; i < config.size(); i++) {
            rhs.add(ListKind.pathElement(kind, meta, config.get(i), i));
        }
        Map<String, JsonNode> liveItems = ManagedFields.index(live, kind, meta);
        Map<String, JsonNode> configItems = ManagedFields.index(config, kind, meta);
        List<String> shared = rhs.stream().filter(liveItems::containsKey).distinct().toList();
        int nextShared = 0;
        Set<String> emitted = new HashSet<>();
        ArrayNode out = KubeJson.NODES.arrayNode();
        int l = 0;
        int r = 0;
        while (l < lhs.size() || r < rhs.size()) {
            if (l < lhs.size() && r < rhs.size()) {
                String pe = lhs.get(l);
                if (pe.equals(rhs.get(r))) {
                    if (emitted.add(pe)) {
                        out.add(merge(liveItems.get(pe), configItems.get(pe), element, null));
                    }
                    if (nextShared < shared.size() && shared.get(nextShared).equals(pe)) {
                        nextShared++;
                    }
                    l++;
                    r++;
                    continue;
                }
                if (configItems.containsKey(pe) && nextShared < shared.size() && !shared.get(nextShared).equals(pe)) {
                    l++;
                    continue;
                }
            }
            if (l < lhs.size()) {
                String pe = lhs.get(l);
                if (!configItems.containsKey(pe)) {
                    out.add(live.get(l).deepCopy());
                    l++;
                    continue;
                }
                if (emitted.contains(pe)) {
                    l++;
                    continue;
                }
            }
            if (r < rhs.size()) {
                String pe = rhs.get(r);
                if (emitted.add(pe)) {
                    out.add(merge(liveItems.get(pe), configItems.get(pe), element, null));
                }
                if (nextShared < shared.size() && shared.get(nextShared).equals(pe)) {
                    nextShared++;
                }
                r++;
            }
        }
        return out;
    }

    /** A copy of {@code value} without the member paths of {@code remove} (a member takes its subtree). */
    private static JsonNode remove(JsonNode value, FieldSet.Node remove, JavaType type, FieldMeta meta) {
        if (remove.children.isEmpty()) {
            return value;
        }
        if (value.isObject()) {
            ObjectNode out = KubeJson.object();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                FieldSet.Node child = remove.children.get(FieldSet.FIELD + e.getKey());
                if (child == null) {
                    out.set(e.getKey(), e.getValue());
                } else if (!child.member) {
                    out.set(e.getKey(), remove(e.getValue(), child, ModelTypes.field(type, e.getKey()),
                            ModelTypes.meta(type, e.getKey())));
                }
            }
            return out;
        }
        if (value.isArray()) {
            ListKind kind = ListKind.of(meta);
            ArrayNode out = KubeJson.NODES.arrayNode();
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                FieldSet.Node child = remove.children.get(ListKind.pathElement(kind, meta, item, i));
                if (child == null) {
                    out.add(item);
                } else if (!child.member) {
                    out.add(remove(item, child, ModelTypes.element(type), null));
                }
            }
            return out;
        }
        return value;
    }
}
