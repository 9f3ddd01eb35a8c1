package io.capstan.workloads.daemonset;

import io.capstan.workloads.common.ControllerRevisions;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DaemonSetModelTest {
    static final Instant NOW = Instant.parse("2024-01-01T00:00:00Z");

    static Node node(String name, String labels, String taint) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec();
        if (!labels.isEmpty()) {
            for (String kv : labels.split(",")) {
                b.editMetadata().addToLabels(kv.split("=")[0], kv.split("=")[1]).endMetadata();
            }
        }
        if (!taint.isEmpty()) {
            String[] p = taint.split(":");
            b.editSpec().addNewTaint().withKey(p[0]).withEffect(p[1]).endTaint().endSpec();
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            plain node runs the pod                          | ''            | ''                                | none      | true  | true
            node selector matching                           | disk=ssd      | ''                                | selector  | true  | true
            node selector not matching                       | disk=hdd      | ''                                | selector  | false | false
            required affinity In matches                     | zone=a        | ''                                | affinity  | true  | true
            required affinity In does not match              | zone=b        | ''                                | affinity  | false | false
            untolerated NoSchedule taint keeps running pods  | ''            | dedicated:NoSchedule              | none      | false | true
            untolerated NoExecute taint evicts               | ''            | dedicated:NoExecute               | none      | false | false
            tolerated taint                                  | ''            | dedicated:NoSchedule              | toleration| true  | true
            PreferNoSchedule taint is ignored                | ''            | dedicated:PreferNoSchedule        | none      | true  | true
            unschedulable taint is tolerated by default      | ''            | node.kubernetes.io/unschedulable:NoSchedule | none | true | true
            not-ready NoExecute is tolerated by default      | ''            | node.kubernetes.io/not-ready:NoExecute      | none | true | true
            memory pressure is tolerated by default          | ''            | node.kubernetes.io/memory-pressure:NoSchedule | none | true | true
            """)
    void nodeFitFollowsSelectorAffinityAndTaints(String name, String labels, String taint, String podRule, boolean run, boolean keep) {
        PodSpecBuilder b = new PodSpecBuilder().addNewContainer().withName("c").withImage("i").endContainer();
        switch (podRule) {
            case "selector" -> b.addToNodeSelector("disk", "ssd");
            case "affinity" -> b.withNewAffinity().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .addNewNodeSelectorTerm().addNewMatchExpression().withKey("zone").withOperator("In").withValues("a").endMatchExpression()
                    .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity();
            case "toleration" -> b.addNewToleration().withKey("dedicated").withOperator("Exists").endToleration();
            default -> { }
        }
        PodSpec spec = b.build();
        spec.setTolerations(NodeFit.withDefaultTolerations(spec));
        NodeFit.Decision d = NodeFit.decide(spec, node("n1", labels, taint));
        assertThat(d.shouldRun()).isEqualTo(run);
        assertThat(d.shouldContinueRunning()).isEqualTo(keep);
    }

    static DaemonSet ds(String image, String maxUnavailable, String maxSurge) {
        DaemonSet ds = new DaemonSetBuilder().withNewMetadata().withName("agent").withNamespace("kube-system").withUid("ds-uid").withGeneration(2L).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate().endRollingUpdate().endUpdateStrategy().endSpec().build();
        var ru = ds.getSpec().getUpdateStrategy().getRollingUpdate();
        ru.setMaxUnavailable(maxUnavailable.endsWith("%") ? new IntOrString(maxUnavailable) : new IntOrString(Integer.parseInt(maxUnavailable)));
        ru.setMaxSurge(maxSurge.endsWith("%") ? new IntOrString(maxSurge) : new IntOrString(Integer.parseInt(maxSurge)));
        return ds;
    }

    static Pod ready(DaemonSet ds, String node, boolean isReady) {
        String hash = ControllerRevisions.hashOf(DaemonSetModel.plan(ds, List.of(), List.of(), List.of(), NOW).revisions().update());
        Pod p = DaemonSetModel.newPod(ds, ds.getSpec().getTemplate(), hash, node);
        return new PodBuilder(p).editMetadata().withName("agent-" + node + "-" + hash).withUid(node + hash).endMetadata()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus(isReady ? "True" : "False").endCondition().endStatus().build();
    }

    static List<Node> nodes(int n) {
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(node("n" + i, "", ""));
        }
        return out;
    }

    @Test
    void everyFittingNodeGetsOnePodBoundByAffinityOnItsName() {
        DaemonSet ds = ds("agent:1", "1", "0");
        List<Node> nodes = List.of(node("n0", "", ""), node("n1", "", "dedicated:NoSchedule"));
        DaemonSetModel.Plan plan = DaemonSetModel.plan(ds, nodes, List.of(), List.of(), NOW);
        assertThat(plan.create()).extracting(DaemonSetModel.PodCreate::node).containsExactly("n0");
        Pod pod = plan.create().get(0).pod();
        assertThat(DaemonSetModel.targetNode(pod)).isEqualTo("n0");
        assertThat(pod.getMetadata().getGenerateName()).isEqualTo("agent-");
        assertThat(pod.getMetadata().getLabels()).containsKey(ControllerRevisions.HASH_LABEL).containsEntry("pod-template-generation", "2");
        assertThat(pod.getSpec().getTolerations()).extracting(t -> t.getKey()).contains("node.kubernetes.io/not-ready", "node.kubernetes.io/unschedulable");
        assertThat(plan.status().getDesiredNumberScheduled()).isEqualTo(1);
    }

    @Test
    void podOnANodeThatNoLongerFitsIsDeletedAndCountedMisscheduled() {
        DaemonSet ds = ds("agent:1", "1", "0");
        DaemonSetModel.Plan plan = DaemonSetModel.plan(ds, List.of(node("n0", "", "dedicated:NoExecute")), List.of(ready(ds, "n0", true)), List.of(), NOW);
        assertThat(plan.delete()).hasSize(1);
        assertThat(plan.status().getNumberMisscheduled()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            maxUnavailable one replaces one node at a time     | 1   | 0 | 4 | 1 | 0
            maxUnavailable fifty percent replaces half         | 50% | 0 | 4 | 2 | 0
            maxSurge one starts one new pod beside the old     | 0   | 1 | 4 | 0 | 1
            maxSurge twenty-five percent of four surges one    | 0   | 25% | 4 | 0 | 1
            """)
    void rollingUpdateStaysWithinItsBudget(String name, String maxUnavailable, String maxSurge, int nodes, int deletes, int creates) {
        DaemonSet v1 = ds("agent:1", maxUnavailable, maxSurge);
        DaemonSet v2 = ds("agent:2", maxUnavailable, maxSurge);
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            pods.add(ready(v1, "n" + i, true));
        }
        DaemonSetModel.Plan plan = DaemonSetModel.plan(v2, nodes(nodes), pods, List.of(), NOW);
        assertThat(plan.delete()).hasSize(deletes);
        assertThat(plan.create()).hasSize(creates);
        assertThat(plan.status().getUpdatedNumberScheduled()).isZero();
    }

    @Test
    void surgedPodThatBecameAvailableRetiresTheOldPod() {
        DaemonSet v1 = ds("agent:1", "0", "1");
        DaemonSet v2 = ds("agent:2", "0", "1");
        Pod old = ready(v1, "n0", true);
        Pod fresh = ready(v2, "n0", true);
        DaemonSetModel.Plan plan = DaemonSetModel.plan(v2, nodes(1), List.of(old, fresh), List.of(), NOW);
        assertThat(plan.delete()).containsExactly(old);
        assertThat(plan.create()).isEmpty();
    }

    @Test
    void staleUnavailablePodIsReplacedWithoutSpendingTheBudget() {
        DaemonSet v1 = ds("agent:1", "1", "0");
        DaemonSet v2 = ds("agent:2", "1", "0");
        List<Pod> pods = List.of(ready(v1, "n0", false), ready(v1, "n1", true), ready(v1, "n2", true));
        DaemonSetModel.Plan plan = DaemonSetModel.plan(v2, nodes(3), pods, List.of(), NOW);
        assertThat(plan.delete()).extracting(p -> DaemonSetModel.targetNode(p)).containsExactly("n0");
    }

    @Test
    void statusCountsScheduledReadyAvailableAndUpdatedPods() {
        DaemonSet ds = ds("agent:1", "1", "0");
        List<Pod> pods = List.of(ready(ds, "n0", true), ready(ds, "n1", false));
        DaemonSetModel.Plan plan = DaemonSetModel.plan(ds, nodes(3), pods, List.of(), NOW);
        var s = plan.status();
        assertThat(List.of(s.getDesiredNumberScheduled(), s.getCurrentNumberScheduled(), s.getNumberReady(), s.getNumberAvailable(),
                s.getUpdatedNumberScheduled(), s.getNumberMisscheduled(), s.getNumberUnavailable())).containsExactly(3, 2, 1, 1, 2, 0, 2);
        assertThat(s.getObservedGeneration()).isEqualTo(2L);
        assertThat(plan.create()).extracting(DaemonSetModel.PodCreate::node).containsExactly("n2");
    }
}
