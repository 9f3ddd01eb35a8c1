package io.capstan.scheduler.testing;

import io.capstan.scheduler.framework.NodeInfo;
import io.capstan.scheduler.framework.PodInfo;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A fluent Node for tests: 4 cpu, 8Gi memory, 110 pods unless told otherwise, labelled with its hostname. */
public final class TestNode {
    private final String name;
    private final Map<String, Quantity> allocatable = new LinkedHashMap<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final List<Taint> taints = new ArrayList<>();
    private final List<PodInfo> pods = new ArrayList<>();
    private boolean unschedulable;

    private TestNode(String name) {
        this.name = name;
        allocatable.put("cpu", new Quantity("4"));
        allocatable.put("memory", new Quantity("8Gi"));
        allocatable.put("pods", new Quantity("110"));
        labels.put("kubernetes.io/hostname", name);
    }

    public static TestNode node(String name) {
        return new TestNode(name);
    }

    public TestNode cpu(String q) {
        allocatable.put("cpu", new Quantity(q));
        return this;
    }

    public TestNode memory(String q) {
        allocatable.put("memory", new Quantity(q));
        return this;
    }

    public TestNode pods(int n) {
        allocatable.put("pods", new Quantity(Integer.toString(n)));
        return this;
    }

    public TestNode resource(String name, String q) {
        allocatable.put(name, new Quantity(q));
        return this;
    }

    public TestNode label(String k, String v) {
        labels.put(k, v);
        return this;
    }

    public TestNode withoutLabel(String k) {
        labels.remove(k);
        return this;
    }

    public TestNode taint(String key, String value, String effect) {
        taints.add(new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build());
        return this;
    }

    public TestNode unschedulable() {
        unschedulable = true;
        return this;
    }

    /** Puts a pod on this node (its spec.nodeName is set). */
    public TestNode with(TestPod pod) {
        pods.add(pod.on(name).info());
        return this;
    }

    public Node build() {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(new LinkedHashMap<>(labels)).endMetadata()
                .withNewSpec().withTaints(new ArrayList<>(taints)).withUnschedulable(unschedulable ? true : null).endSpec()
                .withNewStatus().withAllocatable(new LinkedHashMap<>(allocatable)).withCapacity(new LinkedHashMap<>(allocatable)).endStatus()
                .build();
    }

    public NodeInfo info() {
        return NodeInfo.of(build(), pods);
    }
}
