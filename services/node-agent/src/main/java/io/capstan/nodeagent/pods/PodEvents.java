package io.capstan.nodeagent.pods;

import io.capstan.controller.EventRecorder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * The kubelet's events about pods and their containers: a container's events name it with
 * {@code fieldPath: spec.containers{web}} (or {@code spec.initContainers{...}}), which
 * {@code kubectl describe} and {@code kubectl events} show.
 */
public final class PodEvents {
    private final EventRecorder recorder;

    public PodEvents(EventRecorder recorder) {
        this.recorder = recorder;
    }

    public void pod(Pod pod, String type, String reason, String message) {
        recorder.event(reference(pod, null), type, reason, message);
    }

    public void container(Pod pod, String container, boolean init, String type, String reason, String message) {
        String field = (init ? "spec.initContainers{" : "spec.containers{") + container + "}";
        recorder.event(reference(pod, field), type, reason, message);
    }

    public void normal(Pod pod, String container, boolean init, String reason, String message) {
        container(pod, container, init, EventRecorder.NORMAL, reason, message);
    }

    public void warning(Pod pod, String container, boolean init, String reason, String message) {
        container(pod, container, init, EventRecorder.WARNING, reason, message);
    }

    private static ObjectReference reference(Pod pod, String fieldPath) {
        return new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod")
                .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).withFieldPath(fieldPath).build();
    }

    /** The kubelet's format.Pod: {@code name_namespace(uid)}. */
    public static String describe(Pod pod) {
        return pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")";
    }
}
