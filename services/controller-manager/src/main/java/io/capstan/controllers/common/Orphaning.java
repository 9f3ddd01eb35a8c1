package io.capstan.controllers.common;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.util.List;

/**
 * The garbage collector's {@code orphan} finalizer for the owners this controller-manager
 * reconciles: {@code kubectl delete --cascade=orphan} leaves the owner terminating with that
 * finalizer; its dependents lose their ownerReference, then the finalizer goes and the owner
 * with it. Until a general garbage collector exists, the ReplicaSet and Deployment reconcilers
 * do this for their own kinds.
 */
public final class Orphaning {
    public static final String ORPHAN_FINALIZER = "orphan";

    private Orphaning() {
    }

    /** Terminating with the orphan finalizer: its dependents must be released before it can go. */
    public static boolean pending(HasMetadata owner) {
        List<String> finalizers = owner.getMetadata().getFinalizers();
        return owner.getMetadata().getDeletionTimestamp() != null && finalizers != null && finalizers.contains(ORPHAN_FINALIZER);
    }

    /**
     * Removes {@code owner}'s ownerReference from every dependent, then its orphan finalizer
     * (guarded by its resourceVersion, so a concurrent finalizer change is not overwritten).
     */
    public static void orphan(KubernetesClient client, HasMetadata owner, List<? extends HasMetadata> dependents) {
        String uid = owner.getMetadata().getUid();
        for (HasMetadata dependent : dependents) {
            try {
                client.resource(dependent).patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                        KubeJson.string(ControllerRefs.releasePatch(uid, dependent)));
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        ArrayNode finalizers = meta.putArray("finalizers");
        owner.getMetadata().getFinalizers().stream().filter(f -> !ORPHAN_FINALIZER.equals(f)).forEach(finalizers::add);
        meta.put("resourceVersion", owner.getMetadata().getResourceVersion());
        try {
            client.resource(owner).patch(PatchContext.of(PatchType.JSON_MERGE), KubeJson.string(patch));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }
}
