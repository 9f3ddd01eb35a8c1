package io.capstan.scheduler.framework;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the scheduler needs to know about a pod, computed once when the pod enters the queue or
 * the cache (framework.PodInfo plus the requests NodeInfo adds up): requests with the
 * init-container and overhead rules, the non-zero requests scoring uses, compiled affinity terms,
 * node selector, tolerations and host ports. The fabric8 {@link Pod} is kept for what is rarely
 * needed (events, status patches). Immutable; the pod must not be modified.
 */
public final class PodInfo {
    /** schedutil.DefaultMilliCPURequest: what scoring assumes for a container without a cpu request. */
    public static final long DEFAULT_MILLI_CPU_REQUEST = 100;
    /** schedutil.DefaultMemoryRequest: 200 MB. */
    public static final long DEFAULT_MEMORY_REQUEST = 200L * 1024 * 1024;

    private final Pod pod;
    private final String key;
    private final String namespace;
    private final String name;
    private final String uid;
    private final Map<String, String> labels;
    private final int priority;
    private final Resource requests;
    private final long nonZeroMilliCpu;
    private final long nonZeroMemory;
    private final List<Toleration> tolerations;
    private final List<HostPort> hostPorts;
    private final Map<String, String> nodeSelector;
    private final NodeSelectorTerms requiredNodeAffinity;
    private final NodeSelectorTerms.Preferred preferredNodeAffinity;
    private final List<AffinityTerm> requiredAffinityTerms;
    private final List<AffinityTerm> requiredAntiAffinityTerms;
    private final List<WeightedAffinityTerm> preferredAffinityTerms;
    private final List<WeightedAffinityTerm> preferredAntiAffinityTerms;

    public PodInfo(Pod pod) {
        this.pod = pod;
        this.namespace = pod.getMetadata().getNamespace() == null ? "" : pod.getMetadata().getNamespace();
        this.name = pod.getMetadata().getName();
        this.key = namespace + "/" + name;
        this.uid = pod.getMetadata().getUid() == null ? "" : pod.getMetadata().getUid();
        this.labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
        this.priority = spec.getPriority() == null ? 0 : spec.getPriority();
        this.requests = requests(spec, false);
        Resource nonZero = requests(spec, true);
        this.nonZeroMilliCpu = nonZero.milliCpu();
        this.nonZeroMemory = nonZero.memory();
        this.tolerations = spec.getTolerations() == null ? List.of() : List.copyOf(spec.getTolerations());
        this.hostPorts = hostPorts(spec);
        this.nodeSelector = spec.getNodeSelector() == null ? Map.of() : spec.getNodeSelector();
        Affinity affinity = spec.getAffinity();
        if (affinity != null && affinity.getNodeAffinity() != null) {
            requiredNodeAffinity = NodeSelectorTerms.required(affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
            preferredNodeAffinity = NodeSelectorTerms.Preferred.of(affinity.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        } else {
            requiredNodeAffinity = null;
            preferredNodeAffinity = NodeSelectorTerms.Preferred.NONE;
        }
        if (affinity != null && affinity.getPodAffinity() != null) {
            requiredAffinityTerms = terms(affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
            preferredAffinityTerms = weighted(affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        } else {
            requiredAffinityTerms = List.of();
            preferredAffinityTerms = List.of();
        }
        if (affinity != null && affinity.getPodAntiAffinity() != null) {
            requiredAntiAffinityTerms = terms(affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
            preferredAntiAffinityTerms = weighted(affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
        } else {
            requiredAntiAffinityTerms = List.of();
            preferredAntiAffinityTerms = List.of();
        }
    }

    /**
     * resourcehelper.PodRequests: the sum over containers, at least the largest init container
     * (restartable "sidecar" init containers add to both, as they keep running), plus overhead.
     * With {@code nonZero}, a container without a cpu or memory request counts the defaults.
     */
    static Resource requests(PodSpec spec, boolean nonZero) {
        Resource sum = Resource.ZERO;
        if (spec.getContainers() != null) {
            for (Container c : spec.getContainers()) {
                sum = sum.plus(containerRequests(c, nonZero));
            }
        }
        if (spec.getInitContainers() != null) {
            Resource sidecars = Resource.ZERO;
            Resource initMax = Resource.ZERO;
            for (Container c : spec.getInitContainers()) {
                Resource r = containerRequests(c, nonZero);
                Resource effective;
                if ("Always".equals(c.getRestartPolicy())) {
                    sum = sum.plus(r);
                    sidecars = sidecars.plus(r);
                    effective = sidecars;
                } else {
                    effective = r.plus(sidecars);
                }
                initMax = initMax.max(effective);
            }
            sum = sum.max(initMax);
        }
        if (spec.getOverhead() != null) {
            sum = sum.plus(Resource.of(spec.getOverhead()));
        }
        return sum;
    }

    private static Resource containerRequests(Container c, boolean nonZero) {
        Map<String, Quantity> requests = c.getResources() == null ? null : c.getResources().getRequests();
        Resource r = Resource.of(requests);
        if (!nonZero) {
            return r;
        }
        boolean hasCpu = requests != null && requests.containsKey(Resource.CPU);
        boolean hasMemory = requests != null && requests.containsKey(Resource.MEMORY);
        if (hasCpu && hasMemory) {
            return r;
        }
        return new Resource(hasCpu ? r.milliCpu() : DEFAULT_MILLI_CPU_REQUEST, hasMemory ? r.memory() : DEFAULT_MEMORY_REQUEST,
                r.ephemeralStorage(), r.allowedPods(), r.scalars());
    }

    private static List<HostPort> hostPorts(PodSpec spec) {
        if (spec.getContainers() == null) {
            return List.of();
        }
        List<HostPort> out = null;
        for (Container c : spec.getContainers()) {
            if (c.getPorts() == null) {
                continue;
            }
            for (ContainerPort p : c.getPorts()) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    if (out == null) {
                        out = new ArrayList<>();
                    }
                    String ip = p.getHostIP() == null || p.getHostIP().isEmpty() ? HostPort.ANY_IP : p.getHostIP();
                    String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
                    out.add(new HostPort(ip, protocol, p.getHostPort()));
                }
            }
        }
        return out == null ? List.of() : List.copyOf(out);
    }

    private List<AffinityTerm> terms(List<PodAffinityTerm> terms) {
        if (terms == null || terms.isEmpty()) {
            return List.of();
        }
        List<AffinityTerm> out = new ArrayList<>(terms.size());
        terms.forEach(t -> out.add(AffinityTerm.of(namespace, t)));
        return List.copyOf(out);
    }

    private List<WeightedAffinityTerm> weighted(List<WeightedPodAffinityTerm> terms) {
        if (terms == null || terms.isEmpty()) {
            return List.of();
        }
        List<WeightedAffinityTerm> out = new ArrayList<>(terms.size());
        for (WeightedPodAffinityTerm t : terms) {
            if (t.getPodAffinityTerm() != null) {
                out.add(new WeightedAffinityTerm(AffinityTerm.of(namespace, t.getPodAffinityTerm()), t.getWeight() == null ? 0 : t.getWeight()));
            }
        }
        return List.copyOf(out);
    }

    public Pod pod() {
        return pod;
    }

    /** {@code namespace/name}. */
    public String key() {
        return key;
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    public String uid() {
        return uid;
    }

    public Map<String, String> labels() {
        return labels;
    }

    /** spec.priority, 0 when unset (the Priority admission fills it from the PriorityClass). */
    public int priority() {
        return priority;
    }

    public Resource requests() {
        return requests;
    }

    public long nonZeroMilliCpu() {
        return nonZeroMilliCpu;
    }

    public long nonZeroMemory() {
        return nonZeroMemory;
    }

    public List<Toleration> tolerations() {
        return tolerations;
    }

    public List<HostPort> hostPorts() {
        return hostPorts;
    }

    public Map<String, String> nodeSelector() {
        return nodeSelector;
    }

    /** Null when the pod has no required node affinity. */
    public NodeSelectorTerms requiredNodeAffinity() {
        return requiredNodeAffinity;
    }

    public NodeSelectorTerms.Preferred preferredNodeAffinity() {
        return preferredNodeAffinity;
    }

    public List<AffinityTerm> requiredAffinityTerms() {
        return requiredAffinityTerms;
    }

    public List<AffinityTerm> requiredAntiAffinityTerms() {
        return requiredAntiAffinityTerms;
    }

    public List<WeightedAffinityTerm> preferredAffinityTerms() {
        return preferredAffinityTerms;
    }

    public List<WeightedAffinityTerm> preferredAntiAffinityTerms() {
        return preferredAntiAffinityTerms;
    }

    /** Any pod (anti-)affinity term, required or preferred (NodeInfo.PodsWithAffinity). */
    public boolean hasAffinity() {
        return !requiredAffinityTerms.isEmpty() || !requiredAntiAffinityTerms.isEmpty()
                || !preferredAffinityTerms.isEmpty() || !preferredAntiAffinityTerms.isEmpty();
    }

    public boolean hasRequiredAntiAffinity() {
        return !requiredAntiAffinityTerms.isEmpty();
    }

    public String nodeName() {
        return pod.getSpec() == null || pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName();
    }

    public String schedulerName() {
        String s = pod.getSpec() == null ? null : pod.getSpec().getSchedulerName();
        return s == null || s.isEmpty() ? "default-scheduler" : s;
    }

    public String nominatedNodeName() {
        return pod.getStatus() == null || pod.getStatus().getNominatedNodeName() == null ? "" : pod.getStatus().getNominatedNodeName();
    }

    /** spec.preemptionPolicy; PreemptLowerPriority unless Never. */
    public boolean mayPreempt() {
        return pod.getSpec() == null || !"Never".equals(pod.getSpec().getPreemptionPolicy());
    }

    public boolean terminating() {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    /**
     * status.startTime; a pod that has not started yet counts as starting now, as
     * GetPodStartTime has it (for the "more important pod" order of preemption).
     */
    public Instant startTime() {
        String t = pod.getStatus() == null ? null : pod.getStatus().getStartTime();
        if (t != null) {
            try {
                return Instant.parse(t);
            } catch (DateTimeParseException e) {
                // treated as not started
            }
        }
        return Instant.now();
    }

    @Override
    public String toString() {
        return key;
    }
}
