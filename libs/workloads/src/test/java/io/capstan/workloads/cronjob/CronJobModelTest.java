package io.capstan.workloads.cronjob;

import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CronJobModelTest {
    static final Instant CREATED = Instant.parse("2024-01-01T00:00:00Z");

    static CronJob cronJob(String schedule, String policy, Long startingDeadline, String lastSchedule, String... activeUids) {
        CronJobBuilder b = new CronJobBuilder()
                .withNewMetadata().withName("cronjob-example").withNamespace("default").withUid("cj-uid")
                .withCreationTimestamp(Times.format(CREATED)).endMetadata()
                .withNewSpec().withSchedule(schedule).withConcurrencyPolicy(policy).withStartingDeadlineSeconds(startingDeadline)
                .withSuccessfulJobsHistoryLimit(3).withFailedJobsHistoryLimit(1)
                .withNewJobTemplate().withNewMetadata().addToLabels("app", "hello").endMetadata()
                .withNewSpec().withCompletions(2).withParallelism(2).withNewTemplate().withNewSpec()
                .addNewContainer().withName("hello").withImage("alpine").endContainer().withRestartPolicy("Never")
                .endSpec().endTemplate().endSpec().endJobTemplate().endSpec()
                .withNewStatus().withLastScheduleTime(lastSchedule).endStatus();
        CronJob cj = b.build();
        List<io.fabric8.kubernetes.api.model.ObjectReference> active = new ArrayList<>();
        for (String uid : activeUids) {
            active.add(new ObjectReferenceBuilder().withKind("Job").withName("job-" + uid).withNamespace("default").withUid(uid).build());
        }
        cj.getStatus().setActive(active.isEmpty() ? null : active);
        return cj;
    }

    static Job job(CronJob owner, String uid, String finished, String start) {
        Job j = new JobBuilder().withNewMetadata().withName("job-" + uid).withNamespace("default").withUid(uid)
                .withOwnerReferences(Owners.controllerRef(owner, "batch/v1", "CronJob")).endMetadata()
                .withNewSpec().endSpec().withNewStatus().withStartTime(start).endStatus().build();
        if (finished != null) {
            j.getStatus().setConditions(List.of(new JobConditionBuilder().withType(finished).withStatus("True").build()));
            if (finished.equals("Complete")) {
                j.getStatus().setCompletionTime(start);
            }
        }
        return j;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            first start after creation                      | */1 * * * * | -                    | -    | 2024-01-01T00:01:30Z | 2024-01-01T00:01:00Z | 0
            no start due before the first time              | */1 * * * * | -                    | -    | 2024-01-01T00:00:30Z | -                    | 0
            several missed starts pick the latest           | */1 * * * * | 2024-01-01T00:01:00Z | -    | 2024-01-01T00:10:10Z | 2024-01-01T00:10:00Z | 9
            already scheduled time is not repeated          | */1 * * * * | 2024-01-01T00:10:00Z | -    | 2024-01-01T00:10:40Z | -                    | 0
            starting deadline narrows the window            | */1 * * * * | -                    | 90   | 2024-03-01T00:00:30Z | 2024-03-01T00:00:00Z | 0
            hourly after a day of downtime                  | @hourly     | 2024-01-01T00:00:00Z | -    | 2024-01-02T00:30:00Z | 2024-01-02T00:00:00Z | 24
            more than a hundred missed starts are counted   | */1 * * * * | -                    | -    | 2024-01-01T03:00:00Z | 2024-01-01T03:00:00Z | 180
            """)
    void mostRecentScheduleTimeFindsTheLatestUnmetStart(String name, String schedule, String last, Long deadline,
                                                       String now, String expected, long missed) {
        CronJob cj = cronJob(schedule, "Allow", deadline, last);
        CronJobModel.MostRecent m = CronJobModel.mostRecentScheduleTime(cj, Instant.parse(now), CronJobModel.schedule(cj), true);
        assertThat(m.mostRecent()).isEqualTo(expected == null ? null : Instant.parse(expected));
        assertThat(m.missed()).isEqualTo(missed);
    }

    @Test
    void dueStartCreatesAJobNamedAfterTheScheduledMinute() {
        CronJob cj = cronJob("*/1 * * * *", "Allow", null, null);
        CronJobModel.Plan plan = CronJobModel.plan(cj, List.of(), Instant.parse("2024-01-01T00:01:05Z"));
        Job job = plan.create().orElseThrow();
        assertThat(job.getMetadata().getName()).isEqualTo("cronjob-example-" + (Instant.parse("2024-01-01T00:01:00Z").getEpochSecond() / 60));
        assertThat(job.getMetadata().getAnnotations()).containsEntry(CronJobModel.SCHEDULED_TIMESTAMP_ANNOTATION, "2024-01-01T00:01:00Z");
        assertThat(job.getMetadata().getLabels()).containsEntry("app", "hello");
        assertThat(job.getSpec().getCompletions()).isEqualTo(2);
        assertThat(Owners.isControlledBy(job, cj)).isTrue();
        assertThat(plan.requeueAfter()).contains(Duration.ofSeconds(55).plusMillis(100));
        job.getMetadata().setUid("new-uid");
        var status = plan.statusAfterCreate(job);
        assertThat(status.getLastScheduleTime()).isEqualTo("2024-01-01T00:01:00Z");
        assertThat(status.getActive()).extracting(r -> r.getUid()).containsExactly("new-uid");
    }

    @Test
    void scheduledTimestampIsWrittenInTheCronJobsTimeZone() {
        CronJob cj = cronJob("0 9 * * *", "Allow", null, null);
        cj.getSpec().setTimeZone("Europe/Berlin");
        Job job = CronJobModel.plan(cj, List.of(), Instant.parse("2024-01-01T08:00:10Z")).create().orElseThrow();
        assertThat(job.getMetadata().getAnnotations()).containsEntry(CronJobModel.SCHEDULED_TIMESTAMP_ANNOTATION, "2024-01-01T09:00:00+01:00");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Allow starts beside a running job        | Allow   | true  | 0 | JobAlreadyActive=false
            Forbid skips while a job runs            | Forbid  | false | 0 | JobAlreadyActive=true
            Replace deletes the running job first    | Replace | true  | 1 | JobAlreadyActive=false
            """)
    void concurrencyPolicyDecidesWhetherToStartBesideARunningJob(String name, String policy, boolean creates, int deletes, String event) {
        CronJob cj = cronJob("*/1 * * * *", policy, null, "2024-01-01T00:01:00Z", "a");
        CronJobModel.Plan plan = CronJobModel.plan(cj, List.of(job(cj, "a", null, "2024-01-01T00:01:00Z")), Instant.parse("2024-01-01T00:02:01Z"));
        assertThat(plan.create().isPresent()).isEqualTo(creates);
        assertThat(plan.delete()).hasSize(deletes);
        boolean alreadyActive = plan.events().stream().anyMatch(e -> e.reason().equals("JobAlreadyActive"));
        assertThat("JobAlreadyActive=" + alreadyActive).isEqualTo(event);
        if (policy.equals("Replace")) {
            assertThat(plan.status().getActive()).isNull();
        }
    }

    @Test
    void suspendedCronJobStartsNothing() {
        CronJob cj = cronJob("*/1 * * * *", "Allow", null, null);
        cj.getSpec().setSuspend(true);
        assertThat(CronJobModel.plan(cj, List.of(), Instant.parse("2024-01-01T00:05:00Z")).create()).isEmpty();
    }

    @Test
    void startMissedByMoreThanTheStartingDeadlineIsSkipped() {
        CronJob cj = cronJob("0 * * * *", "Allow", 30L, null);
        CronJobModel.Plan plan = CronJobModel.plan(cj, List.of(), Instant.parse("2024-01-01T01:00:45Z"));
        assertThat(plan.create()).isEmpty();
        assertThat(plan.requeueAfter()).contains(Duration.ofMinutes(59).plusSeconds(15).plusMillis(100));
    }

    @Test
    void finishedJobLeavesTheActiveListAndSetsLastSuccessfulTime() {
        CronJob cj = cronJob("0 * * * *", "Allow", null, "2024-01-01T00:00:00Z", "a");
        CronJobModel.Plan plan = CronJobModel.plan(cj, List.of(job(cj, "a", "Complete", "2024-01-01T00:00:05Z")), Instant.parse("2024-01-01T00:10:00Z"));
        assertThat(plan.status().getActive()).isNull();
        assertThat(plan.status().getLastSuccessfulTime()).isEqualTo("2024-01-01T00:00:05Z");
        assertThat(plan.events()).extracting(CronJobModel.Event::reason).contains("SawCompletedJob");
        assertThat(plan.statusChanged()).isTrue();
    }

    @Test
    void activeJobThatVanishedIsDroppedFromStatus() {
        CronJob cj = cronJob("0 * * * *", "Allow", null, "2024-01-01T00:00:00Z", "gone");
        CronJobModel.Plan plan = CronJobModel.plan(cj, List.of(), Instant.parse("2024-01-01T00:10:00Z"));
        assertThat(plan.status().getActive()).isNull();
        assertThat(plan.events()).extracting(CronJobModel.Event::reason).contains("MissingJob");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            five successes keep the newest three       | 5 | 0 | 2 | s1,s2
            two failures keep the newest one           | 0 | 2 | 1 | f1
            within the limits nothing is deleted       | 3 | 1 | 0 | ''
            """)
    void historyLimitsDeleteTheOldestFinishedJobs(String name, int successes, int failures, int deleted, String expectedNames) {
        CronJob cj = cronJob("0 * * * *", "Allow", null, "2024-01-01T00:00:00Z");
        List<Job> jobs = new ArrayList<>();
        for (int i = 1; i <= successes; i++) {
            jobs.add(job(cj, "s" + i, "Complete", "2024-01-01T0" + i + ":00:00Z"));
        }
        for (int i = 1; i <= failures; i++) {
            jobs.add(job(cj, "f" + i, "Failed", "2024-01-01T0" + i + ":00:00Z"));
        }
        List<Job> delete = CronJobModel.historyToDelete(cj, jobs);
        assertThat(delete).hasSize(deleted);
        assertThat(delete).extracting(j -> j.getMetadata().getUid())
                .containsExactlyElementsOf(expectedNames.isEmpty() ? List.of() : List.of(expectedNames.split(",")));
    }
}
