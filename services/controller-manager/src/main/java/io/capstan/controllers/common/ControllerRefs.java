package io.capstan.controllers.common;

import io.capstan.api.json.KubeJson;
import io.capstan.controller.Request;
import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Selectors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The adoption and release patches and the owner lookup for orphans of
 * k8s.io/kubernetes/pkg/controller/controller_ref_manager.go; controller references and the claim
 * rules themselves are {@link Owners}.
 */
public final class ControllerRefs {
    private ControllerRefs() {
    }

    /**
     * ownerRefControllerPatch: the strategic merge patch that adopts {@code obj}, adding our
     * controller reference guarded by the object's uid (so a re-created namesake is not adopted)
     * and {@code finalizers} (a Job's pods get {@code batch.kubernetes.io/job-tracking}, so they
     * are counted before they go).
     */
    public static ObjectNode adoptPatch(HasMetadata owner, String apiVersion, String kind, HasMetadata obj, List<String> finalizers) {
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        meta.putArray("ownerReferences").add(KubeJson.tree(Owners.controllerRef(owner, apiVersion, kind)));
        meta.put("uid", obj.getMetadata().getUid());
        if (!finalizers.isEmpty()) {
            finalizers.forEach(meta.putArray("finalizers")::add);
        }
        return patch;
    }

    /** GenerateDeleteOwnerRefStrategicMergeBytes: removes the owner's reference and {@code finalizers} from {@code obj}. */
    public static ObjectNode releasePatch(String ownerUid, HasMetadata obj, List<String> finalizers) {
        ObjectNode patch = KubeJson.object();
        ObjectNode meta = patch.putObject("metadata");
        meta.putArray("ownerReferences").add(KubeJson.MAPPER.valueToTree(Map.of("$patch", "delete", "uid", ownerUid)));
        meta.put("uid", obj.getMetadata().getUid());
        if (!finalizers.isEmpty()) {
            finalizers.forEach(meta.putArray("$deleteFromPrimitiveList/finalizers")::add);
        }
        return patch;
    }

    /**
     * The owners among {@code candidates} (same namespace) that could adopt {@code obj}: none if
     * it has a controller already, else those whose non-empty selector matches its labels, as
     * the ReplicaSet, Job, DaemonSet and StatefulSet controllers look up owners for an orphan.
     */
    public static <O extends HasMetadata> List<Request> ownersMatchingOrphan(HasMetadata obj, List<O> candidates,
                                                                            Function<O, LabelSelector> selectorOf) {
        if (Owners.controllerOf(obj) != null || obj.getMetadata().getLabels() == null) {
            return List.of();
        }
        return candidates.stream()
                .filter(o -> {
                    LabelSelector selector = selectorOf.apply(o);
                    return selector != null && !Selectors.selectsEverything(selector)
                            && Selectors.matches(selector, obj.getMetadata().getLabels());
                })
                .map(Request::of).toList();
    }
}
