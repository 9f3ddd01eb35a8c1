package io.capstan.controllers.testing;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small builders for pods, ReplicaSets and Deployments in table tests. */
public final class Fixtures {
    public static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private Fixtures() {
    }

    public static PodTemplateSpec template(String image, Map<String, String> labels) {
        return new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage(image).endContainer().endSpec()
                .build();
    }

    /** A pod: phase, node ("" = unscheduled), ready since (null = not ready), restarts, created. */
    public static Pod pod(String name, String phase, String node, Instant readySince, int restarts, Instant created) {
        PodBuilder b = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace("default").withUid("uid-" + name)
                .withCreationTimestamp(created == null ? null : created.toString())
                .withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().withNodeName(node.isEmpty() ? null : node).endSpec()
                .withNewStatus().withPhase(phase)
                .withContainerStatuses(new ContainerStatusBuilder().withName("app").withRestartCount(restarts).build())
                .endStatus();
        if (readySince != null) {
            b.editStatus().addNewCondition().withType("Ready").withStatus("True")
                    .withLastTransitionTime(readySince.toString()).endCondition().endStatus();
        } else {
            b.editStatus().addNewCondition().withType("Ready").withStatus("False").endCondition().endStatus();
        }
        return b.build();
    }

    public static Pod ownedPod(String name, ReplicaSet owner, Instant readySince) {
        Pod p = pod(name, "Running", "node-1", readySince, 0, T0);
        p.getMetadata().setOwnerReferences(List.of(ownerRef(owner.getMetadata().getUid(), owner.getMetadata().getName(), "ReplicaSet")));
        p.getMetadata().setLabels(owner.getSpec().getTemplate().getMetadata().getLabels());
        return p;
    }

    public static OwnerReference ownerRef(String uid, String name, String kind) {
        OwnerReference r = new OwnerReference();
        r.setApiVersion("apps/v1");
        r.setKind(kind);
        r.setName(name);
        r.setUid(uid);
        r.setController(true);
        return r;
    }

    public static ReplicaSet replicaSet(String name, int replicas, int minReadySeconds) {
        return new ReplicaSetBuilder()
                .withNewMetadata().withName(name).withNamespace("default").withUid("uid-" + name).withGeneration(1L).endMetadata()
                .withNewSpec().withReplicas(replicas).withMinReadySeconds(minReadySeconds)
                .withNewSelector().withMatchLabels(Map.of("app", "web")).endSelector()
                .withTemplate(template("nginx:1", Map.of("app", "web", "tier", "front")))
                .endSpec().build();
    }

    public static Deployment deployment(int replicas, String strategy, IntOrString maxSurge, IntOrString maxUnavailable) {
        DeploymentBuilder b = new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace("default").withUid("uid-web").withGeneration(1L).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().withMatchLabels(Map.of("app", "web")).endSelector()
                .withTemplate(template("nginx:2", Map.of("app", "web")))
                .withNewStrategy().withType(strategy).endStrategy()
                .endSpec();
        if ("RollingUpdate".equals(strategy)) {
            b.editSpec().editStrategy().withNewRollingUpdate().withMaxSurge(maxSurge).withMaxUnavailable(maxUnavailable)
                    .endRollingUpdate().endStrategy().endSpec();
        }
        return b.build();
    }
}
