package io.capstan.workloads.job;

import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JobModelTest {
    static final Instant NOW = Instant.parse("2024-01-01T00:10:00Z");
    static final String START = "2024-01-01T00:00:00Z";

    static Job job(Integer completions, Integer parallelism) {
        return new JobBuilder().withNewMetadata().withName("job-example").withNamespace("default").withUid("job-uid").endMetadata()
                .withNewSpec().withCompletions(completions).withParallelism(parallelism).withBackoffLimit(3)
                .withNewTemplate().withNewSpec().addNewContainer().withName("hello").withImage("alpine").endContainer()
                .withRestartPolicy("Never").endSpec().endTemplate().endSpec()
                .withNewStatus().withStartTime(START).endStatus().build();
    }

    static Pod pod(Job owner, String uid, String phase, boolean finalizer) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("p-" + uid).withNamespace("default").withUid(uid)
                .withOwnerReferences(Owners.controllerRef(owner, "batch/v1", "Job")).endMetadata()
                .withNewSpec().endSpec().withNewStatus().withPhase(phase).endStatus();
        if (finalizer) {
            b.editMetadata().withFinalizers(JobModel.TRACKING_FINALIZER).endMetadata();
        }
        return b.build();
    }

    static List<Pod> pods(Job owner, int running, int succeededWithoutFinalizer) {
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < running; i++) {
            out.add(pod(owner, "r" + i, "Running", true));
        }
        for (int i = 0; i < succeededWithoutFinalizer; i++) {
            out.add(pod(owner, "s" + i, "Succeeded", false));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            fresh job starts parallelism pods                    | 4 | 2 | 0 | 0 | 2 | 0
            remaining completions cap the active pods            | 4 | 2 | 3 | 0 | 1 | 0
            running pods at parallelism start nothing            | 4 | 2 | 0 | 2 | 0 | 0
            lowered parallelism deletes extra pods               | 4 | 1 | 0 | 3 | 0 | 2
            all completions reached starts nothing               | 4 | 2 | 4 | 0 | 0 | 0
            work queue job starts parallelism pods               | - | 3 | 0 | 0 | 3 | 0
            work queue job after a success starts nothing more   | - | 3 | 1 | 1 | 0 | 0
            completions default parallelism of one               | 3 | - | 0 | 0 | 1 | 0
            """)
    void activePodsFollowParallelismAndRemainingCompletions(String name, Integer completions, Integer parallelism,
                                                             int succeeded, int running, int creates, int deletes) {
        Job job = job(completions, parallelism);
        job.getStatus().setSucceeded(succeeded);
        JobModel.Plan plan = JobModel.plan(job, pods(job, running, 0), NOW);
        assertThat(plan.create()).hasSize(creates);
        assertThat(plan.delete()).hasSize(deletes);
        assertThat(plan.status().getActive()).isEqualTo(running + creates - deletes);
    }

    @Test
    void createdPodsCarryTheJobLabelsFinalizerAndOwner() {
        Job job = job(4, 2);
        Pod p = JobModel.plan(job, List.of(), NOW).create().get(0);
        assertThat(p.getMetadata().getGenerateName()).isEqualTo("job-example-");
        assertThat(p.getMetadata().getLabels()).containsEntry("batch.kubernetes.io/job-name", "job-example")
                .containsEntry("batch.kubernetes.io/controller-uid", "job-uid").containsEntry("job-name", "job-example")
                .containsEntry("controller-uid", "job-uid");
        assertThat(p.getMetadata().getFinalizers()).containsExactly(JobModel.TRACKING_FINALIZER);
        assertThat(Owners.isControlledBy(p, job)).isTrue();
        assertThat(p.getSpec().getRestartPolicy()).isEqualTo("Never");
    }

    @Test
    void firstSyncSetsTheStartTime() {
        Job job = job(1, 1);
        job.getStatus().setStartTime(null);
        assertThat(JobModel.plan(job, List.of(), NOW).status().getStartTime()).isEqualTo(Times.format(NOW));
    }

    @Test
    void succeededPodIsCountedThroughUncountedPodsThenCompletesTheJob() {
        Job job = job(1, 1);
        Pod done = pod(job, "a", "Succeeded", true);
        JobModel.Plan first = JobModel.plan(job, List.of(done), NOW);
        assertThat(first.status().getUncountedTerminatedPods().getSucceeded()).containsExactly("a");
        assertThat(first.status().getSucceeded()).isZero();
        assertThat(first.removeFinalizers()).containsExactly(done);
        assertThat(types(first.status().getConditions())).containsExactly("SuccessCriteriaMet");
        assertThat(first.create()).isEmpty();

        Job after = new JobBuilder(job).withStatus(first.status()).build();
        JobModel.Plan second = JobModel.plan(after, List.of(pod(job, "a", "Succeeded", false)), NOW.plusSeconds(1));
        assertThat(second.status().getSucceeded()).isEqualTo(1);
        assertThat(second.status().getUncountedTerminatedPods().getSucceeded()).isEmpty();
        assertThat(types(second.status().getConditions())).containsExactly("SuccessCriteriaMet", "Complete");
        assertThat(second.status().getCompletionTime()).isEqualTo(Times.format(NOW.plusSeconds(1)));
        JobCondition complete = second.status().getConditions().get(1);
        assertThat(complete.getReason()).isEqualTo("CompletionsReached");
    }

    @Test
    void uncountedPodWhoseFinalizerRemovalWasInterruptedIsNotCountedTwice() {
        Job job = job(2, 1);
        job.getStatus().setUncountedTerminatedPods(new io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods(List.of(), List.of("a")));
        JobModel.Plan plan = JobModel.plan(job, List.of(pod(job, "a", "Succeeded", true)), NOW);
        assertThat(plan.status().getUncountedTerminatedPods().getSucceeded()).containsExactly("a");
        assertThat(plan.status().getSucceeded()).isZero();
        assertThat(plan.create()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            failures within the limit keep the job running  | 3 | false
            one failure more than the limit fails the job   | 4 | true
            """)
    void backoffLimitCountsFailedPods(String name, int failed, boolean fails) {
        Job job = job(4, 2);
        job.getStatus().setFailed(failed);
        JobModel.Plan plan = JobModel.plan(job, pods(job, 2, 0), NOW);
        assertThat(types(plan.status().getConditions()).contains("FailureTarget")).isEqualTo(fails);
        assertThat(plan.delete()).hasSize(fails ? 2 : 0);
        if (fails) {
            assertThat(plan.status().getConditions().get(0).getReason()).isEqualTo("BackoffLimitExceeded");
        }
    }

    @Test
    void failedJobGetsTheFailedConditionOncePodsAreGone() {
        Job job = job(4, 2);
        job.getStatus().setFailed(4);
        job.getStatus().setConditions(List.of(cond("FailureTarget", "BackoffLimitExceeded")));
        JobModel.Plan plan = JobModel.plan(job, List.of(), NOW);
        assertThat(types(plan.status().getConditions())).containsExactly("FailureTarget", "Failed");
        assertThat(plan.status().getConditions().get(1).getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(plan.status().getCompletionTime()).isNull();
        assertThat(plan.create()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            before the deadline the job waits for it   | 900 | false | 300
            at the deadline the job fails              | 600 | true  | 0
            """)
    void activeDeadlineFailsTheJob(String name, long deadline, boolean exceeded, long requeueSeconds) {
        Job job = job(4, 2);
        job.getSpec().setActiveDeadlineSeconds(deadline);
        JobModel.Plan plan = JobModel.plan(job, pods(job, 2, 0), NOW);
        assertThat(plan.status().getConditions() != null && plan.status().getConditions().stream()
                .anyMatch(c -> c.getReason().equals("DeadlineExceeded"))).isEqualTo(exceeded);
        if (!exceeded) {
            assertThat(plan.requeueAfter()).contains(Duration.ofSeconds(requeueSeconds));
        } else {
            assertThat(plan.delete()).hasSize(2);
        }
    }

    @Test
    void indexedJobStartsTheLowestPendingIndexes() {
        Job job = job(5, 2);
        job.getSpec().setCompletionMode("Indexed");
        job.getStatus().setCompletedIndexes("0,2");
        job.getStatus().setSucceeded(2);
        JobModel.Plan plan = JobModel.plan(job, List.of(), NOW);
        assertThat(plan.create()).extracting(JobModel::completionIndex).containsExactly(1, 3);
        Pod p = plan.create().get(0);
        assertThat(p.getMetadata().getGenerateName()).isEqualTo("job-example-1-");
        assertThat(p.getMetadata().getAnnotations()).containsEntry(JobModel.COMPLETION_INDEX_ANNOTATION, "1");
        assertThat(p.getSpec().getHostname()).isEqualTo("job-example-1");
        assertThat(p.getSpec().getContainers().get(0).getEnv()).extracting(e -> e.getName()).contains("JOB_COMPLETION_INDEX");
    }

    @Test
    void indexedJobRecordsCompletedIndexesAndDeletesDuplicates() {
        Job job = job(3, 3);
        job.getSpec().setCompletionMode("Indexed");
        Pod done = withIndex(pod(job, "a", "Succeeded", true), 1);
        Pod dup1 = withIndex(pod(job, "b", "Running", true), 0);
        Pod dup2 = withIndex(pod(job, "c", "Running", true), 0);
        JobModel.Plan plan = JobModel.plan(job, List.of(done, dup1, dup2), NOW);
        assertThat(plan.status().getCompletedIndexes()).isEqualTo("1");
        assertThat(plan.status().getSucceeded()).isEqualTo(1);
        assertThat(plan.delete()).hasSize(1);
        assertThat(plan.create()).extracting(JobModel::completionIndex).containsExactly(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            finished job within its ttl is kept    | 100 | false | 40
            finished job past its ttl is deleted   | 30  | true  | 0
            """)
    void ttlAfterFinishedDeletesTheJob(String name, int ttl, boolean delete, long requeue) {
        Job job = job(1, 1);
        job.getSpec().setTtlSecondsAfterFinished(ttl);
        job.getStatus().setCompletionTime("2024-01-01T00:09:00Z");
        job.getStatus().setConditions(List.of(cond("Complete", "CompletionsReached")));
        JobModel.Plan plan = JobModel.plan(job, List.of(), NOW);
        assertThat(plan.deleteJob()).isEqualTo(delete);
        assertThat(plan.create()).isEmpty();
        if (!delete) {
            assertThat(plan.requeueAfter()).contains(Duration.ofSeconds(requeue));
        }
    }

    @Test
    void suspendedJobDeletesItsActivePods() {
        Job job = job(4, 2);
        job.getSpec().setSuspend(true);
        JobModel.Plan plan = JobModel.plan(job, pods(job, 2, 0), NOW);
        assertThat(plan.delete()).hasSize(2);
        assertThat(plan.create()).isEmpty();
        assertThat(types(plan.status().getConditions())).containsExactly("Suspended");
    }

    static Pod withIndex(Pod p, int index) {
        p.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(JobModel.COMPLETION_INDEX_ANNOTATION, "" + index)));
        return p;
    }

    static JobCondition cond(String type, String reason) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withLastTransitionTime("2024-01-01T00:09:00Z").build();
    }

    static List<String> types(List<JobCondition> conditions) {
        return conditions == null ? List.of() : conditions.stream().map(JobCondition::getType).toList();
    }
}
