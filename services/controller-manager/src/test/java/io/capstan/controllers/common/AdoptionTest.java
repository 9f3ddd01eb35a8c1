package io.capstan.controllers.common;

import io.capstan.workloads.common.Owners;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How an applied claim changes what the controller plans from, and when adoption is refused. */
class AdoptionTest {
    private static final String FINALIZER = "batch.kubernetes.io/job-tracking";
    private static final Job JOB = new JobBuilder().withNewMetadata().withName("j").withNamespace("ns").withUid("job-uid").endMetadata().build();

    private static Pod pod(String name, String controllerUid, String finalizer) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").withUid("uid-" + name).endMetadata();
        if (controllerUid != null) {
            b.editMetadata().withOwnerReferences(new OwnerReference("batch/v1", true, true, "Job", "j", controllerUid)).endMetadata();
        }
        if (finalizer != null) {
            b.editMetadata().withFinalizers(finalizer).endMetadata();
        }
        return b.build();
    }

    private static Adoption adoption(Optional<? extends HasMetadata> live) {
        return new Adoption(JOB, "batch/v1", "Job", List.of(FINALIZER), () -> live);
    }

    @Test
    void theViewShowsAdoptedPodsOwnedAndReleasedPodsFreeAndLeavesOutPodsThatVanished() {
        Pod orphan = pod("orphan", null, null);
        Pod gone = pod("gone", null, null);
        Pod stale = pod("stale", "job-uid", FINALIZER);
        Pod untouched = pod("other", "someone-else", null);
        List<String> patched = new ArrayList<>();
        List<Pod> view = adoption(Optional.of(JOB)).apply(new Owners.Claim<>(List.of(), List.of(orphan, gone), List.of(stale)),
                List.of(orphan, gone, stale, untouched), (p, patch) -> {
                    patched.add(p.getMetadata().getName() + " " + patch);
                    return !p.getMetadata().getName().equals("gone");
                });

        assertThat(view).extracting(p -> p.getMetadata().getName()).containsExactly("orphan", "stale", "other");
        Pod adopted = view.get(0);
        assertThat(Owners.isControlledBy(adopted, JOB)).isTrue();
        assertThat(adopted.getMetadata().getFinalizers()).containsExactly(FINALIZER);
        Pod released = view.get(1);
        assertThat(Owners.controllerOf(released)).isNull();
        assertThat(released.getMetadata().getFinalizers()).isEmpty();
        assertThat(view.get(2)).isSameAs(untouched);
        // the cache's objects are never changed
        assertThat(orphan.getMetadata().getOwnerReferences()).isEmpty();
        assertThat(patched).hasSize(3);
        assertThat(patched.get(0)).contains("\"uid\":\"uid-orphan\"").contains("\"controller\":true").contains(FINALIZER);
        assertThat(patched.get(2)).contains("\"$patch\":\"delete\"").contains("$deleteFromPrimitiveList/finalizers");
    }

    @Test
    void noOrphanIsAdoptedByAnOwnerTheApiServerSaysIsBeingDeleted() {
        Job deleting = new JobBuilder(JOB).editMetadata().withDeletionTimestamp("2024-01-01T00:00:00Z").endMetadata().build();
        List<Pod> patched = new ArrayList<>();
        assertThatThrownBy(() -> adoption(Optional.of(deleting)).apply(new Owners.Claim<>(List.of(), List.of(pod("orphan", null, null)), List.of()),
                List.of(), (p, patch) -> patched.add(p)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("has just been deleted");
        assertThat(patched).isEmpty();
    }

    @Test
    void noOrphanIsAdoptedByAnOwnerThatWasReplacedByANamesake() {
        Job namesake = new JobBuilder(JOB).editMetadata().withUid("another-uid").endMetadata().build();
        assertThatThrownBy(() -> adoption(Optional.of(namesake)).apply(new Owners.Claim<>(List.of(), List.of(pod("orphan", null, null)), List.of()),
                List.of(), (p, patch) -> true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is gone");
    }

    @Test
    void nothingToAdoptOrReleaseNeedsNoLiveRead() {
        List<Pod> candidates = List.of(pod("mine", "job-uid", FINALIZER));
        List<Pod> view = new Adoption(JOB, "batch/v1", "Job", List.of(), () -> {
            throw new AssertionError("read live");
        }).apply(new Owners.Claim<>(candidates, List.of(), List.of()), candidates, (p, patch) -> true);
        assertThat(view).isSameAs(candidates);
    }
}
