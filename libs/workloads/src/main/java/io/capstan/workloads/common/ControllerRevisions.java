package io.capstan.workloads.common;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * ControllerRevisions of StatefulSets and DaemonSets, as k8s.io/kubernetes/pkg/controller/history
 * and the two controllers' getRevisions/truncateHistory manage them.
 *
 * <p>The data of a revision is the patch {@code {"spec":{"template":{...,"$patch":"replace"}}}}.
 * Its hash is FNV-1 32 over the data's canonical JSON (keys sorted, nulls and empty collections
 * dropped) plus the decimal collision count, printed in decimal through rand.SafeEncodeString,
 * as history.HashControllerRevision does; upstream hashes Go's JSON, so the letters may differ
 * from Kubernetes' but are stable across restarts and JVMs.
 */
public final class ControllerRevisions {
    public static final String HASH_LABEL = "controller-revision-hash";
    public static final int DEFAULT_HISTORY_LIMIT = 10;
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

    private ControllerRevisions() {
    }

    /**
     * The revisions to use and the changes to make to the history.
     *
     * @param current        the revision pods at the current revision run (the update revision when
     *                       the owner's status names none that exists)
     * @param update         the revision of the owner's template now
     * @param create         true when {@code update} does not exist yet and must be created
     * @param renumber       an existing equal revision whose {@code revision} number must be raised to
     *                       {@code update}'s (the template was rolled back to it); null if none
     * @param delete         old revisions beyond the history limit, referenced by no pod
     * @param collisionCount the owner's {@code status.collisionCount} after resolving name collisions
     */
    public record Resolution(ControllerRevision current, ControllerRevision update, boolean create,
                             ControllerRevision renumber, List<ControllerRevision> delete, int collisionCount) {
    }

    /** {@code {"spec":{"template":{...,"$patch":"replace"}}}}. */
    public static ObjectNode templatePatch(PodTemplateSpec template) {
        ObjectNode t = KubeJson.tree(template);
        t.put("$patch", "replace");
        ObjectNode patch = KubeJson.object();
        patch.putObject("spec").set("template", t);
        return canonical(patch);
    }

    /** The pod template a revision holds. */
    public static PodTemplateSpec template(ControllerRevision revision) {
        JsonNode data = KubeJson.MAPPER.valueToTree(revision.getData());
        ObjectNode t = ((ObjectNode) data.path("spec").path("template")).deepCopy();
        t.remove("$patch");
        return KubeJson.convert(t, PodTemplateSpec.class);
    }

    public static String hash(JsonNode data, Integer collisionCount) {
        int h = 0x811c9dc5;
        h = fnv1(h, KubeJson.string(canonical(data)).getBytes(StandardCharsets.UTF_8));
        if (collisionCount != null) {
            h = fnv1(h, Integer.toString(collisionCount).getBytes(StandardCharsets.UTF_8));
        }
        StringBuilder out = new StringBuilder();
        for (byte b : Integer.toUnsignedString(h).getBytes(StandardCharsets.UTF_8)) {
            out.append(ALPHANUMS.charAt((b & 0xff) % ALPHANUMS.length()));
        }
        return out.toString();
    }

    /** history.NewControllerRevision: named {@code <owner>-<hash>}, labelled with the template labels and the hash. */
    public static ControllerRevision newRevision(HasMetadata owner, String apiVersion, String kind,
                                                 Map<String, String> templateLabels, JsonNode data,
                                                 long revision, Integer collisionCount) {
        String hash = hash(data, collisionCount);
        Map<String, String> labels = new TreeMap<>(templateLabels == null ? Map.of() : templateLabels);
        labels.put(HASH_LABEL, hash);
        return new ControllerRevisionBuilder()
                .withNewMetadata()
                .withName(owner.getMetadata().getName() + "-" + hash)
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(Owners.controllerRef(owner, apiVersion, kind))
                .endMetadata()
                .withData(KubeJson.MAPPER.convertValue(data, Map.class))
                .withRevision(revision)
                .build();
    }

    /**
     * Whether a revision holds {@code data}, compared as canonical JSON text: a revision read back
     * from the api-server holds {@code 30} as an int where a typed template holds a long
     * (terminationGracePeriodSeconds), which JSON trees would call different.
     */
    public static boolean sameData(ControllerRevision a, JsonNode data) {
        return KubeJson.string(canonical(KubeJson.MAPPER.valueToTree(a.getData()))).equals(KubeJson.string(canonical(data)));
    }

    /**
     * Resolves the current and update revisions and the history changes.
     *
     * @param owned               the owner's revisions (by controller reference)
     * @param currentRevisionName the owner's {@code status.currentRevision} (null for DaemonSets)
     * @param liveHashes          the hashes ({@link #HASH_LABEL}) that live pods carry
     * @param historyLimit        {@code spec.revisionHistoryLimit}, null for the default of 10
     */
    public static Resolution resolve(HasMetadata owner, String apiVersion, String kind, PodTemplateSpec template,
                                     List<ControllerRevision> owned, Integer collisionCount, String currentRevisionName,
                                     Set<String> liveHashes, Integer historyLimit) {
        List<ControllerRevision> history = new ArrayList<>(owned);
        history.sort(Comparator.comparing((ControllerRevision r) -> r.getRevision() == null ? 0L : r.getRevision())
                .thenComparing(r -> r.getMetadata().getName()));
        long next = history.isEmpty() ? 1 : (history.get(history.size() - 1).getRevision() == null ? 0 : history.get(history.size() - 1).getRevision()) + 1;
        ObjectNode data = templatePatch(template);
        Map<String, String> labels = template.getMetadata() == null ? Map.of() : template.getMetadata().getLabels();

        ControllerRevision update;
        ControllerRevision renumber = null;
        boolean create = false;
        int collisions = collisionCount == null ? 0 : collisionCount;
        List<ControllerRevision> equal = history.stream().filter(r -> sameData(r, data)).toList();
        if (!equal.isEmpty() && equal.get(equal.size() - 1) == history.get(history.size() - 1)) {
            update = history.get(history.size() - 1);
        } else if (!equal.isEmpty()) {
            ControllerRevision e = Copies.deepCopy(equal.get(equal.size() - 1));
            e.setRevision(next);
            renumber = e;
            update = e;
        } else {
            int probe = collisions;
            while (true) {
                ControllerRevision candidate = newRevision(owner, apiVersion, kind, labels, data, next, probe);
                String name = candidate.getMetadata().getName();
                if (history.stream().noneMatch(r -> name.equals(r.getMetadata().getName()))) {
                    update = candidate;
                    create = true;
                    break;
                }
                collisions++;
                probe = collisions;
            }
        }
        ControllerRevision current = update;
        if (currentRevisionName != null) {
            for (ControllerRevision r : history) {
                if (currentRevisionName.equals(r.getMetadata().getName())) {
                    current = r;
                }
            }
        }
        Map<String, ControllerRevision> live = new HashMap<>();
        live.put(current.getMetadata().getName(), current);
        live.put(update.getMetadata().getName(), update);
        List<ControllerRevision> nonLive = new ArrayList<>();
        for (ControllerRevision r : history) {
            String h = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(HASH_LABEL);
            if (live.containsKey(r.getMetadata().getName()) || (h != null && liveHashes.contains(h))) {
                continue;
            }
            nonLive.add(r);
        }
        int limit = historyLimit == null ? DEFAULT_HISTORY_LIMIT : historyLimit;
        List<ControllerRevision> delete = nonLive.size() > limit ? List.copyOf(nonLive.subList(0, nonLive.size() - limit)) : List.of();
        return new Resolution(current, update, create, renumber, delete, collisions);
    }

    /** Keys sorted, nulls and empty objects/arrays dropped. */
    static ObjectNode canonical(JsonNode node) {
        return (ObjectNode) canon(node);
    }

    private static JsonNode canon(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = KubeJson.object();
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = canon(e.getValue());
                if (v != null) {
                    sorted.put(e.getKey(), v);
                }
            }
            if (sorted.isEmpty()) {
                return null;
            }
            sorted.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            var out = KubeJson.NODES.arrayNode();
            for (JsonNode e : node) {
                JsonNode v = canon(e);
                out.add(v == null ? KubeJson.object() : v);
            }
            return out.isEmpty() ? null : out;
        }
        return node.isNull() ? null : node;
    }

    private static int fnv1(int h, byte[] bytes) {
        for (byte b : bytes) {
            h *= 0x01000193;
            h ^= (b & 0xff);
        }
        return h;
    }

    /** The hash label of an object, or null. */
    public static String hashOf(HasMetadata obj) {
        Map<String, String> l = obj.getMetadata().getLabels();
        return l == null ? null : l.get(HASH_LABEL);
    }
}
