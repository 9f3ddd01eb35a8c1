package io.capstan.controllers.common;

import io.capstan.controller.Expectations;
import io.capstan.controller.Indexers;
import io.capstan.controller.ResourceEventHandler;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Kubernetes' {@code UIDTrackingControllerExpectations} for the pods of one controller kind
 * (ReplicaSets, Jobs, DaemonSets): pod creations are counted, pod deletions are tracked by UID so that a pod seen first terminating and then gone
 * is observed once. Fed by the pod informer's event handler.
 *
 * <p>Thread-safe: the informer's dispatch thread observes while reconcile workers expect.
 */
public final class PodExpectations implements ResourceEventHandler<Pod> {
    private final Expectations expectations = new Expectations();
    private final ConcurrentMap<String, Set<String>> deleting = new ConcurrentHashMap<>();
    private final String ownerKind;

    /** Expectations of the controllers of kind {@code ownerKind} (pods whose controller reference has that kind). */
    public PodExpectations(String ownerKind) {
        this.ownerKind = ownerKind;
    }

    public boolean satisfied(String key) {
        return expectations.satisfied(key);
    }

    public void expectCreations(String key, int n) {
        expectations.expectCreations(key, n);
    }

    /** Expects the deletion of the pods with {@code uids}. */
    public void expectDeletions(String key, Collection<String> uids) {
        Set<String> set = ConcurrentHashMap.newKeySet();
        set.addAll(uids);
        deleting.put(key, set);
        expectations.expectDeletions(key, uids.size());
    }

    /** A create that failed or was skipped will never be observed. */
    public void creationObserved(String key) {
        expectations.creationObserved(key);
    }

    /** The pod with {@code uid} is gone or going (also for a failed delete, which will never be observed). */
    public void deletionObserved(String key, String uid) {
        Set<String> set = deleting.get(key);
        if (set != null && set.remove(uid)) {
            expectations.deletionObserved(key);
        }
    }

    /** The owner is gone: forget it. */
    public void forget(String key) {
        expectations.delete(key);
        deleting.remove(key);
    }

    @Override
    public void onAdd(Pod pod) {
        ownerKey(pod).ifPresent(key -> {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                deletionObserved(key, pod.getMetadata().getUid());
            } else {
                expectations.creationObserved(key);
            }
        });
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
        if (newPod.getMetadata().getDeletionTimestamp() != null) {
            ownerKey(newPod).ifPresent(key -> deletionObserved(key, newPod.getMetadata().getUid()));
        }
    }

    @Override
    public void onDelete(Pod pod) {
        ownerKey(pod).ifPresent(key -> deletionObserved(key, pod.getMetadata().getUid()));
    }

    private Optional<String> ownerKey(Pod pod) {
        Optional<OwnerReference> ref = Indexers.controllerOf(pod);
        if (ref.isEmpty() || !ownerKind.equals(ref.get().getKind())) {
            return Optional.empty();
        }
        return Optional.of(pod.getMetadata().getNamespace() + "/" + ref.get().getName());
    }
}
