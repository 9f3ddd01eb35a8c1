package io.capstan.controllers.deployment;

import static io.capstan.controllers.testing.Fixtures.T0;
import static io.capstan.controllers.testing.Fixtures.deployment;
import static org.assertj.core.api.Assertions.assertThat;

import io.capstan.workloads.common.Copies;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

class RollingUpdateTest {
    private static final Instant NOW = T0.plusSeconds(3600);

    /** rolling_test.go TestDeploymentController_reconcileNewReplicaSet. */
    @ParameterizedTest(name = "replicas={0} maxSurge={1} old={2} new={3}: new becomes {4}")
    @CsvSource({
            "10, 0, 10, 0, 0",
            "10, 2, 10, 0, 2",
            "10, 2, 5, 0, 7",
            "10, 2, 10, 2, 2",
            "2, 0, 0, 3, 2"})
    void newReplicaSetScalesUpWithinMaxSurge(int replicas, int maxSurge, int oldReplicas, int newReplicas, int expected) {
        Deployment d = deployment(replicas, "RollingUpdate", new IntOrString(maxSurge), new IntOrString(0));
        ReplicaSet newRS = Rs.owned(d, null, newReplicas, newReplicas, 2, 2);
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", oldReplicas, oldReplicas, 1, 1);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS, newRS), List.of(), NOW);
        assertThat(Rs.replicasOf(plan, newRS)).isEqualTo(expected);
        assertThat(plan.create()).isEmpty();
    }

    /** rolling_test.go TestDeploymentController_reconcileOldReplicaSets (maxSurge 0). */
    @ParameterizedTest(name = "replicas={0} maxUnavailable={1} old={2}/{4} ready, new={3}/{5} ready: old becomes {6}")
    @CsvSource({
            "10, 0, 10, 0, 10, 0, 9",
            "10, 2, 10, 0, 10, 0, 8",
            "10, 2, 10, 0, 8, 0, 8",
            "10, 2, 10, 0, 9, 0, 8",
            "10, 2, 8, 2, 8, 0, 8"})
    void oldReplicaSetsScaleDownWithinMaxUnavailableUnhealthyFirst(int replicas, int maxUnavailable, int oldReplicas, int newReplicas,
                                                                   int oldReady, int newReady, int expectedOld) {
        Deployment d = deployment(replicas, "RollingUpdate", new IntOrString(0), new IntOrString(maxUnavailable));
        ReplicaSet newRS = Rs.owned(d, null, newReplicas, newReady, 2, 2);
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", oldReplicas, oldReady, 1, 1);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS, newRS), List.of(), NOW);
        assertThat(Rs.replicasOf(plan, oldRS)).isEqualTo(expectedOld);
    }

    @ParameterizedTest(name = "maxSurge={0} maxUnavailable={1} of {2}: surge {3}, unavailable {4}")
    @CsvSource({
            "25%, 25%, 10, 3, 2",
            "25%, 25%, 1, 1, 0",
            "25%, 25%, 4, 1, 1",
            "0, 25%, 3, 0, 0",
            "50%, 50%, 5, 3, 2",
            "0%, 0%, 4, 0, 1",
            "3, 1, 10, 3, 1",
            "10%, 20, 10, 1, 10"})
    void percentagesRoundUpForSurgeAndDownForUnavailable(String surge, String unavailable, int replicas, int expSurge, int expUnavailable) {
        Deployment d = deployment(replicas, "RollingUpdate", fencepost(surge), fencepost(unavailable));
        assertThat(DeploymentSpecs.maxSurge(d)).isEqualTo(expSurge);
        // resolving to zero/zero makes maxUnavailable 1 (ResolveFenceposts); MaxUnavailable caps at replicas
        int expected = expSurge == 0 && expUnavailable == 0 ? Math.min(1, replicas) : expUnavailable;
        assertThat(DeploymentSpecs.maxUnavailable(d)).isEqualTo(expected);
    }

    @Test
    void firstSyncCreatesTheNewReplicaSetWithSurgeAndHashedNames() {
        Deployment d = deployment(4, "RollingUpdate", new IntOrString("25%"), new IntOrString("25%"));
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 4, 4, 1, 1);
        d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
                .withReplicas(4).withUpdatedReplicas(4).withReadyReplicas(4).withAvailableReplicas(4).build());
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS), List.of(), NOW);
        ReplicaSet created = plan.create().orElseThrow();
        String hash = PodTemplateHash.compute(d.getSpec().getTemplate(), null);
        assertThat(created.getMetadata().getName()).isEqualTo("web-" + hash);
        assertThat(created.getSpec().getReplicas()).isEqualTo(1);
        assertThat(created.getSpec().getSelector().getMatchLabels()).containsEntry("pod-template-hash", hash);
        assertThat(created.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("pod-template-hash", hash);
        assertThat(created.getMetadata().getAnnotations())
                .containsEntry(RevisionAnnotations.REVISION, "2")
                .containsEntry(RevisionAnnotations.DESIRED_REPLICAS, "4")
                .containsEntry(RevisionAnnotations.MAX_REPLICAS, "5");
        assertThat(created.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(r -> assertThat(r.getKind()).isEqualTo("Deployment"));
        // the same pass scales the old one down by maxUnavailable
        assertThat(Rs.replicasOf(plan, oldRS)).isEqualTo(3);
        assertThat(plan.annotations()).hasValueSatisfying(a -> assertThat(a).containsEntry(RevisionAnnotations.REVISION, "2"));
        assertThat(plan.events()).extracting(DeploymentPlan.Event::message)
                .containsExactly("Scaled up replica set web-" + hash + " from 0 to 1", "Scaled down replica set " + oldRS.getMetadata().getName() + " from 4 to 3");
        assertThat(plan.status().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Progressing");
            assertThat(c.getReason()).isEqualTo("NewReplicaSetCreated");
        });
    }

    @ParameterizedTest(name = "{0} replicas, maxSurge {1}, maxUnavailable {2}")
    @CsvSource({"10, 25%, 25%", "3, 1, 0", "3, 0, 1", "5, 100%, 0", "1, 0, 1", "7, 2, 3"})
    void rollingUpdateCompletesWithinSurgeAndAvailabilityBounds(int replicas, String surge, String unavailable) {
        Deployment d = deployment(replicas, "RollingUpdate", fencepost(surge), fencepost(unavailable));
        List<ReplicaSet> cluster = new ArrayList<>(List.of(Rs.owned(d, "nginx:1", replicas, replicas, 1, 1)));
        int maxTotal = replicas + DeploymentSpecs.maxSurge(d);
        int minAvailable = replicas - DeploymentSpecs.maxUnavailable(d);
        for (int step = 0; step < 50; step++) {
            DeploymentPlan plan = DeploymentModel.plan(d, cluster, List.of(), NOW);
            plan.create().ifPresent(rs -> {
                rs.getMetadata().setUid("uid-" + rs.getMetadata().getName());
                rs.getMetadata().setCreationTimestamp(NOW.toString());
                cluster.add(rs);
            });
            for (ReplicaSet u : plan.update()) {
                cluster.replaceAll(rs -> rs.getMetadata().getName().equals(u.getMetadata().getName()) ? u : rs);
            }
            d.setStatus(plan.status());
            plan.annotations().ifPresent(a -> d.getMetadata().setAnnotations(a));
            assertThat(cluster.stream().mapToInt(rs -> rs.getSpec().getReplicas()).sum()).isLessThanOrEqualTo(maxTotal);
            // pods come up and become available instantly, and the ReplicaSet controller reports them
            for (int i = 0; i < cluster.size(); i++) {
                ReplicaSet rs = Copies.deepCopy(cluster.get(i));
                int available = rs.getSpec().getReplicas();
                io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus st = new io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus();
                st.setReplicas(available);
                st.setReadyReplicas(available);
                st.setAvailableReplicas(available);
                st.setObservedGeneration(1L);
                rs.setStatus(st);
                cluster.set(i, rs);
            }
            assertThat(cluster.stream().mapToInt(rs -> rs.getStatus().getAvailableReplicas()).sum()).isGreaterThanOrEqualTo(minAvailable);
            if (DeploymentModel.complete(d, plan.status()) && plan.update().isEmpty() && plan.create().isEmpty()) {
                break;
            }
        }
        assertThat(cluster).hasSize(2);
        ReplicaSet newRS = cluster.get(1);
        assertThat(newRS.getSpec().getReplicas()).isEqualTo(replicas);
        assertThat(cluster.get(0).getSpec().getReplicas()).isZero();
        assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(replicas);
        assertThat(d.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Progressing");
            assertThat(c.getReason()).isEqualTo("NewReplicaSetAvailable");
        });
    }

    @Test
    void scalingMidRolloutSpreadsTheChangeProportionally() {
        Deployment d = deployment(10, "RollingUpdate", new IntOrString(3), new IntOrString(2));
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 8, 8, 1, 1);
        ReplicaSet newRS = Rs.owned(d, null, 5, 0, 2, 2);
        // the user scales 10 -> 20 while both ReplicaSets are active (they were sized for 10 + 3)
        d.getSpec().setReplicas(20);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS, newRS), List.of(), NOW);
        // allowed 23, current 13: +10 split by size (8/13 and 5/13 of 23), leftovers to the largest
        assertThat(Rs.replicasOf(plan, oldRS)).isEqualTo(14);
        assertThat(Rs.replicasOf(plan, newRS)).isEqualTo(9);
        assertThat(plan.update()).allSatisfy(rs -> assertThat(rs.getMetadata().getAnnotations())
                .containsEntry(RevisionAnnotations.DESIRED_REPLICAS, "20").containsEntry(RevisionAnnotations.MAX_REPLICAS, "23"));
    }

    @Test
    void scalingWithOneActiveReplicaSetResizesItDirectly() {
        Deployment d = deployment(3, "RollingUpdate", new IntOrString("25%"), new IntOrString("25%"));
        ReplicaSet current = Rs.owned(d, null, 3, 3, 1, 1);
        d.getSpec().setReplicas(6);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(current), List.of(), NOW);
        assertThat(Rs.replicasOf(plan, current)).isEqualTo(6);
        assertThat(plan.events()).extracting(DeploymentPlan.Event::message)
                .containsExactly("Scaled up replica set " + current.getMetadata().getName() + " from 3 to 6");
    }

    @Test
    void pausedDeploymentScalesButDoesNotRollOut() {
        Deployment d = deployment(3, "RollingUpdate", new IntOrString("25%"), new IntOrString("25%"));
        d.getSpec().setPaused(true);
        ReplicaSet oldRS = Rs.owned(d, "nginx:1", 3, 3, 1, 1);
        d.getSpec().setReplicas(5);
        DeploymentPlan plan = DeploymentModel.plan(d, List.of(oldRS), List.of(), NOW);
        assertThat(plan.create()).isEmpty();
        assertThat(Rs.replicasOf(plan, oldRS)).isEqualTo(5);
        assertThat(plan.status().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Progressing");
            assertThat(c.getStatus()).isEqualTo("Unknown");
            assertThat(c.getReason()).isEqualTo("DeploymentPaused");
            assertThat(c.getMessage()).isEqualTo("Deployment is paused");
        });
    }

    private static IntOrString fencepost(String v) {
        return v.endsWith("%") ? new IntOrString(v) : new IntOrString(Integer.parseInt(v));
    }
}
