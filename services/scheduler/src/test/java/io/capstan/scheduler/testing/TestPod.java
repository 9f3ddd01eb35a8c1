package io.capstan.scheduler.testing;

import io.capstan.scheduler.framework.PodInfo;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinity;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A fluent Pod for tests: namespace "default", one container "c" with the requests given. */
public final class TestPod {
    private final String name;
    private String namespace = "default";
    private String uid;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final Map<String, Quantity> requests = new LinkedHashMap<>();
    private final List<Container> extraContainers = new ArrayList<>();
    private final List<Container> initContainers = new ArrayList<>();
    private final Map<String, Quantity> overhead = new LinkedHashMap<>();
    private final List<Toleration> tolerations = new ArrayList<>();
    private final Map<String, String> nodeSelector = new LinkedHashMap<>();
    private final List<NodeSelectorTerm> requiredTerms = new ArrayList<>();
    private boolean requiredAffinity;
    private final List<PreferredSchedulingTerm> preferredTerms = new ArrayList<>();
    private final List<PodAffinityTerm> podAffinity = new ArrayList<>();
    private final List<PodAffinityTerm> podAntiAffinity = new ArrayList<>();
    private final List<WeightedPodAffinityTerm> preferredPodAffinity = new ArrayList<>();
    private final List<WeightedPodAffinityTerm> preferredPodAntiAffinity = new ArrayList<>();
    private final List<TopologySpreadConstraint> spread = new ArrayList<>();
    private Integer hostPort;
    private Integer priority;
    private String preemptionPolicy;
    private String nodeName;
    private String nominatedNodeName;
    private String schedulerName;
    private String startTime;
    private boolean terminating;

    private TestPod(String name) {
        this.name = name;
        this.uid = "uid-" + name;
    }

    public static TestPod pod(String name) {
        return new TestPod(name);
    }

    public TestPod namespace(String ns) {
        namespace = ns;
        return this;
    }

    public TestPod cpu(String q) {
        requests.put("cpu", new Quantity(q));
        return this;
    }

    public TestPod memory(String q) {
        requests.put("memory", new Quantity(q));
        return this;
    }

    public TestPod request(String resource, String q) {
        requests.put(resource, new Quantity(q));
        return this;
    }

    public TestPod container(String cpu, String memory) {
        extraContainers.add(container("c" + (extraContainers.size() + 2), cpu, memory, null));
        return this;
    }

    public TestPod initContainer(String cpu, String memory) {
        initContainers.add(container("i" + initContainers.size(), cpu, memory, null));
        return this;
    }

    public TestPod sidecar(String cpu, String memory) {
        initContainers.add(container("s" + initContainers.size(), cpu, memory, "Always"));
        return this;
    }

    private static Container container(String name, String cpu, String memory, String restartPolicy) {
        Map<String, Quantity> r = new LinkedHashMap<>();
        if (cpu != null) {
            r.put("cpu", new Quantity(cpu));
        }
        if (memory != null) {
            r.put("memory", new Quantity(memory));
        }
        return new ContainerBuilder().withName(name).withImage("busybox").withRestartPolicy(restartPolicy)
                .withNewResources().withRequests(r).endResources().build();
    }

    public TestPod overhead(String cpu, String memory) {
        overhead.put("cpu", new Quantity(cpu));
        overhead.put("memory", new Quantity(memory));
        return this;
    }

    public TestPod label(String k, String v) {
        labels.put(k, v);
        return this;
    }

    public TestPod tolerate(String key, String op, String value, String effect) {
        tolerations.add(new TolerationBuilder().withKey(key).withOperator(op).withValue(value).withEffect(effect).build());
        return this;
    }

    public TestPod nodeSelector(String k, String v) {
        nodeSelector.put(k, v);
        return this;
    }

    /** Adds a required node selector term with one expression (terms are ORed). */
    public TestPod requiredNodeTerm(String key, String op, String... values) {
        requiredAffinity = true;
        requiredTerms.add(new NodeSelectorTermBuilder().addToMatchExpressions(
                new NodeSelectorRequirementBuilder().withKey(key).withOperator(op).withValues(values).build()).build());
        return this;
    }

    public TestPod requiredNodeField(String key, String op, String... values) {
        requiredAffinity = true;
        requiredTerms.add(new NodeSelectorTermBuilder().addToMatchFields(
                new NodeSelectorRequirementBuilder().withKey(key).withOperator(op).withValues(values).build()).build());
        return this;
    }

    public TestPod emptyRequiredNodeTerm() {
        requiredAffinity = true;
        requiredTerms.add(new NodeSelectorTermBuilder().build());
        return this;
    }

    public TestPod preferredNodeTerm(int weight, String key, String op, String... values) {
        preferredTerms.add(new io.fabric8.kubernetes.api.model.PreferredSchedulingTermBuilder().withWeight(weight)
                .withPreference(new NodeSelectorTermBuilder().addToMatchExpressions(
                        new NodeSelectorRequirementBuilder().withKey(key).withOperator(op).withValues(values).build()).build()).build());
        return this;
    }

    public static PodAffinityTerm term(String topologyKey, String labelKey, String labelValue) {
        return new PodAffinityTermBuilder().withTopologyKey(topologyKey)
                .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels(labelKey, labelValue).build()).build();
    }

    public TestPod podAffinity(String topologyKey, String labelKey, String labelValue) {
        podAffinity.add(term(topologyKey, labelKey, labelValue));
        return this;
    }

    public TestPod podAffinity(PodAffinityTerm t) {
        podAffinity.add(t);
        return this;
    }

    public TestPod podAntiAffinity(String topologyKey, String labelKey, String labelValue) {
        podAntiAffinity.add(term(topologyKey, labelKey, labelValue));
        return this;
    }

    public TestPod preferredPodAffinity(int weight, String topologyKey, String labelKey, String labelValue) {
        preferredPodAffinity.add(new WeightedPodAffinityTerm(term(topologyKey, labelKey, labelValue), weight));
        return this;
    }

    public TestPod preferredPodAntiAffinity(int weight, String topologyKey, String labelKey, String labelValue) {
        preferredPodAntiAffinity.add(new WeightedPodAffinityTerm(term(topologyKey, labelKey, labelValue), weight));
        return this;
    }

    public TestPod spread(int maxSkew, String topologyKey, String when, String labelKey, String labelValue) {
        return spread(maxSkew, topologyKey, when, new LabelSelectorBuilder().addToMatchLabels(labelKey, labelValue).build(), null);
    }

    public TestPod spread(int maxSkew, String topologyKey, String when, LabelSelector selector, Integer minDomains) {
        spread.add(new TopologySpreadConstraintBuilder().withMaxSkew(maxSkew).withTopologyKey(topologyKey).withWhenUnsatisfiable(when)
                .withLabelSelector(selector).withMinDomains(minDomains).build());
        return this;
    }

    public TestPod hostPort(int port) {
        hostPort = port;
        return this;
    }

    public TestPod priority(int p) {
        priority = p;
        return this;
    }

    public TestPod preemptionPolicy(String p) {
        preemptionPolicy = p;
        return this;
    }

    public TestPod on(String node) {
        nodeName = node;
        return this;
    }

    public TestPod nominated(String node) {
        nominatedNodeName = node;
        return this;
    }

    public TestPod scheduler(String name) {
        schedulerName = name;
        return this;
    }

    public TestPod startTime(String t) {
        startTime = t;
        return this;
    }

    public TestPod terminating() {
        terminating = true;
        return this;
    }

    public Pod build() {
        Container main = new ContainerBuilder().withName("c").withImage("busybox")
                .withNewResources().withRequests(new LinkedHashMap<>(requests)).endResources().build();
        if (hostPort != null) {
            main.setPorts(List.of(new ContainerPortBuilder().withContainerPort(hostPort).withHostPort(hostPort).build()));
        }
        List<Container> containers = new ArrayList<>();
        containers.add(main);
        containers.addAll(extraContainers);
        Affinity affinity = null;
        if (requiredAffinity || !preferredTerms.isEmpty() || !podAffinity.isEmpty() || !podAntiAffinity.isEmpty()
                || !preferredPodAffinity.isEmpty() || !preferredPodAntiAffinity.isEmpty()) {
            affinity = new Affinity();
            if (requiredAffinity || !preferredTerms.isEmpty()) {
                NodeAffinity na = new NodeAffinity();
                if (requiredAffinity) {
                    na.setRequiredDuringSchedulingIgnoredDuringExecution(new io.fabric8.kubernetes.api.model.NodeSelector(new ArrayList<>(requiredTerms)));
                }
                na.setPreferredDuringSchedulingIgnoredDuringExecution(new ArrayList<>(preferredTerms));
                affinity.setNodeAffinity(na);
            }
            if (!podAffinity.isEmpty() || !preferredPodAffinity.isEmpty()) {
                affinity.setPodAffinity(new PodAffinity(new ArrayList<>(preferredPodAffinity), new ArrayList<>(podAffinity)));
            }
            if (!podAntiAffinity.isEmpty() || !preferredPodAntiAffinity.isEmpty()) {
                affinity.setPodAntiAffinity(new PodAntiAffinity(new ArrayList<>(preferredPodAntiAffinity), new ArrayList<>(podAntiAffinity)));
            }
        }
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withUid(uid).withLabels(new LinkedHashMap<>(labels))
                .withDeletionTimestamp(terminating ? "2024-01-01T00:00:00Z" : null).endMetadata()
                .withNewSpec().withContainers(containers).withInitContainers(new ArrayList<>(initContainers))
                .withOverhead(overhead.isEmpty() ? null : new LinkedHashMap<>(overhead))
                .withTolerations(new ArrayList<>(tolerations)).withNodeSelector(nodeSelector.isEmpty() ? null : new LinkedHashMap<>(nodeSelector))
                .withAffinity(affinity).withTopologySpreadConstraints(new ArrayList<>(spread)).withPriority(priority)
                .withPreemptionPolicy(preemptionPolicy).withNodeName(nodeName).withSchedulerName(schedulerName).endSpec()
                .withNewStatus().withNominatedNodeName(nominatedNodeName).withStartTime(startTime).endStatus()
                .build();
    }

    public PodInfo info() {
        return new PodInfo(build());
    }
}
