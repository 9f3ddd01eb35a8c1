package io.capstan.controllers.deployment;

import static io.capstan.controllers.testing.Fixtures.T0;
import static io.capstan.controllers.testing.Fixtures.deployment;
import static io.capstan.controllers.testing.Fixtures.ownerRef;
import static io.capstan.controllers.testing.Fixtures.pod;
import static io.capstan.controllers.testing.Fixtures.template;
import static org.assertj.core.api.Assertions.assertThat;

import io.capstan.workloads.common.Copies;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class DeploymentLifecycleTest {
    private static final Instant NOW = T0.plusSeconds(3600);

    // ---- Recreate ----

    @Test
    void recreateScalesEveryOldReplicaSetToZeroFirst() {
        Deployment d = deployment(3, "Recreate", null, null);
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 3, 3, 1, 1);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS), List.of(), NOW);
        assertThat(Rs.replicasOf(plan, oldRS)).isZero();
        assertThat(plan.create()).isEmpty();
    }

    @Test
    void recreateWaitsWhileOldPodsAreStillRunning() {
        Deployment d = deployment(3, "Recreate", null, null);
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 0, 0, 1, 1);
        oldRS.getStatus().setReplicas(0);
        Pod stillRunning = pod("old-pod", "Running", "n1", T0, 0, T0);
        stillRunning.getMetadata().setOwnerReferences(List.of(ownerRef(oldRS.getMetadata().getUid(), oldRS.getMetadata().getName(), "ReplicaSet")));
        assertThat(DeploymentModel.plan(d, List.of(oldRS), List.of(stillRunning), NOW).create()).isEmpty();
        stillRunning.getStatus().setPhase("Succeeded");
        assertThat(DeploymentModel.plan(d, List.of(oldRS), List.of(stillRunning), NOW).create()).isPresent();
    }

    @Test
    void recreateCreatesTheNewReplicaSetAtFullSizeOnceOldPodsAreGone() {
        Deployment d = deployment(3, "Recreate", null, null);
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 0, 0, 1, 1);
        oldRS.getStatus().setReplicas(0);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS), List.of(), NOW);
        ReplicaSet created = plan.create().orElseThrow();
        assertThat(created.getSpec().getReplicas()).isEqualTo(3);
        assertThat(created.getMetadata().getAnnotations()).containsEntry(RevisionAnnotations.MAX_REPLICAS, "3");
    }

    // ---- revisions and rollback ----

    @Test
    void newReplicaSetGetsTheHighestRevisionPlusOne() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        List<ReplicaSet> rss = List.of(Rs.owned(d, "nginx:0", 0, 0, 3, 1), Rs.owned(d, "nginx:1", 2, 2, 7, 2));
        ReplicaSet created = DeploymentModel.plan(d, rss, List.of(), NOW).create().orElseThrow();
        assertThat(created.getMetadata().getAnnotations()).containsEntry(RevisionAnnotations.REVISION, "8");
    }

    @Test
    void rollbackReusesTheOldReplicaSetAndMovesItsRevisionToTheTop() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        // revision 1 ran nginx:2 (the template kubectl rollout undo just restored); revision 2 runs nginx:3
        ReplicaSet rev1 = Rs.owned(d, null, 0, 0, 1, 1);
        ReplicaSet rev2 = Rs.owned(d, "nginx:3", 2, 2, 2, 2);
        d.getMetadata().setAnnotations(Map.of(RevisionAnnotations.REVISION, "2"));
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(rev1, rev2), List.of(), NOW);
        assertThat(plan.create()).isEmpty();
        ReplicaSet reused = plan.update().stream().filter(rs -> rs.getMetadata().getName().equals(rev1.getMetadata().getName())).findFirst().orElseThrow();
        assertThat(reused.getMetadata().getAnnotations())
                .containsEntry(RevisionAnnotations.REVISION, "3")
                .containsEntry(RevisionAnnotations.REVISION_HISTORY, "1");
        assertThat(reused.getSpec().getReplicas()).isEqualTo(1);
        assertThat(plan.annotations()).hasValueSatisfying(a -> assertThat(a).containsEntry(RevisionAnnotations.REVISION, "3"));
    }

    @Test
    void revisionHistoryAppendsEachTimeARevisionIsReused() {
        Deployment d = deployment(1, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        ReplicaSet rs = Rs.owned(d, null, 0, 0, 3, 1);
        rs.getMetadata().getAnnotations().put(RevisionAnnotations.REVISION_HISTORY, "1");
        assertThat(RevisionAnnotations.setNewReplicaSetAnnotations(d, rs, 5, true)).isTrue();
        assertThat(rs.getMetadata().getAnnotations())
                .containsEntry(RevisionAnnotations.REVISION, "5").containsEntry(RevisionAnnotations.REVISION_HISTORY, "1,3");
    }

    @Test
    void deploymentAnnotationsAreCopiedToTheReplicaSetExceptBookkeepingOnes() {
        Deployment d = deployment(1, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        d.getMetadata().setAnnotations(Map.of("kubernetes.io/change-cause", "kubectl set image",
                "kubectl.kubernetes.io/last-applied-configuration", "{}", RevisionAnnotations.REVISION, "9"));
        ReplicaSet created = DeploymentModel.plan(d, List.of(), List.of(), NOW).create().orElseThrow();
        assertThat(created.getMetadata().getAnnotations())
                .containsEntry("kubernetes.io/change-cause", "kubectl set image")
                .doesNotContainKey("kubectl.kubernetes.io/last-applied-configuration")
                .containsEntry(RevisionAnnotations.REVISION, "1");
    }

    // ---- history cleanup ----

    @ParameterizedTest(name = "limit {0} with {1} old empty ReplicaSets deletes {2}")
    @CsvSource({"10, 3, 0", "2, 5, 3", "0, 2, 2", "1, 1, 0"})
    void historyBeyondTheLimitIsDeletedOldestFirst(int limit, int oldCount, int deleted) {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        d.getSpec().setRevisionHistoryLimit(limit);
        List<ReplicaSet> rss = new ArrayList<>();
        for (int i = 0; i < oldCount; i++) {
            ReplicaSet old = Rs.owned(d, "nginx:old-" + i, 0, 0, i + 1, i + 1);
            old.getStatus().setReplicas(0);
            rss.add(old);
        }
        rss.add(Rs.owned(d, null, 2, 2, oldCount + 1, oldCount + 1));
        d.setStatus(completeStatus(2));
        DeploymentPlan plan = DeploymentModel.plan(d, rss, List.of(), NOW);
        assertThat(plan.delete()).hasSize(deleted);
        assertThat(plan.delete()).extracting(RevisionAnnotations::revision)
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, deleted).boxed().toList());
    }

    @Test
    void historyCleanupKeepsReplicaSetsThatStillHavePods() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        d.getSpec().setRevisionHistoryLimit(0);
        ReplicaSet draining = Rs.owned(d, "nginx:1", 0, 0, 1, 1);
        draining.getStatus().setReplicas(1);
        d.setStatus(completeStatus(2));
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(draining, Rs.owned(d, null, 2, 2, 2, 2)), List.of(), NOW);
        assertThat(plan.delete()).isEmpty();
    }

    // ---- conditions ----

    @Test
    void rolloutStuckPastTheDeadlineReportsProgressDeadlineExceeded() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        d.getSpec().setProgressDeadlineSeconds(60);
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 2, 2, 1, 1);
        ReplicaSet newRS = Rs.owned(d, null, 1, 0, 2, 2);
        DeploymentStatus status = new DeploymentStatusBuilder().withReplicas(3).withUpdatedReplicas(1).withReadyReplicas(2)
                .withAvailableReplicas(2).withObservedGeneration(1L)
                .withConditions(DeploymentConditions.of("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet is progressing.", T0)).build();
        d.setStatus(status);
        List<ReplicaSet> rss = List.of(oldRS, newRS);

        DeploymentPlan before = DeploymentModel.plan(d, rss, List.of(), T0.plusSeconds(30));
        assertThat(progressing(before.status()).getReason()).isEqualTo("ReplicaSetUpdated");
        assertThat(before.requeueAfter()).contains(Duration.ofSeconds(31));

        DeploymentPlan after = DeploymentModel.plan(d, rss, List.of(), T0.plusSeconds(61));
        DeploymentCondition c = progressing(after.status());
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("ProgressDeadlineExceeded");
        assertThat(c.getMessage()).isEqualTo("ReplicaSet \"" + newRS.getMetadata().getName() + "\" has timed out progressing.");
        assertThat(c.getLastTransitionTime()).isEqualTo(T0.plusSeconds(61).toString());
    }

    @Test
    void progressKeepsTransitionTimeAndRefreshesUpdateTime() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 1, 1, 1, 1);
        ReplicaSet newRS = Rs.owned(d, null, 2, 2, 2, 2);
        d.setStatus(new DeploymentStatusBuilder().withReplicas(3).withUpdatedReplicas(2).withReadyReplicas(2).withAvailableReplicas(2)
                .withObservedGeneration(1L)
                .withConditions(DeploymentConditions.of("Progressing", "True", "ReplicaSetUpdated", "x", T0)).build());
        // readiness went up from 2 to 3 since the last status
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS, newRS), List.of(), NOW);
        DeploymentCondition c = progressing(plan.status());
        assertThat(c.getReason()).isEqualTo("ReplicaSetUpdated");
        assertThat(c.getLastTransitionTime()).isEqualTo(T0.toString());
        assertThat(c.getLastUpdateTime()).isEqualTo(NOW.toString());
    }

    @Test
    void completedRolloutReportsNewReplicaSetAvailableAndMinimumAvailability() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        ReplicaSet newRS = Rs.owned(d, null, 2, 2, 1, 1);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(newRS), List.of(), NOW);
        DeploymentStatus s = plan.status();
        assertThat(s.getReplicas()).isEqualTo(2);
        assertThat(s.getUpdatedReplicas()).isEqualTo(2);
        assertThat(s.getAvailableReplicas()).isEqualTo(2);
        assertThat(s.getUnavailableReplicas()).isNull();
        assertThat(s.getObservedGeneration()).isEqualTo(1L);
        assertThat(progressing(s).getReason()).isEqualTo("NewReplicaSetAvailable");
        assertThat(progressing(s).getMessage()).isEqualTo("ReplicaSet \"" + newRS.getMetadata().getName() + "\" has successfully progressed.");
        assertThat(DeploymentConditions.get(s, "Available")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("MinimumReplicasAvailable");
        });
        assertThat(plan.requeueAfter()).isEmpty();
    }

    @Test
    void tooFewAvailableReplicasMakeTheDeploymentUnavailable() {
        Deployment d = deployment(4, "RollingUpdate", new IntOrString(1), new IntOrString(1));
        ReplicaSet newRS = Rs.owned(d, null, 4, 2, 1, 1);
        DeploymentStatus s = DeploymentModel.plan(d, List.of(newRS), List.of(), NOW).status();
        assertThat(s.getUnavailableReplicas()).isEqualTo(2);
        assertThat(DeploymentConditions.get(s, "Available")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("MinimumReplicasUnavailable");
        });
    }

    @Test
    void resumingAPausedDeploymentRecordsDeploymentResumed() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        d.setStatus(new DeploymentStatusBuilder().withReplicas(2).withUpdatedReplicas(2).withObservedGeneration(1L)
                .withConditions(DeploymentConditions.of("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", T0)).build());
        List<ReplicaSet> rss = List.of(Rs.owned(d, null, 2, 0, 1, 1));
        DeploymentCondition c = progressing(DeploymentModel.plan(d, rss, List.of(), NOW).status());
        assertThat(c.getStatus()).isEqualTo("Unknown");
        assertThat(c.getReason()).isEqualTo("DeploymentResumed");
        assertThat(c.getMessage()).isEqualTo("Deployment is resumed");
        assertThat(c.getLastTransitionTime()).isEqualTo(T0.toString());
        assertThat(c.getLastUpdateTime()).isEqualTo(NOW.toString());

        Deployment stillPaused = Copies.deepCopy(d);
        stillPaused.getSpec().setPaused(true);
        assertThat(progressing(DeploymentModel.plan(stillPaused, rss, List.of(), NOW).status()).getLastUpdateTime())
                .isEqualTo(T0.toString());
    }

    @Test
    void withoutAProgressDeadlineThereIsNoProgressingCondition() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        d.getSpec().setProgressDeadlineSeconds(Integer.MAX_VALUE);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(Rs.owned(d, null, 2, 2, 1, 1)), List.of(), NOW);
        assertThat(progressing(plan.status())).isNull();
    }

    @Test
    void orphanReplicaSetWithMatchingLabelsIsAdoptedAndReused() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        ReplicaSet orphan = Rs.owned(d, null, 2, 2, 1, 1);
        orphan.getMetadata().setOwnerReferences(List.of());
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(orphan), List.of(), NOW);
        assertThat(plan.adopt()).containsExactly(orphan);
        assertThat(plan.create()).isEmpty();
    }

    @Test
    void replicaSetWithTheSameNameButAnotherTemplateBumpsTheCollisionCount() {
        Deployment d = deployment(2, "RollingUpdate", new IntOrString(1), new IntOrString(0));
        String hash = PodTemplateHash.compute(d.getSpec().getTemplate(), null);
        ReplicaSet squatter = Rs.owned(d, "busybox", 1, 1, 1, 1);
        squatter.getMetadata().setName("web-" + hash);
        squatter.getMetadata().setOwnerReferences(List.of(ownerRef("uid-someone-else", "other", "Deployment")));
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(squatter), List.of(), NOW);
        assertThat(plan.create()).isEmpty();
        assertThat(plan.status().getCollisionCount()).isEqualTo(1);
        assertThat(plan.requeueAfter()).contains(Duration.ZERO);

        d.setStatus(plan.status());
        ReplicaSet created = DeploymentModel.plan(d, List.of(squatter), List.of(), NOW).create().orElseThrow();
        assertThat(created.getMetadata().getName()).isEqualTo("web-" + PodTemplateHash.compute(d.getSpec().getTemplate(), 1));
        assertThat(created.getMetadata().getName()).isNotEqualTo(squatter.getMetadata().getName());
    }

    @Test
    void templatesDifferingOnlyInTheHashLabelAreTheSameRevision() {
        var a = template("nginx:2", Map.of("app", "web"));
        var b = template("nginx:2", Map.of("app", "web", PodTemplateHash.LABEL, "abc"));
        assertThat(PodTemplateHash.equalIgnoringHash(a, b)).isTrue();
        assertThat(PodTemplateHash.equalIgnoringHash(a, template("nginx:3", Map.of("app", "web")))).isFalse();
    }

    private static DeploymentCondition progressing(DeploymentStatus s) {
        return DeploymentConditions.get(s, "Progressing");
    }

    private static DeploymentStatus completeStatus(int replicas) {
        return new DeploymentStatusBuilder().withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(replicas)
                .withAvailableReplicas(replicas).withObservedGeneration(1L).build();
    }
}
