package io.capstan.workloads.job;

import io.capstan.workloads.common.Conditions;
import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Pods;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The desired state of one Job, as k8s.io/kubernetes/pkg/controller/job (syncJob, manageJob,
 * trackJobStatusAndRemoveFinalizers) and the TTL-after-finished controller compute it.
 *
 * <p>Finished pods are counted with upstream's finalizer protocol: a terminal pod still holding
 * {@link #TRACKING_FINALIZER} is first recorded in {@code status.uncountedTerminatedPods}; once its
 * finalizer is gone (or the pod is), a later sync moves it into {@code succeeded}/{@code failed}.
 * The reconciler must therefore write {@link Plan#status()} <em>before</em> removing the
 * finalizers of {@link Plan#removeFinalizers()}, so a crash in between never counts a pod twice.
 * The interim conditions SuccessCriteriaMet/FailureTarget come first; Complete/Failed follow once
 * no pod is active, terminating or uncounted.
 */
public final class JobModel {
    public static final String API_VERSION = "batch/v1";
    public static final String KIND = "Job";
    public static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    public static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
    public static final String CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
    public static final String LEGACY_JOB_NAME_LABEL = "job-name";
    public static final String LEGACY_CONTROLLER_UID_LABEL = "controller-uid";
    public static final String COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
    public static final String COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";
    public static final int DEFAULT_BACKOFF_LIMIT = 6;
    /** maxPodCreateDeletePerSync. */
    public static final int MAX_POD_CREATE_DELETE_PER_SYNC = 500;
    /** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
    public static final Duration POD_FAILURE_BACKOFF = Duration.ofSeconds(10);
    public static final Duration MAX_POD_FAILURE_BACKOFF = Duration.ofSeconds(360);

    public static final String COMPLETE = "Complete";
    public static final String FAILED = "Failed";
    public static final String SUCCESS_CRITERIA_MET = "SuccessCriteriaMet";
    public static final String FAILURE_TARGET = "FailureTarget";
    public static final String SUSPENDED = "Suspended";
    public static final String REASON_BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";
    public static final String REASON_DEADLINE_EXCEEDED = "DeadlineExceeded";
    public static final String REASON_COMPLETIONS_REACHED = "CompletionsReached";
    public static final String MESSAGE_BACKOFF_LIMIT_EXCEEDED = "Job has reached the specified backoff limit";
    public static final String MESSAGE_DEADLINE_EXCEEDED = "Job was active longer than specified deadline";
    public static final String MESSAGE_COMPLETIONS_REACHED = "Reached expected number of succeeded pods";

    static final Conditions.Shape<JobCondition> SHAPE = new Conditions.Shape<>() {
        public String type(JobCondition c) {
            return c.getType();
        }

        public String status(JobCondition c) {
            return c.getStatus();
        }

        public String lastTransitionTime(JobCondition c) {
            return c.getLastTransitionTime();
        }

        public JobCondition create(String type, String status, String reason, String message, String now, String transition) {
            return new JobConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                    .withLastProbeTime(now).withLastTransitionTime(transition).build();
        }
    };

    private JobModel() {
    }

    /**
     * One sync of a Job.
     *
     * @param create           pods to create (named by {@code generateName}), at most
     *                         {@link #MAX_POD_CREATE_DELETE_PER_SYNC}
     * @param delete           active pods to delete
     * @param removeFinalizers pods whose {@link #TRACKING_FINALIZER} to remove, after the status is written
     * @param status           the status to write (first)
     * @param deleteJob        the TTL has expired: delete the Job (propagation Foreground)
     * @param requeueAfter     when to look again (deadline, backoff, TTL)
     */
    public record Plan(List<Pod> create, List<Pod> delete, List<Pod> removeFinalizers, JobStatus status,
                       boolean deleteJob, Optional<Duration> requeueAfter) {
    }

    public static int parallelism(Job job) {
        Integer p = job.getSpec().getParallelism();
        return p == null ? 1 : p;
    }

    public static Integer completions(Job job) {
        return job.getSpec().getCompletions();
    }

    public static int backoffLimit(Job job) {
        Integer b = job.getSpec().getBackoffLimit();
        return b == null ? DEFAULT_BACKOFF_LIMIT : b;
    }

    public static boolean isIndexed(Job job) {
        return "Indexed".equals(job.getSpec().getCompletionMode());
    }

    public static boolean isSuspended(Job job) {
        return Boolean.TRUE.equals(job.getSpec().getSuspend());
    }

    /** The Complete or Failed condition with status True, or null while the Job runs. */
    public static JobCondition finishedCondition(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> (COMPLETE.equals(c.getType()) || FAILED.equals(c.getType())) && "True".equals(c.getStatus()))
                .findFirst().orElse(null);
    }

    /**
     * getPodsForJob: the pods of the namespace the Job claims by its selector, adopting orphans
     * (which get the tracking finalizer with the controller reference) and releasing pods that no
     * longer match. Terminal pods are claimed too, so an adopted finished pod is counted.
     */
    public static Owners.Claim<Pod> claim(Job job, List<Pod> namespacePods) {
        return Owners.claimBySelector(job, job.getSpec().getSelector(), p -> true, namespacePods);
    }

    public static boolean isFinished(Job job) {
        return finishedCondition(job) != null;
    }

    public static boolean isSucceeded(Job job) {
        JobCondition c = finishedCondition(job);
        return c != null && COMPLETE.equals(c.getType());
    }

    /**
     * The TTL-after-finished controller: when a finished Job with {@code ttlSecondsAfterFinished}
     * expires (its completion time, or its finish condition's transition time, plus the TTL).
     */
    public static Optional<Instant> expiresAt(Job job) {
        Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
        JobCondition finished = finishedCondition(job);
        if (ttl == null || finished == null) {
            return Optional.empty();
        }
        Instant at = job.getStatus().getCompletionTime() != null ? Times.parse(job.getStatus().getCompletionTime())
                : Times.parse(finished.getLastTransitionTime());
        return at == null ? Optional.empty() : Optional.of(at.plusSeconds(ttl));
    }

    /** The completion index a pod carries, or -1 when absent or malformed. */
    public static int completionIndex(Pod pod) {
        String v = Pods.annotations(pod).get(COMPLETION_INDEX_ANNOTATION);
        if (v == null) {
            v = Pods.labels(pod).get(COMPLETION_INDEX_ANNOTATION);
        }
        if (v == null) {
            return -1;
        }
        try {
            int i = Integer.parseInt(v);
            return i < 0 ? -1 : i;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * A pod of the Job: the template with the job-name and controller-uid labels, the tracking
     * finalizer and the controller reference; in Indexed mode also the completion index
     * annotation and label, the {@code JOB_COMPLETION_INDEX} variable and hostname {@code <job>-<index>}.
     *
     * @param index the completion index, or -1 in NonIndexed mode
     */
    public static Pod newPod(Job job, int index) {
        PodTemplateSpec template = Copies.deepCopy(job.getSpec().getTemplate());
        ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        String name = job.getMetadata().getName();
        String uid = job.getMetadata().getUid();
        Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.put(CONTROLLER_UID_LABEL, uid);
        labels.put(JOB_NAME_LABEL, name);
        labels.put(LEGACY_CONTROLLER_UID_LABEL, uid);
        labels.put(LEGACY_JOB_NAME_LABEL, name);
        Map<String, String> annotations = new LinkedHashMap<>(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations());
        PodSpec spec = template.getSpec();
        if (index >= 0) {
            annotations.put(COMPLETION_INDEX_ANNOTATION, Integer.toString(index));
            labels.put(COMPLETION_INDEX_ANNOTATION, Integer.toString(index));
            addIndexEnv(spec.getInitContainers());
            addIndexEnv(spec.getContainers());
            if (spec.getHostname() == null || spec.getHostname().isEmpty()) {
                spec.setHostname(name + "-" + index);
            }
        }
        ObjectMeta podMeta = new ObjectMeta();
        podMeta.setGenerateName(index >= 0 ? name + "-" + index + "-" : name + "-");
        podMeta.setNamespace(job.getMetadata().getNamespace());
        podMeta.setLabels(labels);
        podMeta.setAnnotations(annotations.isEmpty() ? null : annotations);
        List<String> finalizers = new ArrayList<>(meta.getFinalizers() == null ? List.of() : meta.getFinalizers());
        finalizers.add(TRACKING_FINALIZER);
        podMeta.setFinalizers(finalizers);
        podMeta.setOwnerReferences(List.of(Owners.controllerRef(job, API_VERSION, KIND)));
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        pod.setMetadata(podMeta);
        pod.setSpec(spec);
        return pod;
    }

    private static void addIndexEnv(List<Container> containers) {
        if (containers == null) {
            return;
        }
        for (Container c : containers) {
            List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
            if (env.stream().anyMatch(e -> COMPLETION_INDEX_ENV.equals(e.getName()))) {
                continue;
            }
            env.add(new EnvVarBuilder().withName(COMPLETION_INDEX_ENV).withNewValueFrom().withNewFieldRef()
                    .withFieldPath("metadata.annotations['" + COMPLETION_INDEX_ANNOTATION + "']").endFieldRef()
                    .endValueFrom().build());
            c.setEnv(env);
        }
    }

    private static boolean hasFinalizer(Pod pod) {
        List<String> f = pod.getMetadata().getFinalizers();
        return f != null && f.contains(TRACKING_FINALIZER);
    }

    /** isPodFailed with the default pod replacement policy: Failed, or deleted before succeeding. */
    private static boolean countsAsFailed(Pod pod) {
        return Pods.isFailed(pod) || (Pods.isTerminating(pod) && !Pods.isSucceeded(pod));
    }

    /**
     * Plans one sync of {@code job} over all pods of its namespace (the Job's own are those it
     * controls). Pure: nothing passed in is modified.
     */
    public static Plan plan(Job job, List<Pod> namespacePods, Instant now) {
        JobStatus status = job.getStatus() == null ? new JobStatus() : Copies.deepCopy(job.getStatus());
        List<Pod> pods = Owners.controlledBy(job, namespacePods);
        boolean indexed = isIndexed(job);
        Integer completions = completions(job);
        int completionCount = completions == null ? 0 : completions;

        // Count finished pods through uncountedTerminatedPods.
        Map<String, Pod> byUid = new HashMap<>();
        pods.forEach(p -> byUid.put(p.getMetadata().getUid(), p));
        UncountedTerminatedPods oldUncounted = status.getUncountedTerminatedPods();
        Set<String> uncountedSucceeded = new LinkedHashSet<>(oldUncounted == null || oldUncounted.getSucceeded() == null ? List.of() : oldUncounted.getSucceeded());
        Set<String> uncountedFailed = new LinkedHashSet<>(oldUncounted == null || oldUncounted.getFailed() == null ? List.of() : oldUncounted.getFailed());
        int succeeded = status.getSucceeded() == null ? 0 : status.getSucceeded();
        int failed = status.getFailed() == null ? 0 : status.getFailed();
        TreeSet<Integer> completed = indexed ? CompletedIndexes.parse(status.getCompletedIndexes(), completionCount) : new TreeSet<>();
        for (String uid : List.copyOf(uncountedSucceeded)) {
            Pod p = byUid.get(uid);
            if (p == null || !hasFinalizer(p)) {
                uncountedSucceeded.remove(uid);
                if (!indexed) {
                    succeeded++;
                }
            }
        }
        for (String uid : List.copyOf(uncountedFailed)) {
            Pod p = byUid.get(uid);
            if (p == null || !hasFinalizer(p)) {
                uncountedFailed.remove(uid);
                failed++;
            }
        }
        List<Pod> removeFinalizers = new ArrayList<>();
        Instant lastFailure = null;
        Instant lastSuccess = null;
        int failuresAfterSuccess = 0;
        for (Pod p : pods) {
            String uid = p.getMetadata().getUid();
            boolean newlyFinished = hasFinalizer(p) && !uncountedSucceeded.contains(uid) && !uncountedFailed.contains(uid);
            if (Pods.isSucceeded(p)) {
                if (newlyFinished) {
                    int idx = completionIndex(p);
                    if (!indexed || (idx >= 0 && idx < completionCount)) {
                        uncountedSucceeded.add(uid);
                        if (indexed) {
                            completed.add(idx);
                        }
                    }
                }
                if (hasFinalizer(p)) {
                    removeFinalizers.add(p);
                }
            } else if (countsAsFailed(p)) {
                if (newlyFinished) {
                    uncountedFailed.add(uid);
                }
                if (hasFinalizer(p)) {
                    removeFinalizers.add(p);
                }
            }
        }
        for (Pod p : pods) {
            Instant t = finishTime(p);
            if (Pods.isSucceeded(p) && t != null && (lastSuccess == null || t.isAfter(lastSuccess))) {
                lastSuccess = t;
            }
        }
        for (Pod p : pods) {
            Instant t = finishTime(p);
            if (Pods.isFailed(p) && t != null && (lastSuccess == null || t.isAfter(lastSuccess))) {
                failuresAfterSuccess++;
                if (lastFailure == null || t.isAfter(lastFailure)) {
                    lastFailure = t;
                }
            }
        }
        if (indexed) {
            succeeded = completed.size();
        }
        int succeededTotal = indexed ? succeeded : succeeded + uncountedSucceeded.size();
        int failedTotal = failed + uncountedFailed.size();

        List<Pod> active = pods.stream().filter(Pods::isActive).toList();
        int terminating = (int) pods.stream().filter(p -> Pods.isTerminating(p) && !Pods.isTerminal(p)).count();
        List<Pod> create = new ArrayList<>();
        List<Pod> delete = new ArrayList<>();
        List<JobCondition> conditions = status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
        Optional<Duration> requeue = Optional.empty();
        boolean deleteJob = false;

        if (isFinished(job)) {
            // Only bookkeeping and the TTL remain; every pod's finalizer goes.
            pods.stream().filter(JobModel::hasFinalizer).filter(p -> !removeFinalizers.contains(p)).forEach(removeFinalizers::add);
            Optional<Instant> expiry = expiresAt(job);
            if (expiry.isPresent()) {
                if (!now.isBefore(expiry.get())) {
                    deleteJob = true;
                } else {
                    requeue = Optional.of(Duration.between(now, expiry.get()));
                }
            }
            status.setActive(active.size());
        } else {
            boolean suspended = isSuspended(job);
            if (suspended) {
                delete.addAll(active);
                conditions = Conditions.set(conditions, SHAPE, SUSPENDED, "True", "JobSuspended", "Job suspended", now);
            } else {
                if (Conditions.isTrue(conditions, SHAPE, SUSPENDED)) {
                    conditions = Conditions.set(conditions, SHAPE, SUSPENDED, "False", "JobResumed", "Job resumed", now);
                    status.setStartTime(Times.format(now));
                }
                if (status.getStartTime() == null) {
                    status.setStartTime(Times.format(now));
                }
            }
            Instant start = Times.parse(status.getStartTime());
            JobCondition interim = Conditions.find(conditions, SHAPE, FAILURE_TARGET);
            if (interim == null || !"True".equals(interim.getStatus())) {
                interim = Conditions.find(conditions, SHAPE, SUCCESS_CRITERIA_MET);
                if (interim != null && !"True".equals(interim.getStatus())) {
                    interim = null;
                }
            }
            if (interim == null && !suspended) {
                Long deadline = job.getSpec().getActiveDeadlineSeconds();
                if (failedTotal > backoffLimit(job) || pastBackoffLimitOnFailure(job, active)) {
                    conditions = Conditions.set(conditions, SHAPE, FAILURE_TARGET, "True", REASON_BACKOFF_LIMIT_EXCEEDED, MESSAGE_BACKOFF_LIMIT_EXCEEDED, now);
                    interim = Conditions.find(conditions, SHAPE, FAILURE_TARGET);
                } else if (deadline != null && start != null && !now.isBefore(start.plusSeconds(deadline))) {
                    conditions = Conditions.set(conditions, SHAPE, FAILURE_TARGET, "True", REASON_DEADLINE_EXCEEDED, MESSAGE_DEADLINE_EXCEEDED, now);
                    interim = Conditions.find(conditions, SHAPE, FAILURE_TARGET);
                } else if (deadline != null && start != null) {
                    requeue = Optional.of(Duration.between(now, start.plusSeconds(deadline)));
                }
            }
            int activeAfter;
            if (interim != null && FAILURE_TARGET.equals(interim.getType())) {
                delete.addAll(active);
                activeAfter = 0;
            } else if (suspended) {
                activeAfter = 0;
            } else {
                Manage m = indexed ? manageIndexed(job, active, completed) : manageNonIndexed(job, active, succeededTotal);
                activeAfter = active.size() - m.delete.size() + m.create;
                delete.addAll(m.delete);
                if (m.create > 0) {
                    Duration backoff = remainingBackoff(failuresAfterSuccess, lastFailure, now);
                    if (backoff.isZero()) {
                        for (int i = 0; i < m.create; i++) {
                            create.add(newPod(job, indexed ? m.indexes.get(i) : -1));
                        }
                    } else {
                        activeAfter -= m.create;
                        requeue = min(requeue, backoff);
                    }
                }
                if (interim == null) {
                    boolean complete = indexed
                            ? completed.size() >= completionCount && activeAfter == 0
                            : completions == null ? succeededTotal > 0 && activeAfter == 0 : succeededTotal >= completions && activeAfter == 0;
                    if (complete) {
                        conditions = Conditions.set(conditions, SHAPE, SUCCESS_CRITERIA_MET, "True", REASON_COMPLETIONS_REACHED, MESSAGE_COMPLETIONS_REACHED, now);
                        interim = Conditions.find(conditions, SHAPE, SUCCESS_CRITERIA_MET);
                    }
                }
            }
            // The final condition waits until no pod is running, terminating or uncounted.
            if (interim != null && activeAfter == 0 && terminating == 0 && delete.isEmpty()
                    && uncountedSucceeded.isEmpty() && uncountedFailed.isEmpty() && removeFinalizers.isEmpty()) {
                boolean success = SUCCESS_CRITERIA_MET.equals(interim.getType());
                conditions = Conditions.set(conditions, SHAPE, success ? COMPLETE : FAILED, "True", interim.getReason(), interim.getMessage(), now);
                if (success) {
                    status.setCompletionTime(Times.format(now));
                }
                Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
                requeue = ttl == null ? Optional.empty() : Optional.of(Duration.ofSeconds(ttl));
            }
            status.setActive(activeAfter);
        }
        List<Pod> deleting = delete;
        status.setReady((int) active.stream().filter(p -> !deleting.contains(p)).filter(Pods::isReady).count());
        status.setTerminating(terminating + delete.size());
        status.setSucceeded(succeeded);
        status.setFailed(failed);
        UncountedTerminatedPods uncounted = new UncountedTerminatedPods();
        uncounted.setSucceeded(new ArrayList<>(uncountedSucceeded));
        uncounted.setFailed(new ArrayList<>(uncountedFailed));
        status.setUncountedTerminatedPods(uncounted);
        if (indexed) {
            status.setCompletedIndexes(CompletedIndexes.format(completed));
        }
        status.setConditions(conditions.isEmpty() ? null : conditions);
        return new Plan(List.copyOf(create), List.copyOf(delete), List.copyOf(removeFinalizers), status, deleteJob, requeue);
    }

    private record Manage(int create, List<Integer> indexes, List<Pod> delete) {
    }

    /** manageJob for NonIndexed jobs: how many pods to add, which to remove. */
    private static Manage manageNonIndexed(Job job, List<Pod> active, int succeeded) {
        int parallelism = parallelism(job);
        Integer completions = completions(job);
        int want;
        if (completions == null) {
            want = succeeded > 0 ? active.size() : parallelism;
        } else {
            want = Math.max(0, Math.min(parallelism, completions - succeeded));
        }
        int remove = Math.max(0, active.size() - want);
        List<Pod> delete = rankForRemoval(active).subList(0, Math.min(remove, MAX_POD_CREATE_DELETE_PER_SYNC));
        int create = Math.min(Math.max(0, want - active.size()), MAX_POD_CREATE_DELETE_PER_SYNC);
        return new Manage(create, List.of(), List.copyOf(delete));
    }

    /** manageJob for Indexed jobs: duplicates and out-of-range indexes go, the lowest pending indexes start. */
    private static Manage manageIndexed(Job job, List<Pod> active, TreeSet<Integer> completed) {
        int completions = completions(job) == null ? 0 : completions(job);
        int parallelism = parallelism(job);
        List<Pod> delete = new ArrayList<>();
        Map<Integer, Pod> running = new HashMap<>();
        for (Pod p : rankForRemoval(active).reversed()) {
            int idx = completionIndex(p);
            if (idx < 0 || idx >= completions || completed.contains(idx) || running.containsKey(idx)) {
                delete.add(p);
            } else {
                running.put(idx, p);
            }
        }
        int want = Math.max(0, Math.min(parallelism, completions - completed.size()));
        int remove = Math.max(0, running.size() - want);
        if (remove > 0) {
            List<Pod> kept = active.stream().filter(running::containsValue).toList();
            delete.addAll(rankForRemoval(kept).subList(0, remove));
        }
        List<Integer> pending = new ArrayList<>();
        int toCreate = Math.min(Math.max(0, want - running.size()), MAX_POD_CREATE_DELETE_PER_SYNC);
        for (int i = 0; i < completions && pending.size() < toCreate; i++) {
            if (!completed.contains(i) && !running.containsKey(i)) {
                pending.add(i);
            }
        }
        return new Manage(pending.size(), pending, delete);
    }

    /**
     * controller.ActivePods ordering, most removable first: unscheduled before scheduled,
     * pending before running, not ready before ready, more restarts first, newer first.
     */
    static List<Pod> rankForRemoval(List<Pod> pods) {
        Comparator<Pod> c = Comparator.comparing((Pod p) -> p.getSpec() != null && p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty())
                .thenComparing(p -> "Pending".equals(Pods.phase(p)) ? 0 : "Running".equals(Pods.phase(p)) ? 2 : 1)
                .thenComparing(Pods::isReady)
                .thenComparing(p -> -restarts(p))
                .thenComparing((Pod p) -> creation(p), Comparator.reverseOrder());
        return pods.stream().sorted(c).toList();
    }

    private static Instant creation(Pod p) {
        Instant t = Times.parse(p.getMetadata().getCreationTimestamp());
        return t == null ? Instant.EPOCH : t;
    }

    private static int restarts(Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        return p.getStatus().getContainerStatuses().stream().mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount()).sum();
    }

    /** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count as failures. */
    private static boolean pastBackoffLimitOnFailure(Job job, List<Pod> active) {
        PodSpec spec = job.getSpec().getTemplate().getSpec();
        if (spec == null || !"OnFailure".equals(spec.getRestartPolicy())) {
            return false;
        }
        int total = 0;
        for (Pod p : active) {
            if (p.getStatus() == null) {
                continue;
            }
            for (List<ContainerStatus> list : new List[]{p.getStatus().getInitContainerStatuses(), p.getStatus().getContainerStatuses()}) {
                if (list != null) {
                    total += list.stream().mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount()).sum();
                }
            }
        }
        int limit = backoffLimit(job);
        return limit == 0 ? total > 0 : total >= limit;
    }

    /** The time a finished pod finished: its last container termination, else its Ready transition. */
    static Instant finishTime(Pod p) {
        Instant latest = null;
        if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus s : p.getStatus().getContainerStatuses()) {
                if (s.getState() != null && s.getState().getTerminated() != null) {
                    Instant t = Times.parse(s.getState().getTerminated().getFinishedAt());
                    if (t != null && (latest == null || t.isAfter(latest))) {
                        latest = t;
                    }
                }
            }
        }
        if (latest == null && Pods.condition(p, "Ready") != null) {
            latest = Times.parse(Pods.condition(p, "Ready").getLastTransitionTime());
        }
        return latest == null ? Times.parse(p.getMetadata().getCreationTimestamp()) : latest;
    }

    /** The pod-failure backoff still to wait: 10 s doubled per failure since the last success, at most 6 min. */
    static Duration remainingBackoff(int failures, Instant lastFailure, Instant now) {
        if (failures == 0 || lastFailure == null) {
            return Duration.ZERO;
        }
        Duration backoff = POD_FAILURE_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 20));
        if (backoff.compareTo(MAX_POD_FAILURE_BACKOFF) > 0) {
            backoff = MAX_POD_FAILURE_BACKOFF;
        }
        Duration left = Duration.between(now, lastFailure.plus(backoff));
        return left.isNegative() ? Duration.ZERO : left;
    }

    private static Optional<Duration> min(Optional<Duration> a, Duration b) {
        return Optional.of(a.isPresent() && a.get().compareTo(b) < 0 ? a.get() : b);
    }
}
