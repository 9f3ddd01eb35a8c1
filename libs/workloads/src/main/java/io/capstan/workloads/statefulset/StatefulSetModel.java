package io.capstan.workloads.statefulset;

import io.capstan.workloads.common.ControllerRevisions;
import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Pods;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The desired state of one StatefulSet, as k8s.io/kubernetes/pkg/controller/statefulset
 * (stateful_set_control.go updateStatefulSet) computes one step of it.
 *
 * <p>Pods are named {@code <set>-<ordinal>}. Under OrderedReady, the sync stops at the first
 * missing, terminating or not-yet-available replica: pods are created low to high one at a
 * time, and removed high to low one at a time once every remaining replica is available.
 * Parallel creates and removes all at once. RollingUpdate deletes the highest-ordinal pod at
 * or above the partition whose revision is stale, one at a time, waiting for each to come back
 * available; OnDelete leaves pods alone until the user deletes them.
 */
public final class StatefulSetModel {
    public static final String API_VERSION = "apps/v1";
    public static final String KIND = "StatefulSet";
    public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

    private StatefulSetModel() {
    }

    /**
     * One step of a StatefulSet. The reconciler applies the revision changes first, then creates
     * claims, creates pods (in list order, stopping at the first error), deletes pods, and writes
     * the status.
     */
    public record Plan(ControllerRevisions.Resolution revisions, List<PersistentVolumeClaim> createClaims,
                       List<Pod> create, List<Pod> delete, StatefulSetStatus status) {
    }

    public static int replicas(StatefulSet sts) {
        Integer r = sts.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    public static int startOrdinal(StatefulSet sts) {
        return sts.getSpec().getOrdinals() == null || sts.getSpec().getOrdinals().getStart() == null
                ? 0 : sts.getSpec().getOrdinals().getStart();
    }

    public static boolean isParallel(StatefulSet sts) {
        return "Parallel".equals(sts.getSpec().getPodManagementPolicy());
    }

    public static boolean isOnDelete(StatefulSet sts) {
        return sts.getSpec().getUpdateStrategy() != null && "OnDelete".equals(sts.getSpec().getUpdateStrategy().getType());
    }

    public static int partition(StatefulSet sts) {
        var u = sts.getSpec().getUpdateStrategy();
        return u == null || u.getRollingUpdate() == null || u.getRollingUpdate().getPartition() == null
                ? 0 : u.getRollingUpdate().getPartition();
    }

    public static String podName(StatefulSet sts, int ordinal) {
        return sts.getMetadata().getName() + "-" + ordinal;
    }

    /** {@code <template>-<set>-<ordinal>}. */
    public static String claimName(String template, StatefulSet sts, int ordinal) {
        return template + "-" + podName(sts, ordinal);
    }

    /** The ordinal in a pod's name {@code <set>-<ordinal>}, or -1 when the name is not of that form. */
    public static int ordinal(StatefulSet sts, Pod pod) {
        String prefix = sts.getMetadata().getName() + "-";
        String name = pod.getMetadata().getName();
        if (name == null || !name.startsWith(prefix)) {
            return -1;
        }
        String digits = name.substring(prefix.length());
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 9) {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    /** The PVCs the pod with {@code ordinal} mounts, from {@code spec.volumeClaimTemplates}. */
    public static List<PersistentVolumeClaim> claimsFor(StatefulSet sts, int ordinal) {
        List<PersistentVolumeClaim> out = new ArrayList<>();
        if (sts.getSpec().getVolumeClaimTemplates() == null) {
            return out;
        }
        var retention = sts.getSpec().getPersistentVolumeClaimRetentionPolicy();
        boolean ownedBySet = retention != null && "Delete".equals(retention.getWhenDeleted());
        for (PersistentVolumeClaim template : sts.getSpec().getVolumeClaimTemplates()) {
            PersistentVolumeClaim claim = Copies.deepCopy(template);
            ObjectMeta meta = claim.getMetadata() == null ? new ObjectMeta() : claim.getMetadata();
            Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
            if (sts.getSpec().getSelector() != null && sts.getSpec().getSelector().getMatchLabels() != null) {
                labels.putAll(sts.getSpec().getSelector().getMatchLabels());
            }
            ObjectMeta m = new ObjectMeta();
            m.setName(claimName(meta.getName(), sts, ordinal));
            m.setNamespace(sts.getMetadata().getNamespace());
            m.setLabels(labels.isEmpty() ? null : labels);
            m.setAnnotations(meta.getAnnotations());
            if (ownedBySet) {
                OwnerReference ref = Owners.controllerRef(sts, API_VERSION, KIND);
                ref.setController(false);
                m.setOwnerReferences(List.of(ref));
            }
            claim.setMetadata(m);
            claim.setApiVersion("v1");
            claim.setKind("PersistentVolumeClaim");
            claim.setStatus(null);
            out.add(claim);
        }
        return out;
    }

    /**
     * newStatefulSetPod: the template named {@code <set>-<ordinal>}, with the pod-name,
     * pod-index and revision-hash labels, hostname and subdomain, and a volume per claim template.
     */
    public static Pod newPod(StatefulSet sts, PodTemplateSpec template, String revisionHash, int ordinal) {
        PodTemplateSpec t = Copies.deepCopy(template);
        ObjectMeta tm = t.getMetadata() == null ? new ObjectMeta() : t.getMetadata();
        String name = podName(sts, ordinal);
        Map<String, String> labels = new LinkedHashMap<>(tm.getLabels() == null ? Map.of() : tm.getLabels());
        labels.put(POD_NAME_LABEL, name);
        labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
        labels.put(ControllerRevisions.HASH_LABEL, revisionHash);
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace(sts.getMetadata().getNamespace());
        meta.setLabels(labels);
        meta.setAnnotations(tm.getAnnotations());
        meta.setFinalizers(tm.getFinalizers());
        meta.setOwnerReferences(List.of(Owners.controllerRef(sts, API_VERSION, KIND)));
        var spec = t.getSpec();
        spec.setHostname(name);
        spec.setSubdomain(sts.getSpec().getServiceName());
        if (sts.getSpec().getVolumeClaimTemplates() != null && !sts.getSpec().getVolumeClaimTemplates().isEmpty()) {
            Map<String, Volume> volumes = new LinkedHashMap<>();
            if (spec.getVolumes() != null) {
                spec.getVolumes().forEach(v -> volumes.put(v.getName(), v));
            }
            for (PersistentVolumeClaim c : sts.getSpec().getVolumeClaimTemplates()) {
                String tn = c.getMetadata().getName();
                volumes.put(tn, new VolumeBuilder().withName(tn).withNewPersistentVolumeClaim()
                        .withClaimName(claimName(tn, sts, ordinal)).endPersistentVolumeClaim().build());
            }
            spec.setVolumes(new ArrayList<>(volumes.values()));
        }
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        pod.setMetadata(meta);
        pod.setSpec(spec);
        return pod;
    }

    private static boolean healthy(Pod pod, int minReadySeconds, Instant now) {
        return Pods.isRunning(pod) && Pods.isAvailable(pod, minReadySeconds, now) && !Pods.isTerminating(pod);
    }

    /**
     * getPodsForStatefulSet: the namespace's pods the set claims, those its selector matches and
     * whose name is {@code <set>-<ordinal>} (isMemberOf), adopting orphans and releasing the rest.
     */
    public static Owners.Claim<Pod> claim(StatefulSet sts, List<Pod> namespacePods) {
        return Owners.claimBySelector(sts, sts.getSpec().getSelector(), p -> ordinal(sts, p) >= 0, namespacePods);
    }

    /** adoptOrphanRevisions: orphaned ControllerRevisions the selector matches are adopted; none are released. */
    public static Owners.Claim<ControllerRevision> claimRevisions(StatefulSet sts, List<ControllerRevision> namespaceRevisions) {
        return Owners.claimBySelector(sts, sts.getSpec().getSelector(), r -> true, namespaceRevisions).adoptOnly();
    }

    /**
     * Plans one step over all pods, claims and ControllerRevisions of the namespace (the set's
     * own pods and revisions are those it controls). Pure: nothing passed in is modified.
     */
    public static Plan plan(StatefulSet sts, List<Pod> namespacePods, List<PersistentVolumeClaim> namespaceClaims,
                            List<ControllerRevision> namespaceRevisions, Instant now) {
        List<Pod> pods = Owners.controlledBy(sts, namespacePods).stream().filter(p -> ordinal(sts, p) >= 0).toList();
        Set<String> liveHashes = new HashSet<>();
        pods.forEach(p -> {
            String h = ControllerRevisions.hashOf(p);
            if (h != null) {
                liveHashes.add(h);
            }
        });
        StatefulSetStatus old = sts.getStatus() == null ? new StatefulSetStatus() : sts.getStatus();
        ControllerRevisions.Resolution rev = ControllerRevisions.resolve(sts, API_VERSION, KIND, sts.getSpec().getTemplate(),
                Owners.controlledBy(sts, namespaceRevisions), old.getCollisionCount(), old.getCurrentRevision(),
                liveHashes, sts.getSpec().getRevisionHistoryLimit());
        String currentName = rev.current().getMetadata().getName();
        String updateName = rev.update().getMetadata().getName();
        String currentHash = ControllerRevisions.hashOf(rev.current());
        String updateHash = ControllerRevisions.hashOf(rev.update());
        PodTemplateSpec currentTemplate = currentName.equals(updateName) ? sts.getSpec().getTemplate() : ControllerRevisions.template(rev.current());

        int start = startOrdinal(sts);
        int replicas = replicas(sts);
        int minReady = sts.getSpec().getMinReadySeconds() == null ? 0 : sts.getSpec().getMinReadySeconds();
        boolean monotonic = !isParallel(sts);
        int partition = partition(sts);
        Pod[] slots = new Pod[replicas];
        List<Pod> condemned = new ArrayList<>();
        for (Pod p : pods) {
            int o = ordinal(sts, p);
            if (o >= start && o < start + replicas) {
                slots[o - start] = p;
            } else {
                condemned.add(p);
            }
        }
        condemned.sort(Comparator.comparingInt((Pod p) -> ordinal(sts, p)).reversed());
        Set<String> claimNames = new HashSet<>();
        for (PersistentVolumeClaim c : namespaceClaims) {
            claimNames.add(c.getMetadata().getName());
        }
        List<PersistentVolumeClaim> createClaims = new ArrayList<>();
        List<Pod> create = new ArrayList<>();
        List<Pod> delete = new ArrayList<>();
        boolean blocked = false;
        for (int i = 0; i < replicas && !blocked; i++) {
            int ord = start + i;
            Pod p = slots[i];
            for (PersistentVolumeClaim c : claimsFor(sts, ord)) {
                if (claimNames.add(c.getMetadata().getName())) {
                    createClaims.add(c);
                }
            }
            if (p == null) {
                boolean atCurrent = !isOnDelete(sts) && i < partition;
                create.add(newPod(sts, atCurrent ? currentTemplate : sts.getSpec().getTemplate(), atCurrent ? currentHash : updateHash, ord));
                blocked = monotonic;
            } else if (Pods.isTerminal(p) && !Pods.isTerminating(p)) {
                // A failed or succeeded replica is deleted and recreated on a later sync.
                delete.add(p);
                blocked = monotonic;
            } else if (!healthy(p, minReady, now)) {
                blocked = monotonic;
            }
        }
        if (!blocked) {
            for (Pod p : condemned) {
                if (Pods.isTerminating(p)) {
                    if (monotonic) {
                        blocked = true;
                        break;
                    }
                    continue;
                }
                delete.add(p);
                if (monotonic) {
                    blocked = true;
                    break;
                }
            }
        }
        if (!blocked && !isOnDelete(sts) && delete.isEmpty() && create.isEmpty()) {
            for (int i = replicas - 1; i >= partition; i--) {
                Pod p = slots[i];
                if (!updateHash.equals(ControllerRevisions.hashOf(p)) && !Pods.isTerminating(p)) {
                    delete.add(p);
                    break;
                }
                if (!healthy(p, minReady, now)) {
                    break;
                }
            }
        }

        StatefulSetStatus status = new StatefulSetStatus();
        List<Pod> all = new ArrayList<>(pods);
        all.addAll(create);
        int ready = 0;
        int available = 0;
        int current = 0;
        int updated = 0;
        for (Pod p : all) {
            if (Pods.isReady(p)) {
                ready++;
            }
            if (Pods.isAvailable(p, minReady, now)) {
                available++;
            }
            if (delete.contains(p)) {
                continue;
            }
            String h = ControllerRevisions.hashOf(p);
            if (Objects.equals(h, currentHash)) {
                current++;
            }
            if (Objects.equals(h, updateHash)) {
                updated++;
            }
        }
        status.setObservedGeneration(sts.getMetadata().getGeneration());
        status.setReplicas(all.size());
        status.setReadyReplicas(ready);
        status.setAvailableReplicas(available);
        status.setCurrentReplicas(current);
        status.setUpdatedReplicas(updated);
        status.setCurrentRevision(currentName);
        status.setUpdateRevision(updateName);
        status.setCollisionCount(rev.collisionCount());
        status.setConditions(old.getConditions());
        if (!isOnDelete(sts) && updated == all.size() && ready == all.size()) {
            status.setCurrentReplicas(updated);
            status.setCurrentRevision(updateName);
        }
        return new Plan(rev, List.copyOf(createClaims), List.copyOf(create), List.copyOf(delete), status);
    }
}
