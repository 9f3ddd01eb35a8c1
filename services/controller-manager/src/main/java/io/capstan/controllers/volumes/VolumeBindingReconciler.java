package io.capstan.controllers.volumes;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.Statuses;
import io.capstan.workloads.volumes.VolumeBindingModel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The PersistentVolume controller (binder and Capstan's local provisioner) over one global key:
 * any change to a claim, volume or class reconciles everything with {@link VolumeBindingModel},
 * the work queue folding bursts of changes into one pass. Provisioned volumes are directories
 * under the configured data directory, made before the volume is created and removed once it is
 * deleted.
 */
public final class VolumeBindingReconciler implements Reconciler {
    /** The one key every change maps to. */
    public static final Request KEY = new Request(null, "volumes");
    private static final Logger LOG = Logger.getLogger(VolumeBindingReconciler.class);

    private final KubernetesClient client;
    private final Store<PersistentVolumeClaim> claims;
    private final Store<PersistentVolume> volumes;
    private final Store<StorageClass> classes;
    private final Path dataDir;
    private final EventRecorder events;

    public VolumeBindingReconciler(KubernetesClient client, Store<PersistentVolumeClaim> claims, Store<PersistentVolume> volumes,
                                   Store<StorageClass> classes, Path dataDir, EventRecorder events) {
        this.client = client;
        this.claims = claims;
        this.volumes = volumes;
        this.classes = classes;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.events = events;
    }

    public Collection<Request> all(Object ignored) {
        return List.of(KEY);
    }

    /** Creates the default StorageClass unless a class of that name exists. */
    public void ensureDefaultClass() {
        StorageClass sc = VolumeBindingModel.defaultStorageClass();
        try {
            if (client.storage().v1().storageClasses().withName(sc.getMetadata().getName()).get() == null) {
                client.storage().v1().storageClasses().resource(sc).create();
                LOG.infof("created default StorageClass %s", sc.getMetadata().getName());
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                LOG.warnf("could not create the default StorageClass: %s", e.getMessage());
            }
        }
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync();
    }

    private Result sync() throws IOException {
        if (classes.get(null, VolumeBindingModel.DEFAULT_CLASS).isEmpty() && classes.list().isEmpty()) {
            ensureDefaultClass();
        }
        VolumeBindingModel.Plan plan = VolumeBindingModel.desired(claims.list(), volumes.list(), classes.list(), dataDir, Instant.now());
        if (plan.isEmpty()) {
            return Result.done();
        }
        Map<String, PersistentVolumeClaim> updatedClaims = new HashMap<>();
        for (PersistentVolumeClaim c : plan.updateClaims()) {
            PersistentVolumeClaim stored = claims.get(c.getMetadata().getNamespace(), c.getMetadata().getName()).orElse(null);
            if (stored != null && Statuses.same(c, stored)) {
                continue;
            }
            updatedClaims.put(key(c), client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace()).resource(c).update());
        }
        for (PersistentVolumeClaim c : plan.updateClaimStatus()) {
            PersistentVolumeClaim base = updatedClaims.getOrDefault(key(c), c);
            base.setStatus(c.getStatus());
            client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace()).resource(base).updateStatus();
        }
        Map<String, PersistentVolume> updatedVolumes = new HashMap<>();
        for (PersistentVolume pv : plan.updateVolumes()) {
            PersistentVolume stored = volumes.get(null, pv.getMetadata().getName()).orElse(null);
            if (stored != null && Statuses.same(pv, stored)) {
                continue;
            }
            updatedVolumes.put(pv.getMetadata().getName(), client.persistentVolumes().resource(pv).update());
        }
        for (PersistentVolume pv : plan.updateVolumeStatus()) {
            PersistentVolume base = updatedVolumes.getOrDefault(pv.getMetadata().getName(), pv);
            base.setStatus(pv.getStatus());
            client.persistentVolumes().resource(base).updateStatus();
        }
        for (Path dir : plan.createDirectories()) {
            Files.createDirectories(dir);
        }
        for (PersistentVolume pv : plan.provision()) {
            try {
                client.persistentVolumes().resource(pv).create();
                ObjectReference ref = pv.getSpec().getClaimRef();
                if (ref != null) {
                    claims.get(ref.getNamespace(), ref.getName()).ifPresent(claim -> events.normal(claim, "ProvisioningSucceeded",
                            "Successfully provisioned volume %s using %s", pv.getMetadata().getName(), VolumeBindingModel.PROVISIONER));
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        for (PersistentVolume pv : plan.delete()) {
            try {
                client.persistentVolumes().withName(pv.getMetadata().getName()).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        for (Path dir : plan.removeDirectories()) {
            removeTree(dir);
        }
        return Result.done();
    }

    private static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }
}
