package io.capstan.workloads.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

import java.util.List;

/**
 * Controller ownerReferences (metav1.NewControllerRef / GetControllerOf). Duplicates the part of
 * io.capstan.controllers.common.ControllerRefs the workload models need.
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

    /** The ownerReference with controller=true, or null. */
    public static OwnerReference controllerOf(HasMetadata obj) {
        List<OwnerReference> refs = obj.getMetadata().getOwnerReferences();
        if (refs == null) {
            return null;
        }
        return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
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
}
