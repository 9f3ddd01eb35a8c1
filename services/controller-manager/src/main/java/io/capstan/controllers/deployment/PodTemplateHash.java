package io.capstan.controllers.deployment;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The {@code pod-template-hash} label: controller.ComputeHash, FNV-1a 32 over the template and
 * the collision count, printed in decimal and mapped through rand.SafeEncodeString's alphabet.
 * Upstream hashes Go's spew dump of the struct; Capstan hashes the canonical JSON (keys sorted,
 * nulls and empty objects/arrays dropped) instead, so values differ from Kubernetes' but are
 * stable across restarts and JVMs, and change with the collision count.
 */
public final class PodTemplateHash {
    public static final String LABEL = "pod-template-hash";
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private PodTemplateHash() {
    }

    public static String compute(PodTemplateSpec template, Integer collisionCount) {
        int hash = FNV_OFFSET;
        hash = fnv(hash, canonical(KubeJson.tree(template)).getBytes(StandardCharsets.UTF_8));
        if (collisionCount != null) {
            byte[] le = new byte[8];
            int c = collisionCount;
            for (int i = 0; i < 4; i++) {
                le[i] = (byte) (c >>> (8 * i));
            }
            hash = fnv(hash, le);
        }
        return safeEncode(Integer.toUnsignedString(hash));
    }

    /** rand.SafeEncodeString: each byte picks a letter of an alphabet without vowels. */
    public static String safeEncode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            out.append(ALPHANUMS.charAt((b & 0xff) % ALPHANUMS.length()));
        }
        return out.toString();
    }

    /**
     * deploymentutil.EqualIgnoreHash: the templates are semantically equal once the
     * pod-template-hash label is removed from both (nil and empty collections are equal).
     */
    public static boolean equalIgnoringHash(PodTemplateSpec a, PodTemplateSpec b) {
        return normalized(a).equals(normalized(b));
    }

    /** The template as canonical JSON without the pod-template-hash label. */
    static JsonNode normalized(PodTemplateSpec template) {
        if (template == null) {
            return KubeJson.object();
        }
        ObjectNode tree = KubeJson.tree(template);
        JsonNode labels = tree.path("metadata").path("labels");
        if (labels instanceof ObjectNode l) {
            l.remove(LABEL);
        }
        JsonNode pruned = prune(tree);
        return pruned == null ? KubeJson.object() : pruned;
    }

    private static int fnv(int hash, byte[] bytes) {
        int h = hash;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    private static String canonical(JsonNode node) {
        JsonNode pruned = prune(node);
        return KubeJson.string(pruned == null ? KubeJson.object() : pruned);
    }

    /** Sorted keys; nulls, empty objects and empty arrays removed (Go's nil == empty here). */
    private static JsonNode prune(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            ObjectNode out = KubeJson.object();
            for (String n : names) {
                JsonNode v = prune(node.get(n));
                if (v != null) {
                    out.set(n, v);
                }
            }
            return out.isEmpty() ? null : out;
        }
        if (node.isArray()) {
            ArrayNode out = KubeJson.NODES.arrayNode();
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                JsonNode v = prune(it.next());
                out.add(v == null ? KubeJson.object() : v);
            }
            return out.isEmpty() ? null : out;
        }
        return node;
    }
}
