package io.capstan.workloads.cronjob;

import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Times;
import io.capstan.workloads.job.JobModel;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The desired state of one CronJob, as k8s.io/kubernetes/pkg/controller/cronjob
 * (cronjob_controllerv2.go syncCronJob and cleanupFinishedJobs, utils.go) computes it.
 *
 * <p>The reconciler deletes {@link Plan#delete()} (propagation Background), creates
 * {@link Plan#create()}, and writes {@link Plan#statusAfterCreate(Job)} with the created Job
 * (or, on AlreadyExists, the existing Job when this CronJob controls it), else {@link Plan#status()}.
 */
public final class CronJobModel {
    public static final String API_VERSION = "batch/v1";
    public static final String KIND = "CronJob";
    public static final String SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";
    /** More missed start times than this raise TooManyMissedTimes. */
    public static final int MANY_MISSED = 100;
    /** nextScheduleDelta: requeue a little after the scheduled time. */
    public static final Duration NEXT_SCHEDULE_DELTA = Duration.ofMillis(100);

    private CronJobModel() {
    }

    public record Event(String type, String reason, String message) {
    }

    /**
     * One sync of a CronJob.
     *
     * @param create        the Job to create, if a start is due
     * @param delete        Jobs to delete: those replaced (concurrencyPolicy Replace) and finished
     *                      Jobs beyond the history limits
     * @param status        the status without the Job to create
     * @param statusChanged whether {@code status} (or the Job to create) differs from the stored status
     * @param events        what the sync observed (SawCompletedJob, MissingJob, schedule problems ...), to
     *                      record once the plan is applied; the reconciler records the creations and
     *                      deletions itself, once they succeeded
     * @param requeueAfter  when the next start is due (plus {@link #NEXT_SCHEDULE_DELTA})
     */
    public record Plan(Optional<Job> create, List<Job> delete, CronJobStatus status, boolean statusChanged,
                       List<Event> events, Optional<Duration> requeueAfter) {
        /** The status with {@code created} in the active list and its scheduled time as lastScheduleTime. */
        public CronJobStatus statusAfterCreate(Job created) {
            CronJobStatus s = Copies.deepCopy(status);
            List<ObjectReference> active = new ArrayList<>(s.getActive() == null ? List.of() : s.getActive());
            active.removeIf(r -> Objects.equals(r.getName(), created.getMetadata().getName()));
            active.add(jobRef(created));
            s.setActive(active);
            String scheduled = created.getMetadata().getAnnotations() == null ? null
                    : created.getMetadata().getAnnotations().get(SCHEDULED_TIMESTAMP_ANNOTATION);
            Instant at = scheduled == null ? null : Instant.from(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(scheduled));
            if (at != null) {
                s.setLastScheduleTime(Times.format(at));
            }
            return s;
        }
    }

    /** The outcome of mostRecentScheduleTime. */
    public record MostRecent(Instant earliest, Instant mostRecent, long missed) {
    }

    /** The schedule with the CronJob's time zone ({@code spec.timeZone}, else UTC). */
    public static CronSchedule schedule(CronJob cj) {
        String tz = cj.getSpec().getTimeZone();
        ZoneId zone = tz == null ? ZoneOffset.UTC : ZoneId.of(tz);
        return CronSchedule.parse(cj.getSpec().getSchedule(), zone);
    }

    /** getJobName: {@code <cronjob>-<scheduled time in minutes since the epoch>}. */
    public static String jobName(CronJob cj, Instant scheduled) {
        return cj.getMetadata().getName() + "-" + (scheduled.getEpochSecond() / 60);
    }

    /**
     * mostRecentScheduleTime: the latest start time in (earliest, now], where earliest is the
     * last schedule time (else the creation time), raised to now - startingDeadlineSeconds when
     * {@code includeStartingDeadline}; and the approximate count of missed start times.
     *
     * @throws IllegalArgumentException when two consecutive start times are less than a second apart
     *                                  or the schedule has no start times
     */
    public static MostRecent mostRecentScheduleTime(CronJob cj, Instant now, CronSchedule schedule, boolean includeStartingDeadline) {
        Instant earliest = Times.parse(cj.getMetadata().getCreationTimestamp());
        if (cj.getStatus() != null && cj.getStatus().getLastScheduleTime() != null) {
            earliest = Times.parse(cj.getStatus().getLastScheduleTime());
        }
        if (earliest == null) {
            earliest = now;
        }
        Long sds = cj.getSpec().getStartingDeadlineSeconds();
        if (includeStartingDeadline && sds != null) {
            Instant deadline = now.minusSeconds(sds);
            if (deadline.isAfter(earliest)) {
                earliest = deadline;
            }
        }
        Instant t1 = schedule.next(earliest);
        if (t1 == null) {
            throw new IllegalArgumentException("time difference between two schedules is less than 1 second");
        }
        Instant t2 = schedule.next(t1);
        if (now.isBefore(t1)) {
            return new MostRecent(earliest, null, 0);
        }
        if (t2 == null || now.isBefore(t2)) {
            return new MostRecent(earliest, t1, 0);
        }
        long between = Duration.between(t1, t2).plusMillis(500).getSeconds();
        if (between < 1) {
            throw new IllegalArgumentException("time difference between two schedules is less than 1 second");
        }
        long elapsed = Duration.between(t1, now).getSeconds();
        long missed = elapsed / between + 1;
        Instant potentialEarliest = t1.plusSeconds((missed - 1 - 1) * between);
        Instant mostRecent = null;
        for (Instant t = schedule.next(potentialEarliest); t != null && !t.isAfter(now); t = schedule.next(t)) {
            mostRecent = t;
        }
        return new MostRecent(earliest, mostRecent, missed);
    }

    /** nextScheduleTimeDuration: how long until the next start time after the most recent one, plus 100 ms. */
    public static Duration nextScheduleTimeDuration(CronJob cj, Instant now, CronSchedule schedule) {
        Instant from;
        try {
            MostRecent m = mostRecentScheduleTime(cj, now, schedule, false);
            from = m.mostRecent() != null ? m.mostRecent() : m.missed() <= 1 ? m.earliest() : now;
        } catch (IllegalArgumentException e) {
            from = now;
        }
        Instant next = schedule.next(from);
        if (next == null) {
            next = schedule.next(now);
        }
        return next == null ? Duration.ofDays(365) : Duration.between(now, next).plus(NEXT_SCHEDULE_DELTA);
    }

    /**
     * getJobFromTemplate2: the Job for the start at {@code scheduled}, with the template's
     * labels and annotations, the scheduled-timestamp annotation (RFC 3339 in the CronJob's
     * zone) and this CronJob as controller.
     */
    public static Job newJob(CronJob cj, Instant scheduled) {
        ObjectMeta tm = cj.getSpec().getJobTemplate().getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(tm == null || tm.getLabels() == null ? Map.of() : tm.getLabels());
        Map<String, String> annotations = new LinkedHashMap<>(tm == null || tm.getAnnotations() == null ? Map.of() : tm.getAnnotations());
        String tz = cj.getSpec().getTimeZone();
        ZoneId zone = tz == null ? ZoneOffset.UTC : ZoneId.of(tz);
        annotations.put(SCHEDULED_TIMESTAMP_ANNOTATION,
                DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(scheduled.truncatedTo(ChronoUnit.SECONDS).atZone(zone)));
        ObjectMeta meta = new ObjectMeta();
        meta.setName(jobName(cj, scheduled));
        meta.setNamespace(cj.getMetadata().getNamespace());
        meta.setLabels(labels.isEmpty() ? null : labels);
        meta.setAnnotations(annotations);
        meta.setOwnerReferences(List.of(Owners.controllerRef(cj, API_VERSION, KIND)));
        Job job = new Job();
        job.setApiVersion(JobModel.API_VERSION);
        job.setKind(JobModel.KIND);
        job.setMetadata(meta);
        job.setSpec(Copies.deepCopy(cj.getSpec().getJobTemplate().getSpec()));
        return job;
    }

    static ObjectReference jobRef(Job job) {
        return new ObjectReferenceBuilder().withApiVersion(JobModel.API_VERSION).withKind(JobModel.KIND)
                .withName(job.getMetadata().getName()).withNamespace(job.getMetadata().getNamespace())
                .withUid(job.getMetadata().getUid()).withResourceVersion(job.getMetadata().getResourceVersion()).build();
    }

    /**
     * Plans one sync of {@code cj} over all Jobs of its namespace (its own are those it
     * controls). Pure: nothing passed in is modified.
     */
    public static Plan plan(CronJob cj, List<Job> namespaceJobs, Instant now) {
        CronJobStatus status = cj.getStatus() == null ? new CronJobStatus() : Copies.deepCopy(cj.getStatus());
        List<ObjectReference> active = new ArrayList<>(status.getActive() == null ? List.of() : status.getActive());
        List<Event> events = new ArrayList<>();
        boolean changed = false;
        List<Job> jobs = Owners.controlledBy(cj, namespaceJobs);
        Set<String> childUids = new HashSet<>();
        for (Job j : jobs) {
            String uid = j.getMetadata().getUid();
            childUids.add(uid);
            boolean found = active.stream().anyMatch(r -> Objects.equals(r.getUid(), uid));
            boolean finished = JobModel.isFinished(j);
            if (!found && !finished) {
                events.add(new Event("Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: " + j.getMetadata().getName()));
            } else if (found && finished) {
                active.removeIf(r -> Objects.equals(r.getUid(), uid));
                JobCondition c = JobModel.finishedCondition(j);
                events.add(new Event("Normal", "SawCompletedJob", "Saw completed job: " + j.getMetadata().getName() + ", condition: " + c.getType()));
                changed = true;
            }
            if (JobModel.isSucceeded(j) && j.getStatus().getCompletionTime() != null) {
                Instant done = Times.parse(j.getStatus().getCompletionTime());
                Instant last = Times.parse(status.getLastSuccessfulTime());
                if (done != null && (last == null || done.isAfter(last))) {
                    status.setLastSuccessfulTime(Times.format(done));
                    changed = true;
                }
            }
        }
        for (ObjectReference r : List.copyOf(active)) {
            if (!childUids.contains(r.getUid())) {
                events.add(new Event("Normal", "MissingJob", "Active job went missing: " + r.getName()));
                active.remove(r);
                changed = true;
            }
        }
        List<Job> delete = new ArrayList<>();
        Optional<Job> create = Optional.empty();
        Optional<Duration> requeue = Optional.empty();
        status.setActive(active);

        if (cj.getMetadata().getDeletionTimestamp() == null) {
            Scheduling s = schedule(cj, jobs, status, active, now, events);
            create = s.create;
            requeue = s.requeue;
            delete.addAll(s.replaced);
            if (!s.replaced.isEmpty() || create.isPresent()) {
                changed = true;
            }
        }
        for (Job j : historyToDelete(cj, jobs)) {
            if (!delete.contains(j)) {
                delete.add(j);
                changed |= active.removeIf(r -> Objects.equals(r.getUid(), j.getMetadata().getUid()));
            }
        }
        status.setActive(active.isEmpty() ? null : active);
        return new Plan(create, List.copyOf(delete), status, changed, List.copyOf(events), requeue);
    }

    private record Scheduling(Optional<Job> create, List<Job> replaced, Optional<Duration> requeue) {
    }

    private static Scheduling schedule(CronJob cj, List<Job> jobs, CronJobStatus status, List<ObjectReference> active,
                                       Instant now, List<Event> events) {
        Scheduling nothing = new Scheduling(Optional.empty(), List.of(), Optional.empty());
        String tz = cj.getSpec().getTimeZone();
        if (tz != null) {
            try {
                ZoneId.of(tz);
            } catch (DateTimeException e) {
                events.add(new Event("Warning", "UnknownTimeZone", "invalid timeZone: \"" + tz + "\": " + e.getMessage()));
                return nothing;
            }
        }
        if (Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
            return nothing;
        }
        CronSchedule schedule;
        try {
            schedule = schedule(cj);
        } catch (IllegalArgumentException e) {
            events.add(new Event("Warning", "UnparseableSchedule", "unparseable schedule: \"" + cj.getSpec().getSchedule() + "\" : " + e.getMessage()));
            return nothing;
        }
        // The status as it is now (finished and missing Jobs dropped) decides.
        CronJob current = Copies.deepCopy(cj);
        current.setStatus(status);
        MostRecent recent;
        try {
            recent = mostRecentScheduleTime(current, now, schedule, true);
        } catch (IllegalArgumentException e) {
            events.add(new Event("Warning", "InvalidSchedule", "invalid schedule: " + cj.getSpec().getSchedule() + " : " + e.getMessage()));
            return nothing;
        }
        Optional<Duration> requeue = Optional.of(nextScheduleTimeDuration(current, now, schedule));
        Instant scheduled = recent.mostRecent();
        if (scheduled == null || scheduled.isAfter(now)) {
            return new Scheduling(Optional.empty(), List.of(), requeue);
        }
        if (recent.missed() > MANY_MISSED) {
            events.add(new Event("Warning", "TooManyMissedTimes", "too many missed start times: " + recent.missed()
                    + ". Set or decrease .spec.startingDeadlineSeconds or check clock skew"));
        }
        Long sds = cj.getSpec().getStartingDeadlineSeconds();
        if (sds != null && scheduled.plusSeconds(sds).isBefore(now)) {
            events.add(new Event("Warning", "MissSchedule", "Missed scheduled time to start a job: "
                    + DateTimeFormatter.RFC_1123_DATE_TIME.format(scheduled.atZone(ZoneOffset.UTC))));
            return new Scheduling(Optional.empty(), List.of(), requeue);
        }
        String name = jobName(cj, scheduled);
        if (active.stream().anyMatch(r -> name.equals(r.getName())) || scheduled.equals(Times.parse(status.getLastScheduleTime()))) {
            return new Scheduling(Optional.empty(), List.of(), requeue);
        }
        String policy = cj.getSpec().getConcurrencyPolicy() == null ? "Allow" : cj.getSpec().getConcurrencyPolicy();
        if ("Forbid".equals(policy) && !active.isEmpty()) {
            events.add(new Event("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid"));
            return new Scheduling(Optional.empty(), List.of(), requeue);
        }
        List<Job> replaced = new ArrayList<>();
        if ("Replace".equals(policy)) {
            for (ObjectReference r : List.copyOf(active)) {
                Job j = jobs.stream().filter(x -> Objects.equals(x.getMetadata().getUid(), r.getUid())).findFirst().orElseThrow();
                replaced.add(j);
                active.remove(r);
            }
        }
        Job job = newJob(cj, scheduled);
        // The next start after this one.
        CronJob after = Copies.deepCopy(current);
        after.getStatus().setLastScheduleTime(Times.format(scheduled));
        return new Scheduling(Optional.of(job), replaced, Optional.of(nextScheduleTimeDuration(after, now, schedule)));
    }

    /**
     * cleanupFinishedJobs: finished Jobs beyond successfulJobsHistoryLimit and
     * failedJobsHistoryLimit, oldest start time first; nothing when both limits are unset.
     */
    public static List<Job> historyToDelete(CronJob cj, List<Job> ownedJobs) {
        Integer ok = cj.getSpec().getSuccessfulJobsHistoryLimit();
        Integer ko = cj.getSpec().getFailedJobsHistoryLimit();
        List<Job> out = new ArrayList<>();
        if (ok != null) {
            out.addAll(oldest(ownedJobs.stream().filter(JobModel::isSucceeded).toList(), ok));
        }
        if (ko != null) {
            out.addAll(oldest(ownedJobs.stream().filter(j -> JobModel.isFinished(j) && !JobModel.isSucceeded(j)).toList(), ko));
        }
        return out;
    }

    private static List<Job> oldest(List<Job> jobs, int keep) {
        if (jobs.size() <= keep) {
            return List.of();
        }
        Comparator<Job> byStart = Comparator.comparing((Job j) -> startTime(j), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(j -> j.getMetadata().getName());
        return jobs.stream().sorted(byStart).limit(jobs.size() - Math.max(0, keep)).toList();
    }

    private static Instant startTime(Job j) {
        return j.getStatus() == null ? null : Times.parse(j.getStatus().getStartTime());
    }
}
