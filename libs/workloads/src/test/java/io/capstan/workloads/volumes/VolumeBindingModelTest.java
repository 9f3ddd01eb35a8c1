package io.capstan.workloads.volumes;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VolumeBindingModelTest {
    static final Instant NOW = Instant.parse("2024-01-01T00:00:00Z");
    static final Path DATA = Path.of("/var/lib/capstan");
    static final StorageClass MANUAL = new StorageClassBuilder().withNewMetadata().withName("manual").endMetadata()
            .withProvisioner("kubernetes.io/no-provisioner").build();
    static final List<StorageClass> CLASSES = List.of(VolumeBindingModel.defaultStorageClass(), MANUAL);

    static PersistentVolumeClaim claim(String name, String size, String cls, String modes) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace("default").withUid(name + "-uid")
                .withResourceVersion("7").withCreationTimestamp("2024-01-01T00:00:00Z").endMetadata()
                .withNewSpec().withStorageClassName(cls).withAccessModes(modes.split("\\+"))
                .withNewResources().addToRequests("storage", new Quantity(size)).endResources().endSpec()
                .withNewStatus().withPhase("Pending").endStatus().build();
    }

    static PersistentVolume volume(String name, String size, String cls, String modes, String label) {
        return new PersistentVolumeBuilder().withNewMetadata().withName(name).addToLabels("disk", label).endMetadata()
                .withNewSpec().addToCapacity("storage", new Quantity(size)).withAccessModes(modes.split("\\+"))
                .withStorageClassName(cls).withPersistentVolumeReclaimPolicy("Retain").withNewHostPath().withPath("/mnt/" + name).endHostPath().endSpec()
                .withNewStatus().withPhase("Available").endStatus().build();
    }

    static String boundTo(VolumeBindingModel.Plan plan) {
        return plan.updateClaims().isEmpty() || plan.updateClaims().get(0).getSpec().getVolumeName() == null
                ? "none" : plan.updateClaims().get(0).getSpec().getVolumeName();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            matching volume binds                            | 1Gi   | manual | ReadWriteOnce               | 1Gi | manual | ReadWriteOnce               | ssd | -   | pv1
            larger volume satisfies a smaller request        | 500Mi | manual | ReadWriteOnce               | 1Gi | manual | ReadWriteOnce               | ssd | -   | pv1
            too small volume does not bind                   | 2Gi   | manual | ReadWriteOnce               | 1Gi | manual | ReadWriteOnce               | ssd | -   | none
            other class does not bind                        | 1Gi   | manual | ReadWriteOnce               | 1Gi | fast   | ReadWriteOnce               | ssd | -   | none
            volume offering a superset of modes binds        | 1Gi   | manual | ReadWriteOnce               | 1Gi | manual | ReadWriteOnce+ReadOnlyMany  | ssd | -   | pv1
            volume missing an access mode does not bind      | 1Gi   | manual | ReadWriteOnce+ReadWriteMany | 1Gi | manual | ReadWriteOnce               | ssd | -   | none
            selector matching the volume labels binds        | 1Gi   | manual | ReadWriteOnce               | 1Gi | manual | ReadWriteOnce               | ssd | ssd | pv1
            selector not matching the volume labels fails    | 1Gi   | manual | ReadWriteOnce               | 1Gi | manual | ReadWriteOnce               | hdd | ssd | none
            """)
    void claimBindsOnlyToAVolumeThatSatisfiesIt(String name, String request, String claimClass, String claimModes,
                                                 String capacity, String pvClass, String pvModes, String pvLabel, String selector, String expected) {
        PersistentVolumeClaim c = claim("data", request, claimClass, claimModes);
        if (!"-".equals(selector)) {
            c.getSpec().setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("disk", selector).build());
        }
        var plan = VolumeBindingModel.desired(List.of(c), List.of(volume("pv1", capacity, pvClass, pvModes, pvLabel)), CLASSES, DATA, NOW);
        assertThat(boundTo(plan)).isEqualTo(expected);
        assertThat(plan.provision()).isEmpty();
    }

    @Test
    void smallestFittingVolumeIsChosenAndBothSidesAreBound() {
        var plan = VolumeBindingModel.desired(List.of(claim("data", "1Gi", "manual", "ReadWriteOnce")),
                List.of(volume("big", "10Gi", "manual", "ReadWriteOnce", "a"), volume("small", "2Gi", "manual", "ReadWriteOnce", "a"),
                        volume("tiny", "500Mi", "manual", "ReadWriteOnce", "a")), CLASSES, DATA, NOW);
        assertThat(boundTo(plan)).isEqualTo("small");
        PersistentVolumeClaim c = plan.updateClaims().get(0);
        assertThat(c.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bind-completed", "yes")
                .containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
        PersistentVolumeClaim status = plan.updateClaimStatus().get(0);
        assertThat(status.getStatus().getPhase()).isEqualTo("Bound");
        assertThat(status.getStatus().getCapacity().get("storage")).isEqualTo(new Quantity("2Gi"));
        PersistentVolume pv = plan.updateVolumes().get(0);
        assertThat(pv.getMetadata().getName()).isEqualTo("small");
        assertThat(pv.getSpec().getClaimRef().getUid()).isEqualTo("data-uid");
        assertThat(pv.getSpec().getClaimRef().getResourceVersion()).isEqualTo("7");
        assertThat(pv.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
        assertThat(plan.updateVolumeStatus()).filteredOn(v -> v.getMetadata().getName().equals("small"))
                .singleElement().satisfies(v -> assertThat(v.getStatus().getPhase()).isEqualTo("Bound"));
    }

    @Test
    void olderClaimWinsTheOnlyFittingVolume() {
        PersistentVolumeClaim older = claim("a", "1Gi", "manual", "ReadWriteOnce");
        PersistentVolumeClaim newer = claim("b", "1Gi", "manual", "ReadWriteOnce");
        newer.getMetadata().setCreationTimestamp("2024-01-01T00:00:05Z");
        var plan = VolumeBindingModel.desired(List.of(newer, older), List.of(volume("pv1", "1Gi", "manual", "ReadWriteOnce", "a")), CLASSES, DATA, NOW);
        assertThat(plan.updateClaims()).extracting(c -> c.getMetadata().getName()).containsExactly("a");
    }

    @Test
    void claimWithoutClassGetsTheDefaultAndAProvisionedDirectoryVolume() {
        PersistentVolumeClaim c = claim("data", "3Gi", null, "ReadWriteOnce");
        var plan = VolumeBindingModel.desired(List.of(c), List.of(), CLASSES, DATA, NOW);
        assertThat(plan.updateClaims()).singleElement().satisfies(u -> {
            assertThat(u.getSpec().getStorageClassName()).isEqualTo("standard");
            assertThat(u.getMetadata().getAnnotations()).containsEntry("volume.kubernetes.io/storage-provisioner", "capstan.io/local");
        });
        PersistentVolume pv = plan.provision().get(0);
        assertThat(pv.getMetadata().getName()).isEqualTo("pvc-data-uid");
        assertThat(pv.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/provisioned-by", "capstan.io/local");
        assertThat(pv.getSpec().getHostPath().getPath()).isEqualTo("/var/lib/capstan/volumes/pvc-data-uid");
        assertThat(pv.getSpec().getCapacity().get("storage")).isEqualTo(new Quantity("3Gi"));
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Delete");
        assertThat(pv.getSpec().getClaimRef().getUid()).isEqualTo("data-uid");
        assertThat(plan.createDirectories()).containsExactly(Path.of("/var/lib/capstan/volumes/pvc-data-uid"));
        assertThat(c.getSpec().getStorageClassName()).isNull();

        PersistentVolumeClaim updated = plan.updateClaims().get(0);
        PersistentVolume created = plan.provision().get(0);
        var next = VolumeBindingModel.desired(List.of(updated), List.of(created), CLASSES, DATA, NOW);
        assertThat(boundTo(next)).isEqualTo("pvc-data-uid");
        assertThat(next.provision()).isEmpty();
    }

    @Test
    void claimOfAClassWithoutProvisionerWaitsPending() {
        var plan = VolumeBindingModel.desired(List.of(claim("data", "1Gi", "manual", "ReadWriteOnce")), List.of(), CLASSES, DATA, NOW);
        assertThat(plan.isEmpty()).isTrue();
    }

    static PersistentVolume boundVolume(String policy, boolean provisioned) {
        PersistentVolume pv = volume("pv1", "1Gi", "standard", "ReadWriteOnce", "a");
        pv.getSpec().setPersistentVolumeReclaimPolicy(policy);
        pv.getSpec().setClaimRef(new io.fabric8.kubernetes.api.model.ObjectReferenceBuilder().withNamespace("default").withName("gone").withUid("gone-uid").build());
        pv.getStatus().setPhase("Bound");
        if (provisioned) {
            pv.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of("pv.kubernetes.io/provisioned-by", "capstan.io/local")));
        }
        return pv;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            retained volume of a deleted claim is Released            | Retain  | false | Released | false
            provisioned Delete volume is deleted with its directory   | Delete  | true  | -        | true
            foreign Delete volume Fails as nothing can delete it      | Delete  | false | Failed   | false
            Recycle volume Fails as recycling is unsupported          | Recycle | false | Failed   | false
            """)
    void volumeWhoseClaimIsGoneIsReclaimedByPolicy(String name, String policy, boolean provisioned, String phase, boolean deleted) {
        var plan = VolumeBindingModel.desired(List.of(), List.of(boundVolume(policy, provisioned)), CLASSES, DATA, NOW);
        assertThat(plan.delete()).hasSize(deleted ? 1 : 0);
        assertThat(plan.removeDirectories()).containsExactlyElementsOf(deleted ? List.of(Path.of("/mnt/pv1")) : List.of());
        if (!deleted) {
            assertThat(plan.updateVolumeStatus()).singleElement().satisfies(v -> {
                assertThat(v.getStatus().getPhase()).isEqualTo(phase);
                assertThat(v.getStatus().getLastPhaseTransitionTime()).isEqualTo("2024-01-01T00:00:00Z");
            });
        }
    }

    @Test
    void boundPairInStepNeedsNoWrites() {
        var first = VolumeBindingModel.desired(List.of(claim("data", "1Gi", "manual", "ReadWriteOnce")),
                List.of(volume("pv1", "1Gi", "manual", "ReadWriteOnce", "a")), CLASSES, DATA, NOW);
        PersistentVolumeClaim c = first.updateClaims().get(0);
        c.setStatus(first.updateClaimStatus().get(0).getStatus());
        PersistentVolume v = first.updateVolumes().get(0);
        v.setStatus(first.updateVolumeStatus().get(0).getStatus());
        assertThat(VolumeBindingModel.desired(List.of(c), List.of(v), CLASSES, DATA, NOW).isEmpty()).isTrue();
    }

    @Test
    void boundClaimWhoseVolumeVanishedIsLost() {
        PersistentVolumeClaim c = claim("data", "1Gi", "manual", "ReadWriteOnce");
        c.getSpec().setVolumeName("pv1");
        c.getMetadata().setAnnotations(java.util.Map.of("pv.kubernetes.io/bind-completed", "yes"));
        var plan = VolumeBindingModel.desired(List.of(c), List.of(), CLASSES, DATA, NOW);
        assertThat(plan.updateClaimStatus()).singleElement().satisfies(u -> assertThat(u.getStatus().getPhase()).isEqualTo("Lost"));
    }

    @Test
    void defaultStorageClassIsStandardLocalAndMarkedDefault() {
        StorageClass sc = VolumeBindingModel.defaultStorageClass();
        assertThat(sc.getMetadata().getName()).isEqualTo("standard");
        assertThat(sc.getProvisioner()).isEqualTo("capstan.io/local");
        assertThat(sc.getMetadata().getAnnotations()).containsEntry("storageclass.kubernetes.io/is-default-class", "true");
        assertThat(VolumeBindingModel.defaultClassName(CLASSES)).isEqualTo("standard");
    }
}
