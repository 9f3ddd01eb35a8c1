package io.capstan.workloads.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Controller ownerReferences (metav1.NewControllerRef / GetControllerOf) and the
 * ControllerRefManager claim rules by which controllers adopt orphans and release what no
 * longer matches their selector.
 */
public final class Owners {
    private Owners() {
    }

    /** metav1.NewControllerRef: controller=true, blockOwnerDeletion=true. */
    public static OwnerReference controllerRef(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder()
                .withApiVersion(apiVersion)
                .withKind(kind)
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** The ownerReference with controller=true, or null. A loop: claims call it for every candidate of every sync. */
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

    public static boolean isControlledBy(HasMetadata obj, HasMetadata owner) {
        OwnerReference ref = controllerOf(obj);
        String uid = owner.getMetadata().getUid();
        return ref != null && uid != null && uid.equals(ref.getUid());
    }

    /** The objects among {@code candidates} whose controller is {@code owner}. */
    public static <T extends HasMetadata> List<T> controlledBy(HasMetadata owner, List<T> candidates) {
        return candidates.stream().filter(o -> isControlledBy(o, owner)).toList();
    }

    /**
     * The outcome of claiming candidates: objects already owned that still match, orphans to
     * adopt (patch in our controller reference) and owned objects to release (no longer matching).
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

        /** The same claim without releases, for controllers that only adopt (a StatefulSet's revisions). */
        public Claim<T> adoptOnly() {
            return new Claim<>(owned, adopt, List.of());
        }
    }

    /**
     * BaseControllerRefManager.ClaimObject over every candidate (k8s.io/kubernetes/pkg/controller/
     * controller_ref_manager.go): objects controlled by someone else are ignored; ours that still
     * match are kept; ours that no longer match are released (unless the owner is being deleted);
     * matching orphans in the owner's namespace that are not being deleted are adopted (unless
     * the owner is being deleted).
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

    /** Claims the candidates whose labels {@code selector} matches (and that pass {@code filter}). */
    public static <T extends HasMetadata> Claim<T> claimBySelector(HasMetadata owner, LabelSelector selector, Predicate<T> filter,
                                                                  List<T> candidates) {
        Predicate<Map<String, String>> selects = Selectors.matcher(selector);
        return claim(owner, o -> selects.test(o.getMetadata().getLabels()) && filter.test(o), candidates);
    }
}
