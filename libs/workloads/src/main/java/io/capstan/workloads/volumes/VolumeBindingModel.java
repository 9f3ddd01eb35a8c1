package io.capstan.workloads.volumes;

import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Selectors;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * PersistentVolume binding and local provisioning, as k8s.io/kubernetes/pkg/controller/volume/persistentvolume
 * (syncClaim, syncVolume, findMatchingVolume, bind, reclaimVolume) does it for Immediate binding,
 * with Capstan's {@value #PROVISIONER} provisioner standing in for an external one.
 *
 * <p>Claims are handled oldest first, so when two claims want the one fitting volume the older
 * wins. A claim without a storage class gets the default class (RetroactiveDefaultStorageClass).
 * An unbound claim binds to the smallest Available volume that satisfies it; failing that, a claim
 * of a {@value #PROVISIONER} class gets a new volume {@code pvc-<claim uid>}, a directory under
 * {@code <dataDir>/volumes}, pre-bound to it, which the next pass binds. A volume whose claim is
 * gone is Released; one this provisioner made with reclaimPolicy Delete is then deleted with its
 * directory, others with Delete or Recycle Failed, Retain ones stay Released.
 *
 * <p>Not modelled: WaitForFirstConsumer and node affinity of volumes, volume expansion, data sources.
 */
public final class VolumeBindingModel {
    public static final String PROVISIONER = "capstan.io/local";
    public static final String DEFAULT_CLASS = "standard";
    public static final String IS_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";
    public static final String BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
    public static final String BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
    public static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    public static final String STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
    public static final String BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";

    private VolumeBindingModel() {
    }

    /**
     * The writes of one pass. A claim or volume may appear in both its update list (metadata and
     * spec, a plain update) and its status list (the status subresource); the reconciler writes the
     * update first and then the status onto the object it got back.
     *
     * @param createDirectories  directories to create for {@code provision} before the volumes are created
     * @param removeDirectories  directories of deleted volumes, to remove once the delete succeeded
     */
    public record Plan(List<PersistentVolumeClaim> updateClaims, List<PersistentVolumeClaim> updateClaimStatus,
                       List<PersistentVolume> updateVolumes, List<PersistentVolume> updateVolumeStatus,
                       List<PersistentVolume> provision, List<PersistentVolume> delete,
                       List<Path> createDirectories, List<Path> removeDirectories) {
        public boolean isEmpty() {
            return updateClaims.isEmpty() && updateClaimStatus.isEmpty() && updateVolumes.isEmpty()
                    && updateVolumeStatus.isEmpty() && provision.isEmpty() && delete.isEmpty();
        }
    }

    /** The class the controller keeps in place: {@code standard}, the default, local directories, Delete, Immediate. */
    public static StorageClass defaultStorageClass() {
        return new StorageClassBuilder().withNewMetadata().withName(DEFAULT_CLASS).addToAnnotations(IS_DEFAULT_CLASS, "true").endMetadata()
                .withProvisioner(PROVISIONER).withReclaimPolicy("Delete").withVolumeBindingMode("Immediate").build();
    }

    /**
     * The default class as the DefaultStorageClass admission picks it: among classes annotated
     * default, the newest (ties by name); null when none is.
     */
    public static String defaultClassName(List<StorageClass> classes) {
        return classes.stream()
                .filter(c -> c.getMetadata().getAnnotations() != null && "true".equals(c.getMetadata().getAnnotations().get(IS_DEFAULT_CLASS)))
                .max(Comparator.comparing((StorageClass c) -> Objects.requireNonNullElse(c.getMetadata().getCreationTimestamp(), ""))
                        .thenComparing(c -> c.getMetadata().getName(), Comparator.reverseOrder()))
                .map(c -> c.getMetadata().getName()).orElse(null);
    }

    /** The directory that backs a provisioned volume for the claim with this uid. */
    public static Path directory(Path dataDir, String claimUid) {
        return dataDir.resolve("volumes").resolve("pvc-" + claimUid);
    }

    /**
     * checkVolumeSatisfyClaim plus the selector: same class, the claim's selector matches the
     * volume's labels, same volume mode, the volume offers every access mode the claim asks for and
     * at least the storage it requests. Whether the volume is free is not judged here.
     */
    public static boolean satisfies(PersistentVolume pv, PersistentVolumeClaim claim) {
        if (!Objects.equals(classOf(pv), classOf(claim))) {
            return false;
        }
        var selector = claim.getSpec().getSelector();
        if (selector != null && !Selectors.matches(selector, pv.getMetadata().getLabels())) {
            return false;
        }
        if (!volumeMode(pv.getSpec().getVolumeMode()).equals(volumeMode(claim.getSpec().getVolumeMode()))) {
            return false;
        }
        List<String> offered = pv.getSpec().getAccessModes() == null ? List.of() : pv.getSpec().getAccessModes();
        if (claim.getSpec().getAccessModes() != null && !offered.containsAll(claim.getSpec().getAccessModes())) {
            return false;
        }
        return capacity(pv).compareTo(request(claim)) >= 0;
    }

    /**
     * One pass over all claims and volumes.
     *
     * @param dataDir Capstan's data directory; provisioned volumes live under {@code <dataDir>/volumes}
     */
    public static Plan desired(List<PersistentVolumeClaim> claims, List<PersistentVolume> volumes, List<StorageClass> classes,
                               Path dataDir, Instant now) {
        Pass pass = new Pass(volumes, classes, dataDir, now);
        List<PersistentVolumeClaim> ordered = new ArrayList<>(claims);
        ordered.sort(Comparator.comparing((PersistentVolumeClaim c) -> Objects.requireNonNullElse(c.getMetadata().getCreationTimestamp(), ""))
                .thenComparing(c -> Objects.requireNonNullElse(c.getMetadata().getNamespace(), ""))
                .thenComparing(c -> c.getMetadata().getName()));
        for (PersistentVolumeClaim claim : ordered) {
            if (claim.getMetadata().getDeletionTimestamp() == null) {
                pass.syncClaim(claim);
            }
        }
        Map<String, PersistentVolumeClaim> byKey = new HashMap<>();
        claims.forEach(c -> byKey.put(c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(), c));
        for (PersistentVolume pv : pass.sortedVolumes()) {
            if (!pass.touched.contains(pv.getMetadata().getName())) {
                pass.syncVolume(pv, byKey);
            }
        }
        return pass.plan();
    }

    /** The mutable state of one pass; the inputs are only read, every write goes to copies. */
    private static final class Pass {
        final Map<String, PersistentVolume> volumes = new TreeMap<>();
        final Map<String, StorageClass> classes = new HashMap<>();
        final String defaultClass;
        final Path dataDir;
        final Instant now;
        final Set<String> touched = new HashSet<>();
        final Map<String, PersistentVolumeClaim> claimUpdates = new LinkedHashMap<>();
        final Map<String, PersistentVolumeClaim> claimStatus = new LinkedHashMap<>();
        final Map<String, PersistentVolume> volumeUpdates = new LinkedHashMap<>();
        final Map<String, PersistentVolume> volumeStatus = new LinkedHashMap<>();
        final List<PersistentVolume> provision = new ArrayList<>();
        final List<PersistentVolume> delete = new ArrayList<>();
        final List<Path> create = new ArrayList<>();
        final List<Path> remove = new ArrayList<>();

        Pass(List<PersistentVolume> volumes, List<StorageClass> classes, Path dataDir, Instant now) {
            volumes.forEach(v -> this.volumes.put(v.getMetadata().getName(), v));
            classes.forEach(c -> this.classes.put(c.getMetadata().getName(), c));
            this.defaultClass = defaultClassName(classes);
            this.dataDir = dataDir;
            this.now = now;
        }

        List<PersistentVolume> sortedVolumes() {
            return List.copyOf(volumes.values());
        }

        Plan plan() {
            return new Plan(List.copyOf(claimUpdates.values()), List.copyOf(claimStatus.values()),
                    List.copyOf(volumeUpdates.values()), List.copyOf(volumeStatus.values()),
                    List.copyOf(provision), List.copyOf(delete), List.copyOf(create), List.copyOf(remove));
        }

        void syncClaim(PersistentVolumeClaim original) {
            PersistentVolumeClaim claim = Copies.deepCopy(original);
            if (claim.getSpec().getStorageClassName() == null && blank(claim.getSpec().getVolumeName()) && defaultClass != null) {
                claim.getSpec().setStorageClassName(defaultClass);
            }
            String volumeName = claim.getSpec().getVolumeName();
            if (blank(volumeName)) {
                syncUnboundClaim(original, claim);
                return;
            }
            PersistentVolume pv = volumes.get(volumeName);
            ObjectReference ref = pv == null ? null : pv.getSpec().getClaimRef();
            if (pv != null && (ref == null || refersTo(ref, claim))) {
                touched.add(volumeName);
                bind(original, claim, pv, false);
            } else if (annotation(claim, BIND_COMPLETED) != null) {
                setClaimPhase(original, claim, "Lost");
            } else {
                setClaimPhase(original, claim, "Pending");
            }
        }

        private void syncUnboundClaim(PersistentVolumeClaim original, PersistentVolumeClaim claim) {
            PersistentVolume match = findMatch(claim);
            if (match != null) {
                touched.add(match.getMetadata().getName());
                bind(original, claim, match, true);
                return;
            }
            StorageClass sc = classOf(claim) == null ? null : classes.get(classOf(claim));
            if (sc != null && PROVISIONER.equals(sc.getProvisioner())) {
                annotate(claim, STORAGE_PROVISIONER, PROVISIONER);
                annotate(claim, BETA_STORAGE_PROVISIONER, PROVISIONER);
                String name = "pvc-" + claim.getMetadata().getUid();
                if (!volumes.containsKey(name)) {
                    PersistentVolume pv = provisioned(claim, sc);
                    provision.add(pv);
                    create.add(directory(dataDir, claim.getMetadata().getUid()));
                    volumes.put(name, pv);
                    touched.add(name);
                }
            }
            writeClaim(original, claim);
            setClaimPhase(original, claim, "Pending");
        }

        /** findMatchingVolume: a volume pre-bound to the claim first, else the smallest free one, ties by name. */
        private PersistentVolume findMatch(PersistentVolumeClaim claim) {
            PersistentVolume best = null;
            for (PersistentVolume pv : volumes.values()) {
                if (pv.getMetadata().getDeletionTimestamp() != null || touched.contains(pv.getMetadata().getName())
                        || !satisfies(pv, claim)) {
                    continue;
                }
                ObjectReference ref = pv.getSpec().getClaimRef();
                if (ref != null) {
                    if (refersTo(ref, claim)) {
                        return pv;
                    }
                    continue;
                }
                if (best == null || capacity(pv).compareTo(capacity(best)) < 0) {
                    best = pv;
                }
            }
            return best;
        }

        /** bind: the volume's claimRef and Bound phase, the claim's volumeName, annotations and Bound status. */
        private void bind(PersistentVolumeClaim original, PersistentVolumeClaim claim, PersistentVolume pv, boolean byController) {
            PersistentVolume v = Copies.deepCopy(pv);
            ObjectReference ref = v.getSpec().getClaimRef();
            if (ref == null || blank(ref.getUid())) {
                v.getSpec().setClaimRef(claimRef(claim));
                if (ref == null) {
                    annotate(v, BOUND_BY_CONTROLLER, "yes");
                }
            }
            writeVolume(pv, v);
            setVolumePhase(pv, v, "Bound", null, null);

            if (blank(claim.getSpec().getVolumeName())) {
                claim.getSpec().setVolumeName(v.getMetadata().getName());
                if (byController) {
                    annotate(claim, BOUND_BY_CONTROLLER, "yes");
                }
            }
            annotate(claim, BIND_COMPLETED, "yes");
            writeClaim(original, claim);
            PersistentVolumeClaim withStatus = Copies.deepCopy(claim);
            PersistentVolumeClaimStatus status = withStatus.getStatus() == null ? new PersistentVolumeClaimStatus() : withStatus.getStatus();
            status.setPhase("Bound");
            status.setAccessModes(v.getSpec().getAccessModes() == null ? null : new ArrayList<>(v.getSpec().getAccessModes()));
            status.setCapacity(v.getSpec().getCapacity() == null ? null : new TreeMap<>(v.getSpec().getCapacity()));
            withStatus.setStatus(status);
            if (!Objects.equals(original.getStatus(), status)) {
                claimStatus.put(key(claim), withStatus);
            }
        }

        /** syncVolume for a volume no claim bound in this pass. */
        void syncVolume(PersistentVolume pv, Map<String, PersistentVolumeClaim> claims) {
            ObjectReference ref = pv.getSpec().getClaimRef();
            if (pv.getMetadata().getDeletionTimestamp() != null) {
                return;
            }
            if (ref == null || blank(ref.getUid())) {
                PersistentVolumeClaim claim = ref == null ? null : claims.get(ref.getNamespace() + "/" + ref.getName());
                if (ref == null || claim == null || !blank(claim.getSpec().getVolumeName())) {
                    setVolumePhase(pv, Copies.deepCopy(pv), "Available", null, null);
                }
                return;
            }
            PersistentVolumeClaim claim = claims.get(ref.getNamespace() + "/" + ref.getName());
            if (claim != null && ref.getUid().equals(claim.getMetadata().getUid())) {
                return;
            }
            String policy = Objects.requireNonNullElse(pv.getSpec().getPersistentVolumeReclaimPolicy(), "Retain");
            PersistentVolume v = Copies.deepCopy(pv);
            switch (policy) {
                case "Delete" -> {
                    if (PROVISIONER.equals(annotation(pv, PROVISIONED_BY))) {
                        delete.add(pv);
                        if (pv.getSpec().getHostPath() != null && pv.getSpec().getHostPath().getPath() != null) {
                            remove.add(Path.of(pv.getSpec().getHostPath().getPath()));
                        }
                    } else {
                        setVolumePhase(pv, v, "Failed", "VolumeFailedDelete",
                                "no deleter for volume " + pv.getMetadata().getName() + ": only volumes provisioned by " + PROVISIONER + " are deleted");
                    }
                }
                case "Recycle" -> setVolumePhase(pv, v, "Failed", "VolumeFailedRecycle", "Recycle is not supported; use Delete or Retain");
                default -> {
                    if (!"Failed".equals(phase(pv))) {
                        setVolumePhase(pv, v, "Released", null, null);
                    }
                }
            }
        }

        private PersistentVolume provisioned(PersistentVolumeClaim claim, StorageClass sc) {
            String uid = claim.getMetadata().getUid();
            List<String> modes = claim.getSpec().getAccessModes() == null || claim.getSpec().getAccessModes().isEmpty()
                    ? List.of("ReadWriteOnce") : claim.getSpec().getAccessModes();
            return new PersistentVolumeBuilder().withNewMetadata().withName("pvc-" + uid)
                    .addToAnnotations(PROVISIONED_BY, PROVISIONER).endMetadata()
                    .withNewSpec()
                    .addToCapacity("storage", claim.getSpec().getResources().getRequests().get("storage"))
                    .withAccessModes(new ArrayList<>(modes))
                    .withPersistentVolumeReclaimPolicy(Objects.requireNonNullElse(sc.getReclaimPolicy(), "Delete"))
                    .withStorageClassName(sc.getMetadata().getName())
                    .withVolumeMode(volumeMode(claim.getSpec().getVolumeMode()))
                    .withNewHostPath().withPath(directory(dataDir, uid).toString()).withType("DirectoryOrCreate").endHostPath()
                    .withClaimRef(claimRef(claim))
                    .endSpec().build();
        }

        private void writeClaim(PersistentVolumeClaim original, PersistentVolumeClaim claim) {
            boolean changed = !Objects.equals(original.getSpec(), claim.getSpec())
                    || !Objects.equals(original.getMetadata().getAnnotations(), claim.getMetadata().getAnnotations());
            if (changed) {
                PersistentVolumeClaim update = Copies.deepCopy(claim);
                update.setStatus(Copies.deepCopy(original.getStatus()));
                claimUpdates.put(key(claim), update);
            }
        }

        private void setClaimPhase(PersistentVolumeClaim original, PersistentVolumeClaim claim, String phase) {
            if (phase.equals(original.getStatus() == null ? null : original.getStatus().getPhase())) {
                return;
            }
            PersistentVolumeClaim withStatus = Copies.deepCopy(claim);
            if (withStatus.getStatus() == null) {
                withStatus.setStatus(new PersistentVolumeClaimStatus());
            }
            withStatus.getStatus().setPhase(phase);
            claimStatus.put(key(claim), withStatus);
        }

        private void writeVolume(PersistentVolume original, PersistentVolume v) {
            if (!Objects.equals(original.getSpec(), v.getSpec())
                    || !Objects.equals(original.getMetadata().getAnnotations(), v.getMetadata().getAnnotations())) {
                PersistentVolume update = Copies.deepCopy(v);
                update.setStatus(Copies.deepCopy(original.getStatus()));
                volumeUpdates.put(v.getMetadata().getName(), update);
            }
        }

        private void setVolumePhase(PersistentVolume original, PersistentVolume v, String phase, String reason, String message) {
            PersistentVolumeStatus old = original.getStatus();
            if (old != null && phase.equals(old.getPhase()) && Objects.equals(reason, old.getReason()) && Objects.equals(message, old.getMessage())) {
                return;
            }
            PersistentVolume withStatus = Copies.deepCopy(v);
            PersistentVolumeStatus status = new PersistentVolumeStatus();
            status.setPhase(phase);
            status.setReason(reason);
            status.setMessage(message);
            boolean samePhase = old != null && phase.equals(old.getPhase());
            status.setLastPhaseTransitionTime(samePhase ? old.getLastPhaseTransitionTime() : Times.format(now));
            withStatus.setStatus(status);
            volumeStatus.put(v.getMetadata().getName(), withStatus);
        }
    }

    private static ObjectReference claimRef(PersistentVolumeClaim claim) {
        return new ObjectReferenceBuilder().withKind("PersistentVolumeClaim").withApiVersion("v1")
                .withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName())
                .withUid(claim.getMetadata().getUid()).withResourceVersion(claim.getMetadata().getResourceVersion()).build();
    }

    /** IsVolumeBoundToClaim: same namespace and name, and the same uid unless the reference has none. */
    private static boolean refersTo(ObjectReference ref, PersistentVolumeClaim claim) {
        return Objects.equals(ref.getNamespace(), claim.getMetadata().getNamespace())
                && Objects.equals(ref.getName(), claim.getMetadata().getName())
                && (blank(ref.getUid()) || ref.getUid().equals(claim.getMetadata().getUid()));
    }

    private static String classOf(PersistentVolume pv) {
        return blank(pv.getSpec().getStorageClassName()) ? null : pv.getSpec().getStorageClassName();
    }

    private static String classOf(PersistentVolumeClaim claim) {
        return blank(claim.getSpec().getStorageClassName()) ? null : claim.getSpec().getStorageClassName();
    }

    private static String volumeMode(String mode) {
        return blank(mode) ? "Filesystem" : mode;
    }

    private static BigDecimal capacity(PersistentVolume pv) {
        Quantity q = pv.getSpec().getCapacity() == null ? null : pv.getSpec().getCapacity().get("storage");
        return q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
    }

    private static BigDecimal request(PersistentVolumeClaim claim) {
        var r = claim.getSpec().getResources();
        Quantity q = r == null || r.getRequests() == null ? null : r.getRequests().get("storage");
        return q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
    }

    private static String phase(PersistentVolume pv) {
        return pv.getStatus() == null ? null : pv.getStatus().getPhase();
    }

    private static String annotation(io.fabric8.kubernetes.api.model.HasMetadata o, String key) {
        return o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get(key);
    }

    private static void annotate(io.fabric8.kubernetes.api.model.HasMetadata o, String key, String value) {
        Map<String, String> a = new TreeMap<>(o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations());
        a.put(key, value);
        o.getMetadata().setAnnotations(a);
    }

    private static String key(PersistentVolumeClaim c) {
        return c.getMetadata().getNamespace() + "/" + c.getMetadata().getName();
    }

    private static boolean blank(String s) {
        return s == null || s.isEmpty();
    }
}
