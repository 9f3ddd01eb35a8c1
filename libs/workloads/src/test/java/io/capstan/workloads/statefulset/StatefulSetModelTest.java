package io.capstan.workloads.statefulset;

import io.capstan.workloads.common.ControllerRevisions;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatefulSetModelTest {
    static final Instant NOW = Instant.parse("2024-01-01T00:00:00Z");

    static StatefulSet sts(int replicas, String policy, String image) {
        return new StatefulSetBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("sts-uid").withGeneration(3L).endMetadata()
                .withNewSpec().withReplicas(replicas).withPodManagementPolicy(policy).withServiceName("nginx")
                .withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate()
                .addToVolumeClaimTemplates(new PersistentVolumeClaimBuilder().withNewMetadata().withName("data").endMetadata()
                        .withNewSpec().withAccessModes("ReadWriteOnce").endSpec().build())
                .endSpec().build();
    }

    /** The set's pods at ordinals, all Running and Ready at the set's current template. */
    static List<Pod> running(StatefulSet sts, int... ordinals) {
        String hash = ControllerRevisions.hashOf(revisionOf(sts));
        List<Pod> out = new ArrayList<>();
        for (int o : ordinals) {
            Pod p = StatefulSetModel.newPod(sts, sts.getSpec().getTemplate(), hash, o);
            p.getMetadata().setUid("uid-" + o);
            out.add(new PodBuilder(p).withNewStatus().withPhase("Running")
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build());
        }
        return out;
    }

    static ControllerRevision revisionOf(StatefulSet sts) {
        return ControllerRevisions.resolve(sts, "apps/v1", "StatefulSet", sts.getSpec().getTemplate(), List.of(), 0, null, java.util.Set.of(), null).update();
    }

    static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).toList();
    }

    static int[] ords(String csv) {
        return csv.isBlank() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            OrderedReady creates the lowest missing ordinal only     | OrderedReady | 3 | ''    | web-0          | ''
            OrderedReady creates the next once lower are ready       | OrderedReady | 3 | 0     | web-1          | ''
            OrderedReady scales down from the highest ordinal        | OrderedReady | 1 | 0,1,2 | ''             | web-2
            Parallel creates every missing ordinal at once           | Parallel     | 3 | ''    | web-0,web-1,web-2 | ''
            Parallel deletes every condemned ordinal at once         | Parallel     | 1 | 0,1,2 | ''             | web-2,web-1
            steady state does nothing                                | OrderedReady | 2 | 0,1   | ''             | ''
            """)
    void scalingFollowsThePodManagementPolicy(String name, String policy, int replicas, String existing, String creates, String deletes) {
        StatefulSet sts = sts(replicas, policy, "nginx:1");
        StatefulSetModel.Plan plan = StatefulSetModel.plan(sts, running(sts, ords(existing)), List.of(), List.of(), NOW);
        assertThat(String.join(",", names(plan.create()))).isEqualTo(creates);
        assertThat(String.join(",", names(plan.delete()))).isEqualTo(deletes);
    }

    @Test
    void orderedReadyWaitsForANotReadyPodBeforeCreatingTheNext() {
        StatefulSet sts = sts(3, "OrderedReady", "nginx:1");
        Pod starting = new PodBuilder(running(sts, 0).get(0)).editStatus().withPhase("Pending").withConditions().endStatus().build();
        StatefulSetModel.Plan plan = StatefulSetModel.plan(sts, List.of(starting), List.of(), List.of(), NOW);
        assertThat(plan.create()).isEmpty();
    }

    @Test
    void podsMountClaimsNamedTemplateSetOrdinal() {
        StatefulSet sts = sts(1, "OrderedReady", "nginx:1");
        StatefulSetModel.Plan plan = StatefulSetModel.plan(sts, List.of(), List.of(), List.of(), NOW);
        assertThat(plan.createClaims()).extracting(c -> c.getMetadata().getName()).containsExactly("data-web-0");
        assertThat(plan.createClaims().get(0).getMetadata().getLabels()).containsEntry("app", "web");
        Pod pod = plan.create().get(0);
        assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("data-web-0"));
        assertThat(pod.getSpec().getHostname()).isEqualTo("web-0");
        assertThat(pod.getSpec().getSubdomain()).isEqualTo("nginx");
        assertThat(pod.getMetadata().getLabels()).containsEntry(StatefulSetModel.POD_NAME_LABEL, "web-0")
                .containsEntry(StatefulSetModel.POD_INDEX_LABEL, "0").containsKey(ControllerRevisions.HASH_LABEL);
        assertThat(plan.revisions().create()).isTrue();
    }

    @Test
    void existingClaimIsNotCreatedAgain() {
        StatefulSet sts = sts(1, "OrderedReady", "nginx:1");
        var existing = new PersistentVolumeClaimBuilder().withNewMetadata().withName("data-web-0").endMetadata().build();
        assertThat(StatefulSetModel.plan(sts, List.of(), List.of(existing), List.of(), NOW).createClaims()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            rolling update starts at the highest ordinal         | 0 | 0,1,2 | ''  | web-2
            rolling update continues below updated ready pods    | 0 | 0,1   | 2   | web-1
            partition protects ordinals below it                 | 2 | 0,1   | 2   | ''
            partition lets ordinals at or above it update        | 1 | 0,1   | 2   | web-1
            finished rolling update deletes nothing              | 0 | ''    | 0,1,2 | ''
            """)
    void rollingUpdateReplacesStalePodsFromTheHighestOrdinalDown(String name, int partition, String old, String updated, String deletes) {
        StatefulSet v1 = sts(3, "OrderedReady", "nginx:1");
        StatefulSet v2 = sts(3, "OrderedReady", "nginx:2");
        v2.getSpec().setUpdateStrategy(new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder()
                .withType("RollingUpdate").withNewRollingUpdate().withPartition(partition).endRollingUpdate().build());
        ControllerRevision r1 = revisionOf(v1);
        r1.getMetadata().setOwnerReferences(List.of(io.capstan.workloads.common.Owners.controllerRef(v2, "apps/v1", "StatefulSet")));
        v2.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withCurrentRevision(r1.getMetadata().getName()).build());
        List<Pod> pods = new ArrayList<>(running(v1, ords(old)));
        pods.addAll(running(v2, ords(updated)));
        StatefulSetModel.Plan plan = StatefulSetModel.plan(v2, pods, List.of(), List.of(r1), NOW);
        assertThat(String.join(",", names(plan.delete()))).isEqualTo(deletes);
        assertThat(plan.create()).isEmpty();
        assertThat(plan.status().getUpdateRevision()).isNotEqualTo(r1.getMetadata().getName());
    }

    @Test
    void finishedRollingUpdatePromotesTheUpdateRevisionToCurrent() {
        StatefulSet v2 = sts(2, "OrderedReady", "nginx:2");
        v2.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withCurrentRevision("web-old").build());
        StatefulSetModel.Plan plan = StatefulSetModel.plan(v2, running(v2, 0, 1), List.of(), List.of(), NOW);
        assertThat(plan.status().getCurrentRevision()).isEqualTo(plan.status().getUpdateRevision());
        assertThat(plan.status().getReadyReplicas()).isEqualTo(2);
        assertThat(plan.status().getUpdatedReplicas()).isEqualTo(2);
        assertThat(plan.status().getCurrentReplicas()).isEqualTo(2);
        assertThat(plan.status().getObservedGeneration()).isEqualTo(3L);
    }

    @Test
    void onDeleteNeverDeletesStalePods() {
        StatefulSet v1 = sts(2, "OrderedReady", "nginx:1");
        StatefulSet v2 = sts(2, "OrderedReady", "nginx:2");
        v2.getSpec().setUpdateStrategy(new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder().withType("OnDelete").build());
        StatefulSetModel.Plan plan = StatefulSetModel.plan(v2, running(v1, 0, 1), List.of(), List.of(), NOW);
        assertThat(plan.delete()).isEmpty();
        assertThat(plan.status().getUpdatedReplicas()).isZero();
    }

    @Test
    void onDeleteRecreatesADeletedPodAtTheUpdateRevision() {
        StatefulSet v1 = sts(2, "OrderedReady", "nginx:1");
        StatefulSet v2 = sts(2, "OrderedReady", "nginx:2");
        v2.getSpec().setUpdateStrategy(new io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder().withType("OnDelete").build());
        StatefulSetModel.Plan plan = StatefulSetModel.plan(v2, running(v1, 0), List.of(), List.of(), NOW);
        assertThat(plan.create()).hasSize(1);
        assertThat(plan.create().get(0).getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:2");
    }

    @Test
    void revisionHashIsStableAndChangesWithTheTemplate() {
        String a = ControllerRevisions.hashOf(revisionOf(sts(1, "OrderedReady", "nginx:1")));
        String b = ControllerRevisions.hashOf(revisionOf(sts(5, "Parallel", "nginx:1")));
        String c = ControllerRevisions.hashOf(revisionOf(sts(1, "OrderedReady", "nginx:2")));
        assertThat(a).isEqualTo(b).isNotEqualTo(c).matches("[bcdfghjklmnpqrstvwxz2456789]+");
        assertThat(revisionOf(sts(1, "OrderedReady", "nginx:1")).getMetadata().getName()).isEqualTo("web-" + a);
    }

    @Test
    void rollbackToAnEarlierTemplateRenumbersItsRevision() {
        StatefulSet v1 = sts(1, "OrderedReady", "nginx:1");
        StatefulSet v2 = sts(1, "OrderedReady", "nginx:2");
        ControllerRevision r1 = revisionOf(v1);
        r1.setRevision(1L);
        ControllerRevision r2 = revisionOf(v2);
        r2.setRevision(2L);
        for (ControllerRevision r : List.of(r1, r2)) {
            r.getMetadata().setOwnerReferences(List.of(io.capstan.workloads.common.Owners.controllerRef(v1, "apps/v1", "StatefulSet")));
        }
        StatefulSetModel.Plan plan = StatefulSetModel.plan(v1, List.of(), List.of(), List.of(r1, r2), NOW);
        assertThat(plan.revisions().create()).isFalse();
        assertThat(plan.revisions().renumber().getRevision()).isEqualTo(3L);
        assertThat(plan.revisions().update().getMetadata().getName()).isEqualTo(r1.getMetadata().getName());
    }
}
