package io.capstan.controllers.deployment;

import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Selectors;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The desired state of one Deployment, following k8s.io/kubernetes/pkg/controller/deployment
 * (deployment_controller.go syncDeployment, sync.go, rolling.go, recreate.go, progress.go):
 * one call is one sync pass. Pure; {@code now} stands in for the clock.
 */
public final class DeploymentModel {
    public static final String API_VERSION = "apps/v1";
    public static final String KIND = "Deployment";

    private final Deployment d;
    private final Instant now;
    private final DeploymentStatus status;
    private final Map<String, String> annotations;
    private final Map<String, ReplicaSet> dirty = new LinkedHashMap<>();
    private final List<DeploymentPlan.Event> events = new ArrayList<>();
    private final List<ReplicaSet> deletes = new ArrayList<>();
    private List<ReplicaSet> rsList;
    private Function<String, ReplicaSet> replicaSetNamed;
    private ReplicaSet created;
    private boolean collided;

    private DeploymentModel(Deployment d, Instant now) {
        this.d = d;
        this.now = now;
        this.status = d.getStatus() == null ? new DeploymentStatus() : Copies.deepCopy(d.getStatus());
        this.annotations = d.getMetadata().getAnnotations() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(d.getMetadata().getAnnotations());
    }

    /**
     * Plans one sync of {@code deployment}.
     *
     * @param namespaceReplicaSets every ReplicaSet in the Deployment's namespace (claimed here,
     *                             and checked for pod-template-hash name collisions)
     * @param namespacePods        every pod in the namespace (Recreate waits for old pods to end)
     */
    public static DeploymentPlan plan(Deployment deployment, List<ReplicaSet> namespaceReplicaSets, List<Pod> namespacePods, Instant now) {
        return plan(deployment, namespaceReplicaSets, name -> namespaceReplicaSets.stream()
                .filter(rs -> name.equals(rs.getMetadata().getName())).findFirst().orElse(null), namespacePods, now);
    }

    /**
     * Plans one sync of {@code deployment} from the ReplicaSets it may claim and their pods.
     *
     * @param candidates      the ReplicaSets the Deployment controls and the orphans of its namespace
     * @param replicaSetNamed any ReplicaSet of the namespace by name, or null (pod-template-hash name collisions)
     * @param pods            the pods of those ReplicaSets (Recreate waits for old pods to end)
     */
    public static DeploymentPlan plan(Deployment deployment, List<ReplicaSet> candidates, Function<String, ReplicaSet> replicaSetNamed,
                                      List<Pod> pods, Instant now) {
        return new DeploymentModel(deployment, now).sync(candidates, replicaSetNamed, pods);
    }

    /** The ReplicaSets of the Deployment as kubectl rollout history lists them: controlled by it. */
    public static Owners.Claim<ReplicaSet> claim(Deployment d, List<ReplicaSet> namespaceReplicaSets) {
        return Owners.claimBySelector(d, d.getSpec().getSelector(), rs -> true, namespaceReplicaSets);
    }

    /** FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's, ignoring the hash. */
    public static Optional<ReplicaSet> findNewReplicaSet(Deployment d, List<ReplicaSet> replicaSets) {
        return replicaSets.stream().sorted(BY_CREATION)
                .filter(rs -> PodTemplateHash.equalIgnoringHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate()))
                .findFirst();
    }

    /** The new ReplicaSet for revision {@code revision}, as getNewReplicaSet builds it. */
    public static ReplicaSet newReplicaSet(Deployment d, int replicas, long revision) {
        String hash = PodTemplateHash.compute(d.getSpec().getTemplate(), d.getStatus() == null ? null : d.getStatus().getCollisionCount());
        PodTemplateSpec template = Copies.deepCopy(d.getSpec().getTemplate());
        if (template.getMetadata() == null) {
            template.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels() == null ? Map.of() : template.getMetadata().getLabels());
        labels.put(PodTemplateHash.LABEL, hash);
        template.getMetadata().setLabels(labels);
        LabelSelector selector = Copies.deepCopy(d.getSpec().getSelector());
        Map<String, String> matchLabels = new LinkedHashMap<>(selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels());
        matchLabels.put(PodTemplateHash.LABEL, hash);
        selector.setMatchLabels(matchLabels);

        ReplicaSet rs = new ReplicaSet();
        rs.setApiVersion(API_VERSION);
        rs.setKind("ReplicaSet");
        ObjectMeta meta = new ObjectMeta();
        meta.setName(d.getMetadata().getName() + "-" + hash);
        meta.setNamespace(d.getMetadata().getNamespace());
        meta.setOwnerReferences(new ArrayList<>(List.of(Owners.controllerRef(d, API_VERSION, KIND))));
        meta.setLabels(new LinkedHashMap<>(labels));
        rs.setMetadata(meta);
        ReplicaSetSpec spec = new ReplicaSetSpec();
        spec.setReplicas(replicas);
        spec.setMinReadySeconds(DeploymentSpecs.minReadySeconds(d));
        spec.setSelector(selector);
        spec.setTemplate(template);
        rs.setSpec(spec);
        RevisionAnnotations.setNewReplicaSetAnnotations(d, rs, revision, false);
        return rs;
    }

    /**
     * calculateStatus: counts summed over the ReplicaSets, the updated count from the new one,
     * and the Available condition (available >= replicas - maxUnavailable).
     */
    public static DeploymentStatus calculateStatus(Deployment d, DeploymentStatus current, List<ReplicaSet> allRSs, ReplicaSet newRS, Instant now) {
        int available = 0;
        int total = 0;
        int actual = 0;
        int ready = 0;
        for (ReplicaSet rs : allRSs) {
            available += nz(rsStatus(rs).getAvailableReplicas());
            total += DeploymentSpecs.replicas(rs);
            actual += nz(rsStatus(rs).getReplicas());
            ready += nz(rsStatus(rs).getReadyReplicas());
        }
        DeploymentStatus s = new DeploymentStatus();
        Long generation = d.getMetadata().getGeneration();
        s.setObservedGeneration(generation == null || generation == 0 ? null : generation);
        s.setReplicas(omitZero(actual));
        s.setUpdatedReplicas(omitZero(newRS == null ? 0 : nz(rsStatus(newRS).getReplicas())));
        s.setReadyReplicas(omitZero(ready));
        s.setAvailableReplicas(omitZero(available));
        s.setUnavailableReplicas(omitZero(Math.max(0, total - available)));
        s.setCollisionCount(current.getCollisionCount());
        s.setConditions(new ArrayList<>(current.getConditions() == null ? List.of() : current.getConditions().stream().map(Copies::deepCopy).toList()));
        if (available >= DeploymentSpecs.replicas(d) - DeploymentSpecs.maxUnavailable(d)) {
            DeploymentConditions.set(s, DeploymentConditions.of(DeploymentConditions.AVAILABLE, "True",
                    DeploymentConditions.MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.", now));
        } else {
            DeploymentConditions.set(s, DeploymentConditions.of(DeploymentConditions.AVAILABLE, "False",
                    DeploymentConditions.MINIMUM_REPLICAS_UNAVAILABLE, "Deployment does not have minimum availability.", now));
        }
        return s;
    }

    /** DeploymentComplete: every replica updated and available, and the generation observed. */
    public static boolean complete(Deployment d, DeploymentStatus s) {
        int replicas = DeploymentSpecs.replicas(d);
        return nz(s.getUpdatedReplicas()) == replicas && nz(s.getReplicas()) == replicas && nz(s.getAvailableReplicas()) == replicas
                && nzl(s.getObservedGeneration()) >= nzl(d.getMetadata().getGeneration());
    }

    // ---- syncDeployment ----

    private DeploymentPlan sync(List<ReplicaSet> namespaceReplicaSets, Function<String, ReplicaSet> replicaSetNamed, List<Pod> namespacePods) {
        if (d.getSpec().getSelector() == null || Selectors.selectsEverything(d.getSpec().getSelector())) {
            // Upstream refuses to act on a selector that selects every pod; it only observes the generation.
            if (nzl(status.getObservedGeneration()) < nzl(d.getMetadata().getGeneration())) {
                status.setObservedGeneration(d.getMetadata().getGeneration());
            }
            events.add(new DeploymentPlan.Event("Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required."));
            return result(new Owners.Claim<>(List.of(), List.of(), List.of()), status, Optional.empty());
        }
        this.replicaSetNamed = replicaSetNamed;
        Owners.Claim<ReplicaSet> claim = claim(d, namespaceReplicaSets);
        rsList = claim.claimed().stream().map(Copies::deepCopy).collect(Collectors.toCollection(ArrayList::new));
        Map<String, List<Pod>> podMap = podMap(namespacePods);

        if (d.getMetadata().getDeletionTimestamp() != null) {
            Split split = getAllReplicaSetsAndSyncRevision(false);
            return result(claim, calculateStatus(d, status, split.all(), split.newRS, now), Optional.empty());
        }
        checkPausedConditions();
        if (DeploymentSpecs.paused(d) || isScalingEvent()) {
            return result(claim, scaleOnly(), Optional.empty());
        }
        DeploymentStatus next = DeploymentSpecs.RECREATE.equals(DeploymentSpecs.strategyType(d)) ? rolloutRecreate(podMap) : rolloutRolling();
        if (collided) {
            return result(claim, status, Optional.of(Duration.ZERO));
        }
        return result(claim, next, requeueStuckDeployment(next));
    }

    private DeploymentPlan result(Owners.Claim<ReplicaSet> claim, DeploymentStatus next, Optional<Duration> requeue) {
        List<ReplicaSet> updates = new ArrayList<>(dirty.values());
        Optional<Map<String, String>> newAnnotations = Objects.equals(annotations, d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations())
                ? Optional.empty() : Optional.of(Map.copyOf(annotations));
        return new DeploymentPlan(claim.adopt(), claim.release(), Optional.ofNullable(created), updates, List.copyOf(deletes),
                newAnnotations, next, List.copyOf(events), requeue);
    }

    private Map<String, List<Pod>> podMap(List<Pod> pods) {
        Set<String> uids = rsList.stream().map(rs -> rs.getMetadata().getUid()).filter(Objects::nonNull).collect(Collectors.toSet());
        Map<String, List<Pod>> map = new HashMap<>();
        Predicate<Map<String, String>> selects = Selectors.matcher(d.getSpec().getSelector());
        for (Pod p : pods) {
            OwnerReference ref = Owners.controllerOf(p);
            if (ref != null && uids.contains(ref.getUid()) && selects.test(p.getMetadata().getLabels())) {
                map.computeIfAbsent(ref.getUid(), k -> new ArrayList<>()).add(p);
            }
        }
        return map;
    }

    /** checkPausedConditions: Progressing=Unknown DeploymentPaused / DeploymentResumed. */
    private void checkPausedConditions() {
        if (!DeploymentSpecs.hasProgressDeadline(d)) {
            return;
        }
        DeploymentCondition cond = DeploymentConditions.get(status, DeploymentConditions.PROGRESSING);
        if (cond != null && DeploymentConditions.PROGRESS_DEADLINE_EXCEEDED.equals(cond.getReason())) {
            return;
        }
        boolean pausedCondExists = cond != null && DeploymentConditions.DEPLOYMENT_PAUSED.equals(cond.getReason());
        if (DeploymentSpecs.paused(d) && !pausedCondExists) {
            DeploymentConditions.set(status, DeploymentConditions.of(DeploymentConditions.PROGRESSING, "Unknown",
                    DeploymentConditions.DEPLOYMENT_PAUSED, "Deployment is paused", now));
        } else if (!DeploymentSpecs.paused(d) && pausedCondExists) {
            DeploymentConditions.set(status, DeploymentConditions.of(DeploymentConditions.PROGRESSING, "Unknown",
                    DeploymentConditions.DEPLOYMENT_RESUMED, "Deployment is resumed", now));
        }
    }

    private boolean isScalingEvent() {
        Split split = getAllReplicaSetsAndSyncRevision(false);
        for (ReplicaSet rs : active(split.all())) {
            Integer desired = RevisionAnnotations.desiredReplicas(rs);
            if (desired != null && desired != DeploymentSpecs.replicas(d)) {
                return true;
            }
        }
        return false;
    }

    /** sync: scale (proportionally while rolling), clean up history when paused, plain status. */
    private DeploymentStatus scaleOnly() {
        Split split = getAllReplicaSetsAndSyncRevision(false);
        scale(split.newRS, split.oldRSs);
        if (DeploymentSpecs.paused(d)) {
            cleanupDeployment(split.oldRSs);
        }
        return calculateStatus(d, status, split.all(), split.newRS, now);
    }

    private DeploymentStatus rolloutRolling() {
        Split split = getAllReplicaSetsAndSyncRevision(true);
        if (collided) {
            return status;
        }
        List<ReplicaSet> all = split.all();
        if (reconcileNewReplicaSet(all, split.newRS)) {
            return syncRolloutStatus(all, split.newRS);
        }
        if (reconcileOldReplicaSets(all, active(split.oldRSs), split.newRS)) {
            return syncRolloutStatus(all, split.newRS);
        }
        if (complete(d, status)) {
            cleanupDeployment(split.oldRSs);
        }
        return syncRolloutStatus(all, split.newRS);
    }

    private DeploymentStatus rolloutRecreate(Map<String, List<Pod>> podMap) {
        Split split = getAllReplicaSetsAndSyncRevision(false);
        boolean scaledDown = false;
        for (ReplicaSet rs : active(split.oldRSs)) {
            scaledDown |= scaleAndRecord(rs, 0);
        }
        if (scaledDown || oldPodsRunning(split.newRS, split.oldRSs, podMap)) {
            return syncRolloutStatus(split.all(), split.newRS);
        }
        if (split.newRS == null) {
            split = getAllReplicaSetsAndSyncRevision(true);
            if (collided) {
                return status;
            }
        }
        scaleAndRecord(split.newRS, DeploymentSpecs.replicas(d));
        if (complete(d, status)) {
            cleanupDeployment(split.oldRSs);
        }
        return syncRolloutStatus(split.all(), split.newRS);
    }

    private static boolean oldPodsRunning(ReplicaSet newRS, List<ReplicaSet> oldRSs, Map<String, List<Pod>> podMap) {
        for (ReplicaSet rs : oldRSs) {
            if (nz(rsStatus(rs).getReplicas()) > 0) {
                return true;
            }
        }
        for (Map.Entry<String, List<Pod>> e : podMap.entrySet()) {
            if (newRS != null && e.getKey().equals(newRS.getMetadata().getUid())) {
                continue;
            }
            for (Pod p : e.getValue()) {
                String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
                if (!"Failed".equals(phase) && !"Succeeded".equals(phase)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- new / old ReplicaSets and revisions ----

    private record Split(ReplicaSet newRS, List<ReplicaSet> oldRSs) {
        List<ReplicaSet> all() {
            List<ReplicaSet> all = new ArrayList<>(oldRSs);
            if (newRS != null) {
                all.add(newRS);
            }
            return all;
        }
    }

    private Split getAllReplicaSetsAndSyncRevision(boolean createIfNotExisted) {
        ReplicaSet existing = created != null ? created : findNewReplicaSet(d, rsList).orElse(null);
        List<ReplicaSet> old = rsList.stream().filter(rs -> rs != existing).collect(Collectors.toCollection(ArrayList::new));
        long newRevision = RevisionAnnotations.maxRevision(old) + 1;
        if (existing != null) {
            boolean annotationsUpdated = existing != created && RevisionAnnotations.setNewReplicaSetAnnotations(d, existing, newRevision, true);
            boolean minReadyNeedsUpdate = !Objects.equals(existing.getSpec().getMinReadySeconds(), DeploymentSpecs.minReadySeconds(d));
            if (annotationsUpdated || minReadyNeedsUpdate) {
                existing.getSpec().setMinReadySeconds(DeploymentSpecs.minReadySeconds(d));
                markDirty(existing);
            }
            setDeploymentRevision(RevisionAnnotations.annotations(existing).get(RevisionAnnotations.REVISION));
            if (DeploymentSpecs.hasProgressDeadline(d) && DeploymentConditions.get(status, DeploymentConditions.PROGRESSING) == null) {
                DeploymentConditions.set(status, DeploymentConditions.of(DeploymentConditions.PROGRESSING, "True",
                        DeploymentConditions.FOUND_NEW_REPLICA_SET, "Found new replica set \"" + existing.getMetadata().getName() + "\"", now));
            }
            return new Split(existing, old);
        }
        if (!createIfNotExisted) {
            return new Split(null, old);
        }
        Deployment withCount = Copies.deepCopy(d);
        withCount.setStatus(status);
        ReplicaSet rs = newReplicaSet(withCount, 0, newRevision);
        ReplicaSet sameName = replicaSetNamed.apply(rs.getMetadata().getName());
        if (sameName != null) {
            if (Owners.isControlledBy(sameName, d)
                    && PodTemplateHash.equalIgnoringHash(d.getSpec().getTemplate(), sameName.getSpec().getTemplate())) {
                ReplicaSet adopted = Copies.deepCopy(sameName);
                rsList.add(adopted);
                setDeploymentRevision(Long.toString(newRevision));
                return new Split(adopted, old);
            }
            // A different template hashed to the same name: change the hash input and retry.
            status.setCollisionCount(nz(status.getCollisionCount()) + 1);
            collided = true;
            return new Split(null, old);
        }
        List<ReplicaSet> all = new ArrayList<>(old);
        all.add(rs);
        rs.getSpec().setReplicas(newRSNewReplicas(all, rs));
        created = rs;
        rsList.add(rs);
        if (DeploymentSpecs.replicas(rs) > 0) {
            events.add(new DeploymentPlan.Event("Normal", "ScalingReplicaSet",
                    "Scaled up replica set " + rs.getMetadata().getName() + " from 0 to " + DeploymentSpecs.replicas(rs)));
        }
        setDeploymentRevision(Long.toString(newRevision));
        if (DeploymentSpecs.hasProgressDeadline(d)) {
            DeploymentConditions.set(status, DeploymentConditions.of(DeploymentConditions.PROGRESSING, "True",
                    DeploymentConditions.NEW_REPLICA_SET_CREATED, "Created new replica set \"" + rs.getMetadata().getName() + "\"", now));
        }
        return new Split(rs, old);
    }

    private void setDeploymentRevision(String revision) {
        if (revision != null && !revision.equals(annotations.get(RevisionAnnotations.REVISION))) {
            annotations.put(RevisionAnnotations.REVISION, revision);
        }
    }

    /** NewRSNewReplicas: Recreate goes straight to replicas; RollingUpdate fills up to replicas + maxSurge. */
    private int newRSNewReplicas(List<ReplicaSet> all, ReplicaSet newRS) {
        int replicas = DeploymentSpecs.replicas(d);
        if (!DeploymentSpecs.isRollingUpdate(d)) {
            return replicas;
        }
        int current = sumSpecReplicas(all);
        int maxTotal = replicas + DeploymentSpecs.maxSurge(d);
        if (current >= maxTotal) {
            return DeploymentSpecs.replicas(newRS);
        }
        int scaleUp = Math.min(maxTotal - current, replicas - DeploymentSpecs.replicas(newRS));
        return DeploymentSpecs.replicas(newRS) + scaleUp;
    }

    // ---- rolling update ----

    private boolean reconcileNewReplicaSet(List<ReplicaSet> all, ReplicaSet newRS) {
        int replicas = DeploymentSpecs.replicas(d);
        if (DeploymentSpecs.replicas(newRS) == replicas) {
            return false;
        }
        if (DeploymentSpecs.replicas(newRS) > replicas) {
            return scaleAndRecord(newRS, replicas);
        }
        return scaleAndRecord(newRS, newRSNewReplicas(all, newRS));
    }

    private boolean reconcileOldReplicaSets(List<ReplicaSet> all, List<ReplicaSet> oldRSs, ReplicaSet newRS) {
        if (sumSpecReplicas(oldRSs) == 0) {
            return false;
        }
        int allPods = sumSpecReplicas(all);
        int minAvailable = DeploymentSpecs.replicas(d) - DeploymentSpecs.maxUnavailable(d);
        int newUnavailable = DeploymentSpecs.replicas(newRS) - nz(rsStatus(newRS).getAvailableReplicas());
        int maxScaledDown = allPods - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return false;
        }
        int cleaned = cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
        List<ReplicaSet> afterCleanup = new ArrayList<>(oldRSs);
        afterCleanup.add(newRS);
        int scaledDown = scaleDownOldReplicaSetsForRollingUpdate(afterCleanup, oldRSs);
        return cleaned + scaledDown > 0;
    }

    /** Old ReplicaSets lose their unavailable replicas first: they cannot reduce availability. */
    private int cleanupUnhealthyReplicas(List<ReplicaSet> oldRSs, int maxCleanup) {
        List<ReplicaSet> sorted = new ArrayList<>(oldRSs);
        sorted.sort(BY_CREATION);
        int total = 0;
        for (ReplicaSet rs : sorted) {
            if (total >= maxCleanup) {
                break;
            }
            int replicas = DeploymentSpecs.replicas(rs);
            int availableReplicas = nz(rsStatus(rs).getAvailableReplicas());
            if (replicas == 0 || replicas == availableReplicas) {
                continue;
            }
            int count = Math.min(maxCleanup - total, replicas - availableReplicas);
            if (count <= 0) {
                continue;
            }
            scaleAndRecord(rs, replicas - count);
            total += count;
        }
        return total;
    }

    private int scaleDownOldReplicaSetsForRollingUpdate(List<ReplicaSet> all, List<ReplicaSet> oldRSs) {
        int minAvailable = DeploymentSpecs.replicas(d) - DeploymentSpecs.maxUnavailable(d);
        int available = 0;
        for (ReplicaSet rs : all) {
            available += nz(rsStatus(rs).getAvailableReplicas());
        }
        if (available <= minAvailable) {
            return 0;
        }
        List<ReplicaSet> sorted = new ArrayList<>(oldRSs);
        sorted.sort(BY_CREATION);
        int total = 0;
        int target = available - minAvailable;
        for (ReplicaSet rs : sorted) {
            if (total >= target) {
                break;
            }
            int replicas = DeploymentSpecs.replicas(rs);
            if (replicas == 0) {
                continue;
            }
            int count = Math.min(replicas, target - total);
            scaleAndRecord(rs, replicas - count);
            total += count;
        }
        return total;
    }

    // ---- scaling ----

    /** scale: a scaling event (or a paused Deployment) resizes ReplicaSets without rolling out. */
    private void scale(ReplicaSet newRS, List<ReplicaSet> oldRSs) {
        int replicas = DeploymentSpecs.replicas(d);
        ReplicaSet activeOrLatest = findActiveOrLatest(newRS, oldRSs);
        if (activeOrLatest != null) {
            if (DeploymentSpecs.replicas(activeOrLatest) != replicas) {
                scaleAndRecord(activeOrLatest, replicas);
            }
            return;
        }
        if (isSaturated(newRS)) {
            for (ReplicaSet old : active(oldRSs)) {
                scaleAndRecord(old, 0);
            }
            return;
        }
        if (!DeploymentSpecs.isRollingUpdate(d)) {
            return;
        }
        List<ReplicaSet> all = new ArrayList<>(oldRSs);
        if (newRS != null) {
            all.add(newRS);
        }
        all = new ArrayList<>(active(all));
        int allowed = replicas > 0 ? replicas + DeploymentSpecs.maxSurge(d) : 0;
        int toAdd = allowed - sumSpecReplicas(all);
        String operation = "";
        if (toAdd > 0) {
            all.sort(BY_SIZE_NEWER);
            operation = "up";
        } else if (toAdd < 0) {
            all.sort(BY_SIZE_OLDER);
            operation = "down";
        }
        int added = 0;
        Map<String, Integer> sizes = new HashMap<>();
        for (ReplicaSet rs : all) {
            if (toAdd != 0) {
                int proportion = proportion(rs, toAdd, added);
                sizes.put(rs.getMetadata().getName(), DeploymentSpecs.replicas(rs) + proportion);
                added += proportion;
            } else {
                sizes.put(rs.getMetadata().getName(), DeploymentSpecs.replicas(rs));
            }
        }
        for (int i = 0; i < all.size(); i++) {
            ReplicaSet rs = all.get(i);
            if (i == 0 && toAdd != 0) {
                sizes.put(rs.getMetadata().getName(), Math.max(0, sizes.get(rs.getMetadata().getName()) + toAdd - added));
            }
            scaleReplicaSet(rs, sizes.get(rs.getMetadata().getName()), operation);
        }
    }

    /** GetReplicaSetProportion: this ReplicaSet's share of the replicas being added or removed. */
    private int proportion(ReplicaSet rs, int toAdd, int added) {
        if (DeploymentSpecs.replicas(rs) == 0 || toAdd == 0 || toAdd == added) {
            return 0;
        }
        int fraction = fraction(rs);
        int allowed = toAdd - added;
        return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }

    private int fraction(ReplicaSet rs) {
        int replicas = DeploymentSpecs.replicas(d);
        if (replicas == 0) {
            return -DeploymentSpecs.replicas(rs);
        }
        int maxReplicas = replicas + DeploymentSpecs.maxSurge(d);
        Integer before = RevisionAnnotations.maxReplicas(rs);
        if (before == null || before == 0) {
            before = nz(d.getStatus() == null ? null : d.getStatus().getReplicas());
            if (before == 0) {
                return 0;
            }
        }
        double newSize = (double) DeploymentSpecs.replicas(rs) * maxReplicas / before;
        return (int) roundHalfAwayFromZero(newSize) - DeploymentSpecs.replicas(rs);
    }

    private static long roundHalfAwayFromZero(double v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }

    private ReplicaSet findActiveOrLatest(ReplicaSet newRS, List<ReplicaSet> oldRSs) {
        if (newRS == null && oldRSs.isEmpty()) {
            return null;
        }
        List<ReplicaSet> newestFirst = new ArrayList<>(oldRSs);
        newestFirst.sort(BY_CREATION.reversed());
        List<ReplicaSet> all = new ArrayList<>(newestFirst);
        if (newRS != null) {
            all.add(newRS);
        }
        List<ReplicaSet> activeRSs = active(all);
        if (activeRSs.isEmpty()) {
            return newRS != null ? newRS : newestFirst.get(0);
        }
        return activeRSs.size() == 1 ? activeRSs.get(0) : null;
    }

    private boolean isSaturated(ReplicaSet rs) {
        if (rs == null) {
            return false;
        }
        int replicas = DeploymentSpecs.replicas(d);
        Integer desired = RevisionAnnotations.desiredReplicas(rs);
        return desired != null && desired == replicas && DeploymentSpecs.replicas(rs) == replicas
                && nz(rsStatus(rs).getAvailableReplicas()) == replicas;
    }

    private boolean scaleAndRecord(ReplicaSet rs, int newScale) {
        if (DeploymentSpecs.replicas(rs) == newScale) {
            return false;
        }
        return scaleReplicaSet(rs, newScale, DeploymentSpecs.replicas(rs) < newScale ? "up" : "down");
    }

    /** scaleReplicaSet: sets replicas and the desired/max-replicas annotations; true when the size changed. */
    private boolean scaleReplicaSet(ReplicaSet rs, int newScale, String operation) {
        int replicas = DeploymentSpecs.replicas(d);
        int max = replicas + DeploymentSpecs.maxSurge(d);
        int oldScale = DeploymentSpecs.replicas(rs);
        boolean sizeNeedsUpdate = oldScale != newScale;
        if (!sizeNeedsUpdate && !RevisionAnnotations.replicasAnnotationsNeedUpdate(rs, replicas, max)) {
            return false;
        }
        rs.getSpec().setReplicas(newScale);
        RevisionAnnotations.setReplicasAnnotations(rs, replicas, max);
        markDirty(rs);
        if (sizeNeedsUpdate) {
            events.add(new DeploymentPlan.Event("Normal", "ScalingReplicaSet",
                    "Scaled " + operation + " replica set " + rs.getMetadata().getName() + " from " + oldScale + " to " + newScale));
        }
        return sizeNeedsUpdate;
    }

    private void markDirty(ReplicaSet rs) {
        if (rs != created) {
            dirty.put(rs.getMetadata().getName(), rs);
        }
    }

    // ---- history ----

    /** cleanupDeployment: delete the oldest revisions beyond revisionHistoryLimit that have no pods left. */
    private void cleanupDeployment(List<ReplicaSet> oldRSs) {
        int historyLimit = DeploymentSpecs.revisionHistoryLimit(d);
        if (historyLimit == Integer.MAX_VALUE) {
            return;
        }
        List<ReplicaSet> cleanable = oldRSs.stream().filter(rs -> rs.getMetadata().getDeletionTimestamp() == null)
                .collect(Collectors.toCollection(ArrayList::new));
        int diff = cleanable.size() - historyLimit;
        if (diff <= 0) {
            return;
        }
        cleanable.sort(BY_REVISION);
        for (int i = 0; i < diff; i++) {
            ReplicaSet rs = cleanable.get(i);
            if (nz(rsStatus(rs).getReplicas()) != 0 || DeploymentSpecs.replicas(rs) != 0
                    || nzl(rs.getMetadata().getGeneration()) > nzl(rsStatus(rs).getObservedGeneration())
                    || dirty.containsKey(rs.getMetadata().getName())) {
                continue;
            }
            deletes.add(rs);
        }
    }

    // ---- progress ----

    /** syncRolloutStatus: the status plus the Progressing condition and ReplicaFailure. */
    private DeploymentStatus syncRolloutStatus(List<ReplicaSet> all, ReplicaSet newRS) {
        DeploymentStatus next = calculateStatus(d, status, all, newRS, now);
        if (!DeploymentSpecs.hasProgressDeadline(d)) {
            DeploymentConditions.remove(next, DeploymentConditions.PROGRESSING);
        }
        DeploymentCondition current = DeploymentConditions.get(status, DeploymentConditions.PROGRESSING);
        boolean isComplete = nz(next.getReplicas()) == nz(next.getUpdatedReplicas()) && current != null
                && DeploymentConditions.NEW_REPLICA_SET_AVAILABLE.equals(current.getReason());
        String subject = newRS != null ? "ReplicaSet \"" + newRS.getMetadata().getName() + "\"" : "Deployment \"" + d.getMetadata().getName() + "\"";
        if (DeploymentSpecs.hasProgressDeadline(d) && !isComplete) {
            if (complete(d, next)) {
                DeploymentConditions.set(next, DeploymentConditions.of(DeploymentConditions.PROGRESSING, "True",
                        DeploymentConditions.NEW_REPLICA_SET_AVAILABLE, subject + " has successfully progressed.", now));
            } else if (progressing(next)) {
                DeploymentCondition c = DeploymentConditions.of(DeploymentConditions.PROGRESSING, "True",
                        DeploymentConditions.REPLICA_SET_UPDATED, subject + " is progressing.", now);
                if (current != null) {
                    if ("True".equals(current.getStatus())) {
                        c.setLastTransitionTime(current.getLastTransitionTime());
                    }
                    DeploymentConditions.remove(next, DeploymentConditions.PROGRESSING);
                }
                DeploymentConditions.set(next, c);
            } else if (timedOut(next)) {
                DeploymentConditions.set(next, DeploymentConditions.of(DeploymentConditions.PROGRESSING, "False",
                        DeploymentConditions.PROGRESS_DEADLINE_EXCEEDED, subject + " has timed out progressing.", now));
            }
        }
        List<DeploymentCondition> failures = replicaFailures(all, newRS);
        if (!failures.isEmpty()) {
            DeploymentConditions.set(next, failures.get(0));
        } else {
            DeploymentConditions.remove(next, DeploymentConditions.REPLICA_FAILURE);
        }
        return next;
    }

    /** DeploymentProgressing: more updated, fewer old, more ready or more available replicas than before. */
    private boolean progressing(DeploymentStatus next) {
        int oldOld = nz(status.getReplicas()) - nz(status.getUpdatedReplicas());
        int newOld = nz(next.getReplicas()) - nz(next.getUpdatedReplicas());
        return nz(next.getUpdatedReplicas()) > nz(status.getUpdatedReplicas()) || newOld < oldOld
                || nz(next.getReadyReplicas()) > nz(status.getReadyReplicas())
                || nz(next.getAvailableReplicas()) > nz(status.getAvailableReplicas());
    }

    /** DeploymentTimedOut: no progress recorded for progressDeadlineSeconds (strictly after). */
    private boolean timedOut(DeploymentStatus next) {
        DeploymentCondition c = DeploymentConditions.get(next, DeploymentConditions.PROGRESSING);
        if (c == null || DeploymentConditions.NEW_REPLICA_SET_AVAILABLE.equals(c.getReason())) {
            return false;
        }
        if (DeploymentConditions.PROGRESS_DEADLINE_EXCEEDED.equals(c.getReason())) {
            return true;
        }
        Instant from = Times.parse(c.getLastUpdateTime());
        return from != null && from.plusSeconds(DeploymentSpecs.progressDeadlineSeconds(d)).isBefore(now);
    }

    private Optional<Duration> requeueStuckDeployment(DeploymentStatus next) {
        DeploymentCondition current = DeploymentConditions.get(status, DeploymentConditions.PROGRESSING);
        if (!DeploymentSpecs.hasProgressDeadline(d) || current == null) {
            return Optional.empty();
        }
        if (complete(d, next) || DeploymentConditions.PROGRESS_DEADLINE_EXCEEDED.equals(current.getReason())) {
            return Optional.empty();
        }
        Instant from = Times.parse(current.getLastUpdateTime());
        if (from == null) {
            return Optional.empty();
        }
        Duration after = Duration.between(now, from.plusSeconds(DeploymentSpecs.progressDeadlineSeconds(d)));
        return Optional.of(after.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ZERO : after.plusSeconds(1));
    }

    private static List<DeploymentCondition> replicaFailures(List<ReplicaSet> all, ReplicaSet newRS) {
        List<DeploymentCondition> out = new ArrayList<>();
        if (newRS != null) {
            out.addAll(failuresOf(newRS));
        }
        if (!out.isEmpty()) {
            return out;
        }
        for (ReplicaSet rs : all) {
            out.addAll(failuresOf(rs));
        }
        return out;
    }

    private static List<DeploymentCondition> failuresOf(ReplicaSet rs) {
        List<DeploymentCondition> out = new ArrayList<>();
        for (ReplicaSetCondition c : rsStatus(rs).getConditions() == null ? List.<ReplicaSetCondition>of() : rsStatus(rs).getConditions()) {
            if (DeploymentConditions.REPLICA_FAILURE.equals(c.getType())) {
                DeploymentCondition dc = new DeploymentCondition();
                dc.setType(c.getType());
                dc.setStatus(c.getStatus());
                dc.setReason(c.getReason());
                dc.setMessage(c.getMessage());
                dc.setLastTransitionTime(c.getLastTransitionTime());
                dc.setLastUpdateTime(c.getLastTransitionTime());
                out.add(dc);
            }
        }
        return out;
    }

    // ---- ordering and arithmetic ----

    /** ReplicaSetsByCreationTimestamp; a ReplicaSet not yet created counts as the newest. */
    static final Comparator<ReplicaSet> BY_CREATION = Comparator
            .comparing((ReplicaSet rs) -> {
                Instant t = Times.parse(rs.getMetadata().getCreationTimestamp());
                return t == null ? Instant.MAX : t;
            })
            .thenComparing(rs -> rs.getMetadata().getName());
    static final Comparator<ReplicaSet> BY_SIZE_NEWER = Comparator
            .comparing((ReplicaSet rs) -> -DeploymentSpecs.replicas(rs)).thenComparing(BY_CREATION.reversed());
    static final Comparator<ReplicaSet> BY_SIZE_OLDER = Comparator
            .comparing((ReplicaSet rs) -> -DeploymentSpecs.replicas(rs)).thenComparing(BY_CREATION);
    static final Comparator<ReplicaSet> BY_REVISION = Comparator
            .comparingLong(RevisionAnnotations::revision).thenComparing(BY_CREATION);

    private static List<ReplicaSet> active(List<ReplicaSet> rss) {
        return rss.stream().filter(rs -> rs != null && DeploymentSpecs.replicas(rs) > 0).toList();
    }

    private static int sumSpecReplicas(List<ReplicaSet> rss) {
        int sum = 0;
        for (ReplicaSet rs : rss) {
            if (rs != null) {
                sum += DeploymentSpecs.replicas(rs);
            }
        }
        return sum;
    }

    private static ReplicaSetStatus rsStatus(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
    }

    private static Integer omitZero(int v) {
        return v == 0 ? null : v;
    }

    private static int nz(Integer v) {
        return v == null ? 0 : v;
    }

    private static long nzl(Long v) {
        return v == null ? 0 : v;
    }
}
