package io.capstan.controllers.common;

import io.capstan.controller.EventRecorder;
import io.capstan.workloads.common.SlowStart;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.capstan.controllers.common.KubeErrors.message;

/**
 * Pod creates and deletes for the ReplicaSet, Job and DaemonSet controllers, as upstream's
 * RealPodControl and the controllers' manage loops do them (k8s.io/kubernetes/pkg/controller):
 * expectations are raised before the writes and lowered for every write that will never be
 * observed (failed, skipped); creates go in slow-start batches, each in parallel, and stop after
 * the first batch with a failure; every write is followed by its Event (SuccessfulCreate,
 * FailedCreate, SuccessfulDelete, FailedDelete). A pod already gone counts as deleted.
 *
 * <p>Thread-safe: holds no state of its own.
 */
public final class PodControl {
    private final KubernetesClient client;
    private final PodExpectations expectations;
    private final EventRecorder events;

    /**
     * What a batch of writes left undone.
     *
     * @param notDone    writes that failed or were skipped after a failure
     * @param firstError the first failure, or null when everything was written or the only
     *                   failures were creates refused because the namespace is being deleted
     */
    public record Outcome(int notDone, KubernetesClientException firstError) {
        static final Outcome DONE = new Outcome(0, null);

        public boolean failed() {
            return firstError != null;
        }

        /** Throws the first failure, so the controller retries with backoff. */
        public void throwIfFailed() {
            if (firstError != null) {
                throw firstError;
            }
        }
    }

    public PodControl(KubernetesClient client, PodExpectations expectations, EventRecorder events) {
        this.client = client;
        this.expectations = expectations;
        this.events = events;
    }

    /** Creates {@code pods} for {@code owner} (expectations key {@code key}) in slow-start batches. */
    public Outcome create(HasMetadata owner, String key, List<Pod> pods) throws InterruptedException {
        if (pods.isEmpty()) {
            return Outcome.DONE;
        }
        expectations.expectCreations(key, pods.size());
        int next = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int batch : SlowStart.batches(pods.size())) {
                List<Future<Pod>> results = new ArrayList<>();
                for (Pod pod : pods.subList(next, next + batch)) {
                    results.add(pool.submit(() -> client.pods().inNamespace(owner.getMetadata().getNamespace()).resource(pod).create()));
                }
                next += batch;
                int failed = 0;
                boolean terminating = false;
                KubernetesClientException firstError = null;
                for (Future<Pod> result : results) {
                    try {
                        events.normal(owner, "SuccessfulCreate", "Created pod: %s", result.get().getMetadata().getName());
                    } catch (ExecutionException e) {
                        failed++;
                        expectations.creationObserved(key);
                        KubernetesClientException error = e.getCause() instanceof KubernetesClientException k ? k
                                : new KubernetesClientException(String.valueOf(e.getCause()), e.getCause());
                        if (KubeErrors.namespaceTerminating(error)) {
                            // the namespace is going away with its owner: no event (it could not be written
                            // there either) and no retry, as upstream's controllers do
                            terminating = true;
                            continue;
                        }
                        events.warning(owner, "FailedCreate", "Error creating: %s", message(error));
                        if (firstError == null) {
                            firstError = error;
                        }
                    }
                }
                if (firstError != null || terminating) {
                    int skipped = pods.size() - next;
                    for (int i = 0; i < skipped; i++) {
                        expectations.creationObserved(key);
                    }
                    return new Outcome(failed + skipped, firstError);
                }
            }
        }
        return Outcome.DONE;
    }

    /** Deletes {@code victims} of {@code owner} (expectations key {@code key}); every victim is tried. */
    public Outcome delete(HasMetadata owner, String key, List<Pod> victims) {
        if (victims.isEmpty()) {
            return Outcome.DONE;
        }
        expectations.expectDeletions(key, victims.stream().map(p -> p.getMetadata().getUid()).toList());
        int failed = 0;
        KubernetesClientException firstError = null;
        for (Pod pod : victims) {
            try {
                if (client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete().isEmpty()) {
                    // already gone (fabric8 answers a 404 with no details): its deletion was or will be observed
                    expectations.deletionObserved(key, pod.getMetadata().getUid());
                    continue;
                }
                events.normal(owner, "SuccessfulDelete", "Deleted pod: %s", pod.getMetadata().getName());
            } catch (KubernetesClientException e) {
                // never observed now: a failed delete, or a pod someone else already removed
                expectations.deletionObserved(key, pod.getMetadata().getUid());
                if (e.getCode() != 404) {
                    failed++;
                    events.warning(owner, "FailedDelete", "Error deleting: %s", message(e));
                    if (firstError == null) {
                        firstError = e;
                    }
                }
            }
        }
        return new Outcome(failed, firstError);
    }
}
