package io.capstan.controllers.job;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Indexers;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.Adoption;
import io.capstan.controllers.common.ClaimCandidates;
import io.capstan.controllers.common.ControllerRefs;
import io.capstan.controllers.common.PodControl;
import io.capstan.controllers.common.PodExpectations;
import io.capstan.workloads.common.Copies;
import io.capstan.controllers.common.Statuses;
import io.capstan.workloads.job.JobModel;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import static io.capstan.controllers.common.KubeErrors.message;

/**
 * syncJob of k8s.io/kubernetes/pkg/controller/job plus the TTL-after-finished controller: reads
 * the Job and its namespace's pods from the informer caches, runs {@link JobModel#plan}, and
 * applies it: pod creates (slow-start batches) and deletes when earlier ones have been observed,
 * then the status through the status subresource, then (only after the status holds the
 * finished pods in {@code uncountedTerminatedPods}) the removal of the pods' job-tracking
 * finalizers, then the TTL deletion. Pods whose Job is gone lose their finalizer so that the
 * garbage collector can delete them.
 */
public final class JobReconciler implements Reconciler {
    private static final Logger LOG = Logger.getLogger(JobReconciler.class);

    private final KubernetesClient client;
    private final Store<Job> jobs;
    private final Store<Pod> pods;
    private final PodExpectations expectations = new PodExpectations(JobModel.KIND);
    private final PodControl podControl;
    private final EventRecorder events;

    /** Registers the expectation observer on {@code podInformer}, so build this before the informers start. */
    public JobReconciler(KubernetesClient client, Informer<Job> jobInformer, Informer<Pod> podInformer, EventRecorder events) {
        this.client = client;
        this.jobs = jobInformer.store();
        this.pods = podInformer.store();
        this.events = events;
        this.podControl = new PodControl(client, expectations, events);
        podInformer.addEventHandler(expectations);
    }

    /** Jobs an orphan pod could be adopted by (getPodJobs). */
    public Collection<Request> jobsMatchingOrphan(Pod pod) {
        return ControllerRefs.ownersMatchingOrphan(pod, jobs.list(pod.getMetadata().getNamespace()), j -> j.getSpec().getSelector());
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) throws Exception {
        String key = request.toString();
        Job job = jobs.get(request.namespace(), request.name()).orElse(null);
        if (job == null) {
            expectations.forget(key);
            releaseOrphans(request);
            return Result.done();
        }
        boolean satisfied = expectations.satisfied(key);
        Instant now = Instant.now();
        List<Pod> candidatePods = ClaimCandidates.of(pods, job);
        if (!JobModel.isFinished(job)) {
            // a finished Job is left alone, as upstream returns before getPodsForJob
            candidatePods = Adoption.by(client, job, JobModel.API_VERSION, JobModel.KIND, List.of(JobModel.TRACKING_FINALIZER))
                    .apply(JobModel.claim(job, candidatePods), candidatePods, Adoption.patcher(client, Pod.class));
        }
        JobModel.Plan plan = JobModel.plan(job, candidatePods, now);
        JobStatus status = plan.status();

        String failure = null;
        boolean canManage = satisfied && job.getMetadata().getDeletionTimestamp() == null && !JobModel.isFinished(job);
        if (canManage) {
            PodControl.Outcome deleted = podControl.delete(job, key, plan.delete());
            if (deleted.failed()) {
                failure = message(deleted.firstError());
            } else {
                PodControl.Outcome created = podControl.create(job, key, plan.create());
                if (created.notDone() > 0) {
                    status = Copies.deepCopy(status);
                    status.setActive(Math.max(0, (status.getActive() == null ? 0 : status.getActive()) - created.notDone()));
                }
                if (created.failed()) {
                    failure = "failed to create " + created.notDone() + " pod(s)";
                }
            }
        }

        if (!Statuses.same(status, job.getStatus())) {
            Job copy = Copies.deepCopy(job);
            copy.setStatus(status);
            client.batch().v1().jobs().inNamespace(request.namespace()).resource(copy).updateStatus();
            recordTransitions(job, status);
        }
        // Only now that the status counts them may the finished pods lose their finalizer.
        for (Pod pod : plan.removeFinalizers()) {
            removeTrackingFinalizer(pod);
        }
        if (failure != null) {
            throw new IllegalStateException("syncing Job " + key + " failed: " + failure);
        }
        if (plan.deleteJob()) {
            LOG.infof("Job %s finished more than ttlSecondsAfterFinished ago; deleting it", key);
            try {
                client.batch().v1().jobs().inNamespace(request.namespace()).withName(request.name())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
            return Result.done();
        }
        return plan.requeueAfter().map(Result::requeueAfter).orElse(Result.done());
    }

    /** The Events upstream records when a Job finishes or is suspended or resumed. */
    private void recordTransitions(Job job, JobStatus status) {
        JobCondition before = JobModel.finishedCondition(job);
        Job after = new Job();
        after.setStatus(status);
        JobCondition finished = JobModel.finishedCondition(after);
        if (before == null && finished != null) {
            if (JobModel.COMPLETE.equals(finished.getType())) {
                events.normal(job, "Completed", "Job completed");
            } else {
                events.warning(job, finished.getReason() == null ? "Failed" : finished.getReason(), "%s",
                        finished.getMessage() == null ? "Job failed" : finished.getMessage());
            }
        }
        boolean wasSuspended = isTrue(job.getStatus(), JobModel.SUSPENDED);
        boolean suspended = isTrue(status, JobModel.SUSPENDED);
        if (!wasSuspended && suspended) {
            events.normal(job, "Suspended", "Job suspended");
        } else if (wasSuspended && !suspended) {
            events.normal(job, "Resumed", "Job resumed");
        }
    }

    private static boolean isTrue(JobStatus status, String type) {
        return status != null && status.getConditions() != null
                && status.getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Pods still carrying the tracking finalizer whose Job is gone: nothing will ever count them, so release them. */
    private void releaseOrphans(Request request) {
        for (Pod pod : pods.list(request.namespace())) {
            Optional<OwnerReference> ref = Indexers.controllerOf(pod);
            if (ref.isPresent() && JobModel.KIND.equals(ref.get().getKind()) && request.name().equals(ref.get().getName())
                    && hasTrackingFinalizer(pod)) {
                removeTrackingFinalizer(pod);
            }
        }
    }

    private static boolean hasTrackingFinalizer(Pod pod) {
        List<String> f = pod.getMetadata().getFinalizers();
        return f != null && f.contains(JobModel.TRACKING_FINALIZER);
    }

    /** A JSON patch that tests the finalizer is where the cache saw it: a stale cache fails (422) and the sync retries. */
    private void removeTrackingFinalizer(Pod pod) {
        List<String> finalizers = pod.getMetadata().getFinalizers();
        int i = finalizers == null ? -1 : finalizers.indexOf(JobModel.TRACKING_FINALIZER);
        if (i < 0) {
            return;
        }
        String patch = """
                [{"op":"test","path":"/metadata/finalizers/%1$d","value":"%2$s"},{"op":"remove","path":"/metadata/finalizers/%1$d"}]"""
                .formatted(i, JobModel.TRACKING_FINALIZER);
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON), patch);
        } catch (KubernetesClientException e) {
            // 404: gone; 422: the test failed because the cache is behind, and the pod's next event brings it back here
            if (e.getCode() != 404 && e.getCode() != 422) {
                throw e;
            }
        }
    }
}
