package io.capstan.controllers.common;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Controller ownerReferences and the ControllerRefManager claim rules of
 * k8s.io/kubernetes/pkg/controller/controller_ref_manager.go.
 */
public final class ControllerRefs {
    private ControllerRefs() {
    }

    /**
     * The outcome of claiming candidates: objects already owned that still match, orphans to
     * adopt (patch in our controller reference) and owned objects to release (no longer matching).
     * A reconciler applies {@link #adoptPatch} / {@link #releasePatch}; the owned set it works
     * with is {@link #claimed()}.
     */
    public record Claim<T extends HasMetadata>(List<T> owned, List<T> adopt, List<T> release) {
        public Claim {
            owned = List.copyOf(owned);
            adopt = List.copyOf(adopt);
            release = List.copyOf(release);
        }

        /** Owned plus adopted: what the controller manages once the adoption patches succeed. */
        public List<T> claimed() {
            List<T> all = new ArrayList<>(owned);
            all.addAll(adopt);
            return all;
        }
    }

    /** metav1.GetControllerOf: the ownerReference with controller=true, or null. */
    public static OwnerReference controllerOf(HasMetadata obj) {
        List<OwnerReference> refs = obj.getMetadata().getOwnerReferences();
        if (refs == null) {
            return null;
        }
        for (OwnerReference r : refs) {
            if (Boolean.TRUE.equals(r.getController())) {
                return r;
            }
        }
        return null;
    }

    public static boolean isControlledBy(HasMetadata obj, String ownerUid) {
        OwnerReference ref = controllerOf(obj);
        return ref != null && ownerUid != null && ownerUid.equals(ref.getUid());
    }

    /** metav1.NewControllerRef: controller=true, blockOwnerDeletion=true. */
    public static OwnerReference newControllerRef(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder()
                .withApiVersion(apiVersion)
                .withKind(kind)
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /**
     * BaseControllerRefManager.ClaimObject over every candidate: objects controlled by someone
     * else are ignored; ours that still match are kept; ours that no longer match are released
     * (unless the owner is being deleted); matching orphans in the owner's namespace that are not
     * being deleted are adopted (unless the owner is being deleted).
     */
    public static <T extends HasMetadata> Claim<T> claim(HasMetadata owner, Predicate<T> matches, List<T> candidates) {
        String uid = owner.getMetadata().getUid();
        boolean ownerDeleting = owner.getMetadata().getDeletionTimestamp() != null;
        List<T> owned = new ArrayList<>();
        List<T> adopt = new ArrayList<>();
        List<T> release = new ArrayList<>();
        for (T obj : candidates) {
            OwnerReference ref = controllerOf(obj);
            if (ref != null) {
                if (!Objects.equals(ref.getUid(), uid)) {
                    continue;
                }
                if (matches.test(obj)) {
                    owned.add(obj);
                } else if (!ownerDeleting) {
                    release.add(obj);
                }
                continue;
            }
            if (ownerDeleting || !matches.test(obj) || obj.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String ns = owner.getMetadata().getNamespace();
            if (ns != null && !ns.isEmpty() && !ns.equals(obj.getMetadata().getNamespace())) {
                continue;
            }
            adopt.add(obj);
        }
        return new Claim<>(owned, adopt, release);
    }

    /**
     * The strategic merge patch that adopts {@code obj}: adds our controller reference, guarded
     * by the object's uid so a re-created namesake is not adopted.
     */
    public static ObjectNode adoptPatch(HasMetadata owner, String apiVersion, String kind, HasMetadata obj) {
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        meta.putArray("ownerReferences").add(KubeJson.tree(newControllerRef(owner, apiVersion, kind)));
        meta.put("uid", obj.getMetadata().getUid());
        return patch;
    }

    /** The strategic merge patch that removes the owner's reference from {@code obj}. */
    public static ObjectNode releasePatch(String ownerUid, HasMetadata obj) {
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        meta.putArray("ownerReferences").add(KubeJson.MAPPER.valueToTree(Map.of("$patch", "delete", "uid", ownerUid)));
        meta.put("uid", obj.getMetadata().getUid());
        return patch;
    }
}
