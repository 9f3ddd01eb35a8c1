package io.capstan.controllers.cronjob;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.workloads.common.Copies;
import io.capstan.controllers.common.Statuses;
import io.capstan.workloads.cronjob.CronJobModel;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;

import static io.capstan.controllers.common.KubeErrors.message;

/**
 * syncCronJob of k8s.io/kubernetes/pkg/controller/cronjob (v2): reads the CronJob and its
 * namespace's Jobs from the informer caches, runs {@link CronJobModel#plan}, and applies it:
 * deletes the replaced Jobs and those beyond the history limits (propagation Background, so the
 * garbage collector removes their pods), creates the Job that is due, writes the status (with the
 * created Job as active and its scheduled time as lastScheduleTime), records the Events of what it
 * did and saw, each after the write it reports, and requeues itself for the next start time.
 */
public final class CronJobReconciler implements Reconciler {
    private static final Logger LOG = Logger.getLogger(CronJobReconciler.class);

    private final KubernetesClient client;
    private final Store<CronJob> cronJobs;
    private final Store<Job> jobs;
    private final EventRecorder events;

    public CronJobReconciler(KubernetesClient client, Informer<CronJob> cronJobInformer, Informer<Job> jobInformer, EventRecorder events) {
        this.client = client;
        this.cronJobs = cronJobInformer.store();
        this.jobs = jobInformer.store();
        this.events = events;
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) {
        CronJob cj = cronJobs.get(request.namespace(), request.name()).orElse(null);
        if (cj == null) {
            return Result.done();
        }
        CronJobModel.Plan plan = CronJobModel.plan(cj, namespaceJobs(cj), Instant.now());
        for (Job job : plan.delete()) {
            try {
                client.batch().v1().jobs().inNamespace(request.namespace()).withName(job.getMetadata().getName())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                events.normal(cj, "SuccessfulDelete", "Deleted job %s", job.getMetadata().getName());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    events.warning(cj, "FailedDelete", "Deleted job: %s", message(e));
                    throw e;
                }
            }
        }
        CronJobStatus status = plan.status();
        if (plan.create().isPresent()) {
            Job wanted = plan.create().get();
            Job created;
            try {
                created = client.batch().v1().jobs().inNamespace(request.namespace()).resource(wanted).create();
                events.normal(cj, "SuccessfulCreate", "Created job %s", created.getMetadata().getName());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    events.warning(cj, "FailedCreate", "Error creating job: %s", message(e));
                    throw e;
                }
                // AlreadyExists: ours from an earlier sync whose status write was lost, or someone else's
                created = client.batch().v1().jobs().inNamespace(request.namespace()).withName(wanted.getMetadata().getName()).get();
                if (created == null || !controlledBy(created, cj)) {
                    LOG.infof("Job %s/%s exists and is not controlled by CronJob %s", request.namespace(), wanted.getMetadata().getName(), request);
                    created = null;
                }
            }
            if (created != null) {
                status = plan.statusAfterCreate(created);
            }
        }
        if (!Statuses.same(status, cj.getStatus())) {
            CronJob copy = Copies.deepCopy(cj);
            copy.setStatus(status);
            client.batch().v1().cronjobs().inNamespace(request.namespace()).resource(copy).updateStatus();
        }
        // what the sync saw (SawCompletedJob, MissingJob ...), once the status that reflects it is written
        for (CronJobModel.Event e : plan.events()) {
            events.event(cj, e.type(), e.reason(), e.message());
        }
        return plan.requeueAfter().map(Result::requeueAfter).orElse(Result.done());
    }

    /**
     * The namespace's Jobs from the cache, plus any active Job the cache has not seen yet (just
     * created): as upstream, a Job is only "missing" when the api-server says so too.
     */
    private List<Job> namespaceJobs(CronJob cj) {
        String ns = cj.getMetadata().getNamespace();
        List<Job> out = new ArrayList<>(jobs.list(ns));
        if (cj.getStatus() == null || cj.getStatus().getActive() == null) {
            return out;
        }
        Set<String> cached = new HashSet<>();
        out.forEach(j -> cached.add(j.getMetadata().getUid()));
        for (ObjectReference ref : cj.getStatus().getActive()) {
            if (ref.getUid() == null || cached.contains(ref.getUid()) || ref.getName() == null) {
                continue;
            }
            Job live = client.batch().v1().jobs().inNamespace(ns).withName(ref.getName()).get();
            if (live != null && ref.getUid().equals(live.getMetadata().getUid())) {
                out.add(live);
            }
        }
        return out;
    }

    private static boolean controlledBy(Job job, CronJob cj) {
        List<OwnerReference> refs = job.getMetadata().getOwnerReferences();
        return refs != null && refs.stream().anyMatch(r -> Boolean.TRUE.equals(r.getController())
                && Objects.equals(r.getUid(), cj.getMetadata().getUid()));
    }

}
