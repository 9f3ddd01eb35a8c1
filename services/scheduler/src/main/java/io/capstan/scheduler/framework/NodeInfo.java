package io.capstan.scheduler.framework;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A node with the aggregates of the pods on it (framework.NodeInfo): requested and non-zero
 * requested resources, pod count, used host ports, and the pods with (anti-)affinity terms, so
 * filters and scorers never walk every pod of a node to answer the common questions.
 *
 * <p>Immutable: adding or removing a pod returns a new NodeInfo (copy on write). The scheduler
 * cache swaps the new instance in under its lock and a scheduling cycle's {@link Snapshot} keeps
 * references to instances that can no longer change, so a cycle reads them without locking.
 * {@link #generation()} increases with every change, which is how snapshots find what changed.
 */
public final class NodeInfo {
    /** What is read from the Node object, parsed once per version of the node. */
    private record NodeFacts(Node node, Map<String, String> labels, List<Taint> taints, boolean unschedulable, Resource allocatable) {
        static final NodeFacts NONE = new NodeFacts(null, Map.of(), List.of(), false, Resource.ZERO);

        static NodeFacts of(Node node) {
            if (node == null) {
                return NONE;
            }
            return new NodeFacts(node,
                    node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels(),
                    node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : List.copyOf(node.getSpec().getTaints()),
                    node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable()),
                    node.getStatus() == null ? Resource.ZERO : Resource.of(node.getStatus().getAllocatable()));
        }
    }

    private final NodeFacts facts;
    private final String name;
    // copies of the hottest values, so the filter loop over hundreds of nodes per pod follows fewer pointers
    private final Map<String, String> labels;
    private final List<Taint> taints;
    private final boolean unschedulable;
    private final long allocatableMilliCpu;
    private final long allocatableMemory;
    private final long allowedPods;
    private final long requestedMilliCpu;
    private final long requestedMemory;
    private final Resource requested;
    private final long nonZeroMilliCpu;
    private final long nonZeroMemory;
    private final List<PodInfo> pods;
    private final List<PodInfo> podsWithAffinity;
    private final List<PodInfo> podsWithRequiredAntiAffinity;
    private final List<HostPort> usedPorts;
    private final long generation;

    private NodeInfo(NodeFacts facts, String name, Resource requested, long nonZeroMilliCpu, long nonZeroMemory, List<PodInfo> pods,
                     List<PodInfo> podsWithAffinity, List<PodInfo> podsWithRequiredAntiAffinity, List<HostPort> usedPorts,
                     long generation) {
        this.facts = facts;
        this.name = name;
        this.labels = facts.labels();
        this.taints = facts.taints();
        this.unschedulable = facts.unschedulable();
        this.allocatableMilliCpu = facts.allocatable().milliCpu();
        this.allocatableMemory = facts.allocatable().memory();
        this.allowedPods = facts.allocatable().allowedPods();
        this.requestedMilliCpu = requested.milliCpu();
        this.requestedMemory = requested.memory();
        this.requested = requested;
        this.nonZeroMilliCpu = nonZeroMilliCpu;
        this.nonZeroMemory = nonZeroMemory;
        this.pods = pods;
        this.podsWithAffinity = podsWithAffinity;
        this.podsWithRequiredAntiAffinity = podsWithRequiredAntiAffinity;
        this.usedPorts = usedPorts;
        this.generation = generation;
    }

    private NodeInfo(NodeInfo base, NodeFacts facts, long generation) {
        this(facts, base.name, base.requested, base.nonZeroMilliCpu, base.nonZeroMemory, base.pods, base.podsWithAffinity,
                base.podsWithRequiredAntiAffinity, base.usedPorts, generation);
    }

    /** A node without pods. */
    public static NodeInfo of(Node node) {
        return new NodeInfo(NodeFacts.of(node), node.getMetadata().getName(), Resource.ZERO, 0, 0, List.of(), List.of(), List.of(),
                List.of(), 0);
    }

    /** Pods whose node is not known (yet): kept so they count once the node arrives. */
    public static NodeInfo placeholder(String name) {
        return new NodeInfo(NodeFacts.NONE, name, Resource.ZERO, 0, 0, List.of(), List.of(), List.of(), List.of(), 0);
    }

    /** Builds a node with pods at once (tests, snapshots built from lists). */
    public static NodeInfo of(Node node, List<PodInfo> pods) {
        NodeInfo n = of(node);
        for (PodInfo p : pods) {
            n = n.withPod(p);
        }
        return n;
    }

    public NodeInfo withNode(Node newNode, long newGeneration) {
        return new NodeInfo(this, NodeFacts.of(newNode), newGeneration);
    }

    public NodeInfo withGeneration(long newGeneration) {
        return new NodeInfo(this, facts, newGeneration);
    }

    public NodeInfo withPod(PodInfo pod) {
        List<PodInfo> p = append(pods, pod);
        List<PodInfo> a = pod.hasAffinity() ? append(podsWithAffinity, pod) : podsWithAffinity;
        List<PodInfo> anti = pod.hasRequiredAntiAffinity() ? append(podsWithRequiredAntiAffinity, pod) : podsWithRequiredAntiAffinity;
        List<HostPort> ports = usedPorts;
        if (!pod.hostPorts().isEmpty()) {
            List<HostPort> l = new ArrayList<>(usedPorts);
            l.addAll(pod.hostPorts());
            ports = List.copyOf(l);
        }
        Resource r = requested.plus(pod.requests());
        return new NodeInfo(facts, name, r, nonZeroMilliCpu + pod.nonZeroMilliCpu(), nonZeroMemory + pod.nonZeroMemory(), p, a, anti,
                ports, generation);
    }

    /** Without the pod of this key; {@code this} when the node does not hold it. */
    public NodeInfo withoutPod(String key) {
        PodInfo found = null;
        for (PodInfo p : pods) {
            if (p.key().equals(key)) {
                found = p;
                break;
            }
        }
        if (found == null) {
            return this;
        }
        PodInfo pod = found;
        List<PodInfo> p = remove(pods, pod);
        List<PodInfo> a = pod.hasAffinity() ? remove(podsWithAffinity, pod) : podsWithAffinity;
        List<PodInfo> anti = pod.hasRequiredAntiAffinity() ? remove(podsWithRequiredAntiAffinity, pod) : podsWithRequiredAntiAffinity;
        List<HostPort> ports = usedPorts;
        if (!pod.hostPorts().isEmpty()) {
            List<HostPort> l = new ArrayList<>(usedPorts);
            for (HostPort hp : pod.hostPorts()) {
                l.remove(hp);
            }
            ports = List.copyOf(l);
        }
        Resource r = requested.minus(pod.requests());
        return new NodeInfo(facts, name, r, nonZeroMilliCpu - pod.nonZeroMilliCpu(), nonZeroMemory - pod.nonZeroMemory(), p, a, anti,
                ports, generation);
    }

    private static List<PodInfo> append(List<PodInfo> list, PodInfo pod) {
        PodInfo[] a = list.toArray(new PodInfo[list.size() + 1]);
        a[list.size()] = pod;
        return List.of(a);
    }

    private static List<PodInfo> remove(List<PodInfo> list, PodInfo pod) {
        List<PodInfo> l = new ArrayList<>(list);
        l.remove(pod);
        return List.copyOf(l);
    }

    /** Null for a placeholder. */
    public Node node() {
        return facts.node();
    }

    public String name() {
        return name;
    }

    public Map<String, String> labels() {
        return labels;
    }

    public List<Taint> taints() {
        return taints;
    }

    public boolean unschedulable() {
        return unschedulable;
    }

    public long allocatableMilliCpu() {
        return allocatableMilliCpu;
    }

    public long allocatableMemory() {
        return allocatableMemory;
    }

    /** allocatable pods. */
    public long allowedPods() {
        return allowedPods;
    }

    public long requestedMilliCpu() {
        return requestedMilliCpu;
    }

    public long requestedMemory() {
        return requestedMemory;
    }

    public Resource allocatable() {
        return facts.allocatable();
    }

    public Resource requested() {
        return requested;
    }

    public long nonZeroMilliCpu() {
        return nonZeroMilliCpu;
    }

    public long nonZeroMemory() {
        return nonZeroMemory;
    }

    public List<PodInfo> pods() {
        return pods;
    }

    public List<PodInfo> podsWithAffinity() {
        return podsWithAffinity;
    }

    public List<PodInfo> podsWithRequiredAntiAffinity() {
        return podsWithRequiredAntiAffinity;
    }

    public List<HostPort> usedPorts() {
        return usedPorts;
    }

    public long generation() {
        return generation;
    }

    @Override
    public String toString() {
        return "NodeInfo{" + name + ", pods=" + pods.size() + ", requested=" + requested + "}";
    }
}
