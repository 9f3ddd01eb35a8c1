package io.capstan.controllers.nodelifecycle;

import io.capstan.controller.Cache;
import io.capstan.controller.Request;
import io.capstan.workloads.nodelifecycle.NodeLifecycleModel;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which lease renewals and pod changes wake the node lifecycle controller for a node. */
class NodeLifecycleReconcilerTest {
    private final Cache<Node> nodes = new Cache<>();
    private final NodeLifecycleReconciler reconciler = new NodeLifecycleReconciler(null, nodes, new Cache<>(), new Cache<>(),
            new NodeLifecycleModel.Settings(Duration.ofSeconds(40), Duration.ofSeconds(60), 300), null, null);

    @Test
    void aRenewalWakesOnlyANodeThatIsNotReady() {
        nodes.put(node("ready", "True", null));
        nodes.put(node("unknown", "Unknown", "NoExecute"));
        nodes.put(node("new", null, null));

        assertThat(reconciler.nodeOfLease(lease("kube-node-lease", "ready"))).isEmpty();
        assertThat(reconciler.nodeOfLease(lease("kube-node-lease", "unknown"))).containsExactly(new Request(null, "unknown"));
        assertThat(reconciler.nodeOfLease(lease("kube-node-lease", "new"))).containsExactly(new Request(null, "new"));
        assertThat(reconciler.nodeOfLease(lease("kube-node-lease", "not-cached"))).isEmpty();
        assertThat(reconciler.nodeOfLease(lease("default", "unknown"))).isEmpty();
    }

    @Test
    void aPodWakesANodeThatIsNotReadyOrHasANoExecuteTaint() {
        nodes.put(node("ready", "True", null));
        nodes.put(node("ready-tainted", "True", "NoExecute"));
        nodes.put(node("ready-noschedule", "True", "NoSchedule"));
        nodes.put(node("not-ready", "False", null));

        assertThat(reconciler.nodeOfPod(pod("ready"))).isEmpty();
        assertThat(reconciler.nodeOfPod(pod("ready-noschedule"))).isEmpty();
        assertThat(reconciler.nodeOfPod(pod("ready-tainted"))).containsExactly(new Request(null, "ready-tainted"));
        assertThat(reconciler.nodeOfPod(pod("not-ready"))).containsExactly(new Request(null, "not-ready"));
        assertThat(reconciler.nodeOfPod(pod(null))).isEmpty();
        assertThat(reconciler.nodeOfPod(pod("not-cached"))).isEmpty();
    }

    private static Node node(String name, String ready, String taintEffect) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
        if (taintEffect != null) {
            b.withNewSpec().addNewTaint().withKey("example.com/taint").withEffect(taintEffect).endTaint().endSpec();
        }
        if (ready != null) {
            b.withNewStatus().addNewCondition().withType("Ready").withStatus(ready).endCondition().endStatus();
        }
        return b.build();
    }

    private static Lease lease(String namespace, String name) {
        return new LeaseBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().build();
    }

    private static Pod pod(String nodeName) {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName("p").endMetadata()
                .withNewSpec().withNodeName(nodeName).endSpec().build();
    }
}
