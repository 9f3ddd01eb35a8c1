package io.capstan.controllers.replicaset;

import io.capstan.workloads.common.Owners;
import static io.capstan.controllers.testing.Fixtures.T0;
import static io.capstan.controllers.testing.Fixtures.ownedPod;
import static io.capstan.controllers.testing.Fixtures.ownerRef;
import static io.capstan.controllers.testing.Fixtures.pod;
import static io.capstan.controllers.testing.Fixtures.replicaSet;
import static org.assertj.core.api.Assertions.assertThat;


import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

class ReplicaSetModelTest {
    private static final Instant NOW = T0.plus(Duration.ofHours(1));

    static Stream<Arguments> claims() {
        ReplicaSet rs = replicaSet("web-1", 3, 0);
        Pod owned = ownedPod("owned", rs, T0);
        Pod orphan = pod("orphan", "Running", "n1", T0, 0, T0);
        Pod foreign = pod("foreign", "Running", "n1", T0, 0, T0);
        foreign.getMetadata().setOwnerReferences(List.of(ownerRef("uid-other", "other", "ReplicaSet")));
        Pod ownedMismatch = ownedPod("relabelled", rs, T0);
        ownedMismatch.getMetadata().setLabels(Map.of("app", "debug"));
        Pod orphanMismatch = pod("stranger", "Running", "n1", T0, 0, T0);
        orphanMismatch.getMetadata().setLabels(Map.of("app", "db"));
        Pod orphanDeleting = pod("leaving", "Running", "n1", T0, 0, T0);
        orphanDeleting.getMetadata().setDeletionTimestamp(T0.toString());
        Pod orphanSucceeded = pod("done", "Succeeded", "n1", null, 0, T0);
        Pod orphanOtherNs = pod("elsewhere", "Running", "n1", T0, 0, T0);
        orphanOtherNs.getMetadata().setNamespace("other");
        return Stream.of(
                Arguments.of("owned matching pod is kept", owned, "owned"),
                Arguments.of("matching orphan is adopted", orphan, "adopt"),
                Arguments.of("pod controlled by another owner is ignored", foreign, "ignored"),
                Arguments.of("owned pod whose labels no longer match is released", ownedMismatch, "release"),
                Arguments.of("orphan that does not match is ignored", orphanMismatch, "ignored"),
                Arguments.of("orphan being deleted is not adopted", orphanDeleting, "ignored"),
                Arguments.of("terminal orphan is not adopted", orphanSucceeded, "ignored"),
                Arguments.of("orphan in another namespace is not adopted", orphanOtherNs, "ignored"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("claims")
    void claimSortsPodsIntoOwnedAdoptAndRelease(String behaviour, Pod pod, String expected) {
        Owners.Claim<Pod> claim = ReplicaSetModel.claim(replicaSet("web-1", 3, 0), List.of(pod));
        String actual = claim.owned().contains(pod) ? "owned" : claim.adopt().contains(pod) ? "adopt"
                : claim.release().contains(pod) ? "release" : "ignored";
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void replicaSetBeingDeletedNeitherAdoptsNorReleases() {
        ReplicaSet rs = replicaSet("web-1", 3, 0);
        rs.getMetadata().setDeletionTimestamp(T0.toString());
        Pod ownedMismatch = ownedPod("relabelled", rs, T0);
        ownedMismatch.getMetadata().setLabels(Map.of("app", "debug"));
        Owners.Claim<Pod> claim = ReplicaSetModel.claim(rs, List.of(pod("orphan", "Running", "n1", T0, 0, T0), ownedMismatch));
        assertThat(claim.adopt()).isEmpty();
        assertThat(claim.release()).isEmpty();
        assertThat(ReplicaSetModel.plan(rs, List.of(), NOW).createCount()).isZero();
    }

    @Test
    void planCreatesTheMissingPodsCountingAdoptedOnes() {
        ReplicaSet rs = replicaSet("web-1", 5, 0);
        ReplicaSetModel.Plan plan = ReplicaSetModel.plan(rs,
                List.of(ownedPod("a", rs, T0), pod("orphan", "Running", "n1", T0, 0, T0)), NOW);
        assertThat(plan.createCount()).isEqualTo(3);
        assertThat(plan.claim().adopt()).extracting(p -> p.getMetadata().getName()).containsExactly("orphan");
        assertThat(plan.delete()).isEmpty();
    }

    @Test
    void planCapsCreatesAtTheBurstLimit() {
        assertThat(ReplicaSetModel.plan(replicaSet("web-1", 2000, 0), List.of(), NOW).createCount()).isEqualTo(500);
    }

    @Test
    void planDeletesTheLowestRankedSurplusPods() {
        ReplicaSet rs = replicaSet("web-1", 2, 0);
        Pod readyOld = ownedPod("ready-old", rs, T0);
        Pod readyOld2 = ownedPod("ready-old-2", rs, T0);
        Pod notReady = ownedPod("not-ready", rs, null);
        Pod pending = ownedPod("pending", rs, null);
        pending.getStatus().setPhase("Pending");
        pending.getSpec().setNodeName(null);
        ReplicaSetModel.Plan plan = ReplicaSetModel.plan(rs, List.of(readyOld, notReady, readyOld2, pending), NOW);
        assertThat(plan.createCount()).isZero();
        assertThat(plan.delete()).extracting(p -> p.getMetadata().getName()).containsExactly("pending", "not-ready");
    }

    @Test
    void terminatingPodsAreNotCountedSoTheyAreReplaced() {
        ReplicaSet rs = replicaSet("web-1", 2, 0);
        Pod terminating = ownedPod("terminating", rs, T0);
        terminating.getMetadata().setDeletionTimestamp(NOW.toString());
        ReplicaSetModel.Plan plan = ReplicaSetModel.plan(rs, List.of(ownedPod("a", rs, T0), terminating), NOW);
        assertThat(plan.createCount()).isEqualTo(1);
        assertThat(plan.status().getReplicas()).isEqualTo(1);
    }

    @ParameterizedTest(name = "minReadySeconds={0}: {1} replicas, {2} ready, {3} available")
    @CsvSource({"0,3,2,2", "30,3,2,1", "3600,3,2,0"})
    void statusCountsReadyAndAvailableHonouringMinReadySeconds(int minReady, int replicas, int ready, int available) {
        ReplicaSet rs = replicaSet("web-1", 3, minReady);
        List<Pod> pods = List.of(
                ownedPod("long-ready", rs, NOW.minusSeconds(600)),
                ownedPod("just-ready", rs, NOW.minusSeconds(10)),
                ownedPod("not-ready", rs, null));
        ReplicaSetStatus status = ReplicaSetModel.status(rs, pods, null, NOW);
        assertThat(status.getReplicas()).isEqualTo(replicas);
        assertThat(nz(status.getReadyReplicas())).isEqualTo(ready);
        assertThat(nz(status.getAvailableReplicas())).isEqualTo(available);
        assertThat(status.getFullyLabeledReplicas()).isEqualTo(3);
        assertThat(status.getObservedGeneration()).isEqualTo(1L);
    }

    @Test
    void fullyLabeledCountsOnlyPodsCarryingEveryTemplateLabel() {
        ReplicaSet rs = replicaSet("web-1", 2, 0);
        Pod partial = ownedPod("partial", rs, T0);
        partial.getMetadata().setLabels(Map.of("app", "web"));
        ReplicaSetStatus status = ReplicaSetModel.status(rs, List.of(ownedPod("full", rs, T0), partial), null, NOW);
        assertThat(status.getFullyLabeledReplicas()).isEqualTo(1);
    }

    @Test
    void failedCreateSetsReplicaFailureAndSuccessClearsIt() {
        ReplicaSet rs = replicaSet("web-1", 2, 0);
        ReplicaSetStatus failed = ReplicaSetModel.status(rs, List.of(), "pods \"web-1-x\" is forbidden: exceeded quota", NOW);
        assertThat(failed.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("ReplicaFailure");
            assertThat(c.getReason()).isEqualTo("FailedCreate");
        });
        rs.setStatus(failed);
        assertThat(ReplicaSetModel.status(rs, List.of(), null, NOW).getConditions()).isEmpty();
    }

    @Test
    void readyButNotYetAvailablePodsAskForAResyncAfterMinReadySeconds() {
        ReplicaSet rs = replicaSet("web-1", 1, 30);
        ReplicaSetModel.Plan plan = ReplicaSetModel.plan(rs, List.of(ownedPod("a", rs, NOW.minusSeconds(5))), NOW);
        assertThat(plan.resyncAfter()).contains(Duration.ofSeconds(30));
    }

    @Test
    void podForCopiesTheTemplateAndPointsBackAtTheReplicaSet() {
        ReplicaSet rs = replicaSet("web-1", 1, 0);
        rs.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("a", "b"));
        Pod pod = ReplicaSetModel.podFor(rs);
        assertThat(pod.getMetadata().getGenerateName()).isEqualTo("web-1-");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("default");
        assertThat(pod.getMetadata().getLabels()).containsEntry("tier", "front");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry("a", "b");
        assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> {
            assertThat(r.getKind()).isEqualTo("ReplicaSet");
            assertThat(r.getUid()).isEqualTo("uid-web-1");
            assertThat(r.getController()).isTrue();
            assertThat(r.getBlockOwnerDeletion()).isTrue();
        });
        assertThat(pod.getSpec().getContainers()).extracting(c -> c.getImage()).containsExactly("nginx:1");
        pod.getMetadata().getLabels().put("x", "y");
        assertThat(rs.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey("x");
    }

    @Test
    void manyPodsAreDeletedAtMostBurstAtATime() {
        ReplicaSet rs = replicaSet("web-1", 0, 0);
        List<Pod> pods = new ArrayList<>();
        IntStream.range(0, 600).forEach(i -> pods.add(ownedPod("p" + i, rs, T0)));
        assertThat(ReplicaSetModel.plan(rs, pods, NOW).delete()).hasSize(500);
    }

    private static int nz(Integer v) {
        return v == null ? 0 : v;
    }
}
