package io.capstan.workloads.common;

import io.capstan.workloads.daemonset.DaemonSetModel;
import io.capstan.workloads.job.JobModel;
import io.capstan.workloads.statefulset.StatefulSetModel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The ControllerRefManager claim rules, as the Job, DaemonSet and StatefulSet models apply them to pods. */
class OwnersClaimTest {
    private static final Map<String, String> APP = Map.of("app", "web");
    private static final Map<String, String> OTHER = Map.of("app", "db");

    static Job job() {
        return new JobBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("owner-uid").endMetadata()
                .withNewSpec().withSelector(new LabelSelectorBuilder().withMatchLabels(APP).build()).endSpec().build();
    }

    static DaemonSet daemonSet() {
        return new DaemonSetBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("owner-uid").endMetadata()
                .withNewSpec().withSelector(new LabelSelectorBuilder().withMatchLabels(APP).build()).endSpec().build();
    }

    static StatefulSet statefulSet() {
        return new StatefulSetBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("owner-uid").endMetadata()
                .withNewSpec().withSelector(new LabelSelectorBuilder().withMatchLabels(APP).build()).endSpec().build();
    }

    /** A pod named {@code name} with {@code labels}, controlled by the owner uid {@code controller} (null: an orphan). */
    static Pod pod(String name, Map<String, String> labels, String controller, boolean deleting) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid("uid-" + name)
                .withLabels(labels).endMetadata();
        if (controller != null) {
            b.editMetadata().withOwnerReferences(new OwnerReference("apps/v1", true, true, "Owner", "owner", controller)).endMetadata();
        }
        if (deleting) {
            b.editMetadata().withDeletionTimestamp("2024-01-01T00:00:00Z").endMetadata();
        }
        return b.build();
    }

    static Stream<Arguments> cases() {
        Function<List<Pod>, Owners.Claim<Pod>> byJob = pods -> JobModel.claim(job(), pods);
        Function<List<Pod>, Owners.Claim<Pod>> byDaemonSet = pods -> DaemonSetModel.claim(daemonSet(), pods);
        Function<List<Pod>, Owners.Claim<Pod>> byStatefulSet = pods -> StatefulSetModel.claim(statefulSet(), pods);
        return Stream.of(
                arguments("a Job adopts a matching orphan", byJob, pod("web-0", APP, null, false), "adopt"),
                arguments("a DaemonSet adopts a matching orphan", byDaemonSet, pod("web-x1", APP, null, false), "adopt"),
                arguments("a StatefulSet adopts a matching orphan named after one of its ordinals", byStatefulSet,
                        pod("web-1", APP, null, false), "adopt"),
                arguments("a StatefulSet leaves a matching orphan that is not one of its members", byStatefulSet,
                        pod("web-abc", APP, null, false), "ignore"),
                arguments("a Job leaves an orphan its selector does not match", byJob, pod("web-0", OTHER, null, false), "ignore"),
                arguments("a DaemonSet leaves an orphan that is being deleted", byDaemonSet, pod("web-x1", APP, null, true), "ignore"),
                arguments("a Job keeps its own matching pod", byJob, pod("web-0", APP, "owner-uid", false), "own"),
                arguments("a Job releases its own pod once the selector no longer matches", byJob,
                        pod("web-0", OTHER, "owner-uid", false), "release"),
                arguments("a DaemonSet releases its own pod once the selector no longer matches", byDaemonSet,
                        pod("web-x1", OTHER, "owner-uid", false), "release"),
                arguments("a StatefulSet releases its pod renamed out of its ordinals", byStatefulSet,
                        pod("web-abc", APP, "owner-uid", false), "release"),
                arguments("nobody takes a pod another controller owns", byStatefulSet, pod("web-0", APP, "someone-else", false), "ignore"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void claimsFollowControllerRefManager(String name, Function<List<Pod>, Owners.Claim<Pod>> claimer, Pod pod, String outcome) {
        Owners.Claim<Pod> claim = claimer.apply(List.of(pod));
        assertThat(names(claim.owned())).as("owned").isEqualTo(outcome.equals("own") ? List.of(pod.getMetadata().getName()) : List.of());
        assertThat(names(claim.adopt())).as("adopt").isEqualTo(outcome.equals("adopt") ? List.of(pod.getMetadata().getName()) : List.of());
        assertThat(names(claim.release())).as("release").isEqualTo(outcome.equals("release") ? List.of(pod.getMetadata().getName()) : List.of());
    }

    @Test
    void aJobClaimsFinishedOrphansSoTheyAreCounted() {
        Pod done = new PodBuilder(pod("web-0", APP, null, false)).withNewStatus().withPhase("Succeeded").endStatus().build();
        assertThat(JobModel.claim(job(), List.of(done)).adopt()).containsExactly(done);
    }

    @Test
    void anOwnerBeingDeletedNeitherAdoptsNorReleases() {
        DaemonSet deleting = new DaemonSetBuilder(daemonSet()).editMetadata().withDeletionTimestamp("2024-01-01T00:00:00Z").endMetadata().build();
        Owners.Claim<Pod> claim = DaemonSetModel.claim(deleting, List.of(pod("a", APP, null, false), pod("b", OTHER, "owner-uid", false)));
        assertThat(claim.adopt()).isEmpty();
        assertThat(claim.release()).isEmpty();
    }

    @Test
    void aStatefulSetAdoptsOrphanedRevisionsButNeverReleasesThem() {
        ControllerRevision orphan = revision("web-1", APP, null);
        ControllerRevision stale = revision("web-2", OTHER, "owner-uid");
        Owners.Claim<ControllerRevision> claim = StatefulSetModel.claimRevisions(statefulSet(), List.of(orphan, stale));
        assertThat(claim.adopt()).containsExactly(orphan);
        assertThat(claim.release()).isEmpty();
    }

    @Test
    void aDaemonSetAdoptsAndReleasesRevisions() {
        ControllerRevision orphan = revision("web-1", APP, null);
        ControllerRevision stale = revision("web-2", OTHER, "owner-uid");
        Owners.Claim<ControllerRevision> claim = DaemonSetModel.claimRevisions(daemonSet(), List.of(orphan, stale));
        assertThat(claim.adopt()).containsExactly(orphan);
        assertThat(claim.release()).containsExactly(stale);
    }

    private static ControllerRevision revision(String name, Map<String, String> labels, String controller) {
        ControllerRevisionBuilder b = new ControllerRevisionBuilder().withNewMetadata().withName(name).withNamespace("default")
                .withUid("uid-" + name).withLabels(labels).endMetadata().withRevision(1L);
        if (controller != null) {
            b.editMetadata().withOwnerReferences(new OwnerReference("apps/v1", true, true, "Owner", "owner", controller)).endMetadata();
        }
        return b.build();
    }

    private static List<String> names(List<? extends HasMetadata> objects) {
        return objects.stream().map(o -> o.getMetadata().getName()).toList();
    }
}
