package io.capstan.controllers.common;

import io.capstan.api.json.KubeJson;
import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Owners;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Applies a {@link Owners.Claim} the way Kubernetes' ControllerRefManager does: orphans
 * are adopted and no longer matching objects released with strategic merge patches guarded by
 * the object's uid. Before the first adoption the owner is read live from the api-server
 * (RecheckDeletionTimestamp), because a cache that has not seen the owner's deletion yet would
 * otherwise hand orphans to an owner the garbage collector is about to delete with them.
 *
 * @param owner      the owning object as cached
 * @param apiVersion the owner's apiVersion for the controller reference
 * @param kind       the owner's kind
 * @param finalizers finalizers adopted objects get and released ones lose (a Job's tracking finalizer)
 * @param live       reads the owner from the api-server; empty when it is gone
 */
public record Adoption(HasMetadata owner, String apiVersion, String kind, List<String> finalizers,
                       Supplier<Optional<? extends HasMetadata>> live) {

    /** Sends one strategic merge patch; returns false when the object is gone (404) and throws on other failures. */
    @FunctionalInterface
    public interface Patcher<T extends HasMetadata> {
        boolean patch(T object, ObjectNode strategicMergePatch);
    }

    public Adoption {
        finalizers = List.copyOf(finalizers);
    }

    /** The adoption of objects by {@code owner}, read live through {@code client} for the recheck. */
    public static Adoption by(KubernetesClient client, HasMetadata owner, String apiVersion, String kind, List<String> finalizers) {
        String ns = owner.getMetadata().getNamespace();
        String name = owner.getMetadata().getName();
        return new Adoption(owner, apiVersion, kind, finalizers,
                () -> Optional.ofNullable(client.resources(owner.getClass()).inNamespace(ns).withName(name).get()));
    }

    /** Strategic merge patches of namespaced objects of {@code type} through {@code client}. */
    public static <T extends HasMetadata> Patcher<T> patcher(KubernetesClient client, Class<T> type) {
        return (obj, patch) -> {
            try {
                client.resources(type).inNamespace(obj.getMetadata().getNamespace()).withName(obj.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), KubeJson.string(patch));
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return false;
                }
                throw e;
            }
        };
    }

    /**
     * Patches the claim's adoptions and releases and returns {@code candidates} as they are once
     * those patches have landed: adopted objects carry the controller reference (and finalizers),
     * released ones no longer do, and objects that vanished meanwhile are left out. A model
     * planning from this view acts as if the cache had already seen the patches.
     *
     * @throws IllegalStateException when there are orphans but the owner is gone or being deleted
     */
    public <T extends HasMetadata> List<T> apply(Owners.Claim<T> claim, List<T> candidates, Patcher<T> patcher) {
        if (claim.adopt().isEmpty() && claim.release().isEmpty()) {
            return candidates;
        }
        if (!claim.adopt().isEmpty()) {
            recheckOwner();
        }
        Map<String, T> replaced = new HashMap<>();
        Set<String> gone = new HashSet<>();
        String ownerUid = owner.getMetadata().getUid();
        for (T obj : claim.adopt()) {
            if (patcher.patch(obj, ControllerRefs.adoptPatch(owner, apiVersion, kind, obj, finalizers))) {
                replaced.put(obj.getMetadata().getUid(), adopted(obj));
            } else {
                gone.add(obj.getMetadata().getUid());
            }
        }
        for (T obj : claim.release()) {
            if (patcher.patch(obj, ControllerRefs.releasePatch(ownerUid, obj, finalizers))) {
                replaced.put(obj.getMetadata().getUid(), released(obj));
            } else {
                gone.add(obj.getMetadata().getUid());
            }
        }
        List<T> view = new ArrayList<>(candidates.size());
        for (T obj : candidates) {
            String uid = obj.getMetadata().getUid();
            if (!gone.contains(uid)) {
                view.add(replaced.getOrDefault(uid, obj));
            }
        }
        return view;
    }

    private void recheckOwner() {
        HasMetadata fresh = live.get().orElse(null);
        String where = owner.getMetadata().getNamespace() + "/" + owner.getMetadata().getName();
        if (fresh == null || !Objects.equals(fresh.getMetadata().getUid(), owner.getMetadata().getUid())) {
            throw new IllegalStateException("can't adopt: original " + kind + " " + where + " is gone");
        }
        if (fresh.getMetadata().getDeletionTimestamp() != null) {
            throw new IllegalStateException("can't adopt: " + kind + " " + where + " has just been deleted at "
                    + fresh.getMetadata().getDeletionTimestamp());
        }
    }

    private <T extends HasMetadata> T adopted(T obj) {
        T copy = Copies.deepCopy(obj);
        List<OwnerReference> refs = new ArrayList<>(Optional.ofNullable(copy.getMetadata().getOwnerReferences()).orElse(List.of()));
        refs.add(Owners.controllerRef(owner, apiVersion, kind));
        copy.getMetadata().setOwnerReferences(refs);
        if (!finalizers.isEmpty()) {
            List<String> f = new ArrayList<>(Optional.ofNullable(copy.getMetadata().getFinalizers()).orElse(List.of()));
            finalizers.stream().filter(x -> !f.contains(x)).forEach(f::add);
            copy.getMetadata().setFinalizers(f);
        }
        return copy;
    }

    private <T extends HasMetadata> T released(T obj) {
        T copy = Copies.deepCopy(obj);
        String ownerUid = owner.getMetadata().getUid();
        copy.getMetadata().setOwnerReferences(copy.getMetadata().getOwnerReferences().stream()
                .filter(r -> !ownerUid.equals(r.getUid())).toList());
        if (!finalizers.isEmpty() && copy.getMetadata().getFinalizers() != null) {
            copy.getMetadata().setFinalizers(copy.getMetadata().getFinalizers().stream().filter(f -> !finalizers.contains(f)).toList());
        }
        return copy;
    }
}
