package io.capstan.workloads.daemonset;

import io.capstan.workloads.common.ControllerRevisions;
import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.IntOrPercent;
import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Pods;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;

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
 * The desired state of one DaemonSet, as k8s.io/kubernetes/pkg/controller/daemon (manage,
 * rollingUpdate, updateDaemonSetStatus) computes it: one pod per node that should run it,
 * created already bound to the node through a required node affinity on {@code metadata.name};
 * pods on nodes that no longer fit deleted; RollingUpdate replacing stale pods within
 * maxUnavailable, or surging new pods within maxSurge first.
 */
public final class DaemonSetModel {
    public static final String API_VERSION = "apps/v1";
    public static final String KIND = "DaemonSet";
    public static final String TEMPLATE_GENERATION_LABEL = "pod-template-generation";

    private DaemonSetModel() {
    }

    /** A pod to create: {@link #pod()} is bound to {@link #node()}. */
    public record PodCreate(String node, Pod pod) {
    }

    /**
     * One sync of a DaemonSet. The reconciler applies the revision changes, creates and deletes
     * the pods, then writes the status.
     */
    public record Plan(ControllerRevisions.Resolution revisions, List<PodCreate> create, List<Pod> delete,
                       DaemonSetStatus status) {
    }

    /** The node a daemon pod is bound to: {@code spec.nodeName}, else its required affinity on {@code metadata.name}. */
    public static String targetNode(Pod pod) {
        if (pod.getSpec() == null) {
            return null;
        }
        if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
            return pod.getSpec().getNodeName();
        }
        Affinity a = pod.getSpec().getAffinity();
        if (a == null || a.getNodeAffinity() == null || a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return null;
        }
        for (NodeSelectorTerm t : a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()) {
            if (t.getMatchFields() == null) {
                continue;
            }
            for (var r : t.getMatchFields()) {
                if ("metadata.name".equals(r.getKey()) && "In".equals(r.getOperator()) && r.getValues() != null && r.getValues().size() == 1) {
                    return r.getValues().get(0);
                }
            }
        }
        return null;
    }

    /** The pod spec a node is judged against: the template with the default daemon tolerations. */
    public static PodSpec effectiveSpec(DaemonSet ds) {
        PodSpec spec = Copies.deepCopy(ds.getSpec().getTemplate().getSpec());
        spec.setTolerations(NodeFit.withDefaultTolerations(spec));
        return spec;
    }

    /**
     * The pod for {@code node}: generateName {@code <ds>-}, the revision-hash and
     * template-generation labels, the default tolerations, and the required node affinity
     * replaced by one term on {@code metadata.name} (ReplaceDaemonSetPodNodeNameNodeAffinity).
     */
    public static Pod newPod(DaemonSet ds, PodTemplateSpec template, String revisionHash, String node) {
        PodTemplateSpec t = Copies.deepCopy(template);
        ObjectMeta tm = t.getMetadata() == null ? new ObjectMeta() : t.getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(tm.getLabels() == null ? Map.of() : tm.getLabels());
        labels.put(ControllerRevisions.HASH_LABEL, revisionHash);
        if (ds.getMetadata().getGeneration() != null) {
            labels.put(TEMPLATE_GENERATION_LABEL, Long.toString(ds.getMetadata().getGeneration()));
        }
        ObjectMeta meta = new ObjectMeta();
        meta.setGenerateName(ds.getMetadata().getName() + "-");
        meta.setNamespace(ds.getMetadata().getNamespace());
        meta.setLabels(labels);
        meta.setAnnotations(tm.getAnnotations());
        meta.setOwnerReferences(List.of(Owners.controllerRef(ds, API_VERSION, KIND)));
        PodSpec spec = t.getSpec();
        spec.setTolerations(NodeFit.withDefaultTolerations(spec));
        Affinity affinity = spec.getAffinity() == null ? new Affinity() : spec.getAffinity();
        NodeAffinity na = affinity.getNodeAffinity() == null ? new NodeAffinity() : affinity.getNodeAffinity();
        na.setRequiredDuringSchedulingIgnoredDuringExecution(new NodeSelectorBuilder().addNewNodeSelectorTerm()
                .addNewMatchField().withKey("metadata.name").withOperator("In").withValues(node).endMatchField()
                .endNodeSelectorTerm().build());
        affinity.setNodeAffinity(na);
        spec.setAffinity(affinity);
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        pod.setMetadata(meta);
        pod.setSpec(spec);
        return pod;
    }

    /** getDaemonPods: the namespace's pods the DaemonSet claims by its selector (adopting orphans, releasing non-matching). */
    public static Owners.Claim<Pod> claim(DaemonSet ds, List<Pod> namespacePods) {
        return Owners.claimBySelector(ds, ds.getSpec().getSelector(), p -> true, namespacePods);
    }

    /** controlledHistories: the ControllerRevisions the DaemonSet claims by its selector. */
    public static Owners.Claim<ControllerRevision> claimRevisions(DaemonSet ds, List<ControllerRevision> namespaceRevisions) {
        return Owners.claimBySelector(ds, ds.getSpec().getSelector(), r -> true, namespaceRevisions);
    }

    /**
     * Plans one sync over all nodes and all pods and ControllerRevisions of the namespace.
     * Pure: nothing passed in is modified.
     */
    public static Plan plan(DaemonSet ds, List<Node> nodes, List<Pod> namespacePods, List<ControllerRevision> namespaceRevisions, Instant now) {
        List<Pod> pods = Owners.controlledBy(ds, namespacePods);
        Set<String> liveHashes = new HashSet<>();
        pods.forEach(p -> {
            String h = ControllerRevisions.hashOf(p);
            if (h != null) {
                liveHashes.add(h);
            }
        });
        DaemonSetStatus old = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
        ControllerRevisions.Resolution rev = ControllerRevisions.resolve(ds, API_VERSION, KIND, ds.getSpec().getTemplate(),
                Owners.controlledBy(ds, namespaceRevisions), old.getCollisionCount(), null, liveHashes, ds.getSpec().getRevisionHistoryLimit());
        String hash = ControllerRevisions.hashOf(rev.update());
        int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
        PodSpec spec = effectiveSpec(ds);

        Map<String, List<Pod>> byNode = new LinkedHashMap<>();
        for (Pod p : pods) {
            String n = targetNode(p);
            if (n != null) {
                byNode.computeIfAbsent(n, k -> new ArrayList<>()).add(p);
            }
        }
        boolean rolling = ds.getSpec().getUpdateStrategy() == null || !"OnDelete".equals(ds.getSpec().getUpdateStrategy().getType());
        var ru = rolling && ds.getSpec().getUpdateStrategy() != null ? ds.getSpec().getUpdateStrategy().getRollingUpdate() : null;

        List<PodCreate> create = new ArrayList<>();
        List<Pod> delete = new ArrayList<>();
        int desired = 0;
        int current = 0;
        int misscheduled = 0;
        int ready = 0;
        int available = 0;
        int updated = 0;
        Map<String, Pod> runningOnNode = new LinkedHashMap<>();
        Map<String, Pod> newOnNode = new LinkedHashMap<>();
        for (Node node : nodes) {
            String name = node.getMetadata().getName();
            NodeFit.Decision d = NodeFit.decide(spec, node);
            List<Pod> onNode = byNode.getOrDefault(name, List.of());
            List<Pod> live = onNode.stream().filter(p -> !Pods.isTerminating(p)).toList();
            if (d.shouldRun()) {
                desired++;
                if (!onNode.isEmpty()) {
                    current++;
                }
            } else if (!onNode.isEmpty()) {
                misscheduled++;
            }
            Pod updatedPod = live.stream().filter(p -> hash.equals(ControllerRevisions.hashOf(p))).findFirst().orElse(null);
            if (d.shouldRun() && updatedPod != null) {
                updated++;
            }
            for (Pod p : live) {
                if (Pods.isReady(p)) {
                    ready++;
                }
                if (Pods.isAvailable(p, minReady, now)) {
                    available++;
                }
            }
            if (!d.shouldContinueRunning()) {
                delete.addAll(live);
                continue;
            }
            List<Pod> healthy = new ArrayList<>();
            for (Pod p : live) {
                if (Pods.isFailed(p)) {
                    delete.add(p);
                } else {
                    healthy.add(p);
                }
            }
            if (healthy.isEmpty()) {
                if (d.shouldRun() && onNode.stream().noneMatch(p -> Pods.isTerminating(p) && !Pods.isTerminal(p))) {
                    create.add(new PodCreate(name, newPod(ds, ds.getSpec().getTemplate(), hash, name)));
                }
                continue;
            }
            healthy.sort(Comparator.comparing((Pod p) -> Times.parse(p.getMetadata().getCreationTimestamp()), Comparator.nullsLast(Comparator.naturalOrder()))
                    .thenComparing(p -> p.getMetadata().getName(), Comparator.nullsLast(Comparator.naturalOrder())));
            Pod oldest = healthy.get(0);
            Pod newest = healthy.stream().filter(p -> hash.equals(ControllerRevisions.hashOf(p))).findFirst().orElse(null);
            for (Pod p : healthy) {
                // While surging, one old and one updated pod may share a node.
                boolean keep = p == oldest || (p == newest && surge(ru, desired) > 0);
                if (!keep) {
                    delete.add(p);
                }
            }
            if (d.shouldRun()) {
                runningOnNode.put(name, oldest);
                if (newest != null) {
                    newOnNode.put(name, newest);
                }
            }
        }
        if (rolling && create.isEmpty()) {
            rollingUpdate(ds, ru, hash, desired, minReady, now, runningOnNode, newOnNode, create, delete);
        }
        DaemonSetStatus status = new DaemonSetStatus();
        status.setDesiredNumberScheduled(desired);
        status.setCurrentNumberScheduled(current);
        status.setNumberMisscheduled(misscheduled);
        status.setNumberReady(ready);
        status.setNumberAvailable(available);
        status.setNumberUnavailable(Math.max(0, desired - available));
        status.setUpdatedNumberScheduled(updated);
        status.setObservedGeneration(ds.getMetadata().getGeneration());
        status.setCollisionCount(rev.collisionCount());
        status.setConditions(old.getConditions());
        return new Plan(rev, List.copyOf(create), List.copyOf(delete), status);
    }

    private static int surge(io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet ru, int desired) {
        IntOrString s = ru == null ? null : ru.getMaxSurge();
        return IntOrPercent.scaledValue(s, desired, true, 0);
    }

    /**
     * rollingUpdate: without surge, delete stale pods while the unavailable nodes stay within
     * maxUnavailable (stale pods that are unavailable anyway go first, for free); with surge,
     * start updated pods beside available stale ones within maxSurge and delete a stale pod once
     * its replacement is available.
     */
    private static void rollingUpdate(DaemonSet ds, io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet ru, String hash,
                                      int desired, int minReady, Instant now, Map<String, Pod> oldestOnNode,
                                      Map<String, Pod> newOnNode, List<PodCreate> create, List<Pod> delete) {
        int maxSurge = surge(ru, desired);
        int maxUnavailable = IntOrPercent.scaledValue(ru == null ? null : ru.getMaxUnavailable(), desired, true, maxSurge == 0 ? 1 : 0);
        if (maxSurge == 0 && maxUnavailable == 0) {
            maxUnavailable = 1;
        }
        if (maxSurge == 0) {
            int unavailable = desired - (int) oldestOnNode.values().stream()
                    .filter(p -> !delete.contains(p) && Pods.isAvailable(p, minReady, now)).count();
            List<Pod> staleAvailable = new ArrayList<>();
            for (Pod p : oldestOnNode.values()) {
                if (delete.contains(p) || Objects.equals(hash, ControllerRevisions.hashOf(p))) {
                    continue;
                }
                if (!Pods.isAvailable(p, minReady, now)) {
                    delete.add(p);
                } else {
                    staleAvailable.add(p);
                }
            }
            for (Pod p : staleAvailable) {
                if (unavailable >= maxUnavailable) {
                    break;
                }
                delete.add(p);
                unavailable++;
            }
            return;
        }
        int surging = 0;
        List<String> candidates = new ArrayList<>();
        for (Map.Entry<String, Pod> e : oldestOnNode.entrySet()) {
            Pod oldPod = e.getValue();
            if (Objects.equals(hash, ControllerRevisions.hashOf(oldPod))) {
                continue;
            }
            Pod newPod = newOnNode.get(e.getKey());
            if (newPod == null) {
                if (!Pods.isAvailable(oldPod, minReady, now)) {
                    create.add(new PodCreate(e.getKey(), newPod(ds, ds.getSpec().getTemplate(), hash, e.getKey())));
                } else {
                    candidates.add(e.getKey());
                }
            } else if (Pods.isAvailable(newPod, minReady, now)) {
                delete.add(oldPod);
            } else {
                surging++;
            }
        }
        for (String node : candidates) {
            if (surging >= maxSurge) {
                break;
            }
            create.add(new PodCreate(node, newPod(ds, ds.getSpec().getTemplate(), hash, node)));
            surging++;
        }
    }
}
