package io.capstan.controllers.deployment;

import static io.capstan.controllers.testing.Fixtures.T0;
import static io.capstan.controllers.testing.Fixtures.ownerRef;
import static io.capstan.controllers.testing.Fixtures.template;

import io.capstan.workloads.common.Copies;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ReplicaSets owned by the fixture Deployment "web". */
final class Rs {
    private Rs() {
    }

    /** An owned ReplicaSet running {@code image}, {@code ageRank} minutes after T0, fully observed. */
    static ReplicaSet owned(Deployment d, String image, int replicas, int available, long revision, int ageRank) {
        PodTemplateSpec t = image == null ? Copies.deepCopy(d.getSpec().getTemplate()) : template(image, Map.of("app", "web"));
        String hash = PodTemplateHash.compute(t, null);
        Map<String, String> labels = new HashMap<>(t.getMetadata().getLabels());
        labels.put(PodTemplateHash.LABEL, hash);
        t.getMetadata().setLabels(labels);
        String name = "web-" + hash;
        Map<String, String> annotations = new HashMap<>();
        annotations.put(RevisionAnnotations.REVISION, Long.toString(revision));
        ReplicaSet rs = new ReplicaSetBuilder()
                .withNewMetadata().withName(name).withNamespace("default").withUid("uid-" + name).withGeneration(1L)
                .withCreationTimestamp(T0.plusSeconds(60L * ageRank).toString())
                .withLabels(labels).withAnnotations(annotations)
                .withOwnerReferences(List.of(ownerRef("uid-web", "web", "Deployment"))).endMetadata()
                .withNewSpec().withReplicas(replicas).withMinReadySeconds(DeploymentSpecs.minReadySeconds(d))
                .withNewSelector().withMatchLabels(Map.of("app", "web", PodTemplateHash.LABEL, hash)).endSelector()
                .withTemplate(t).endSpec()
                .build();
        ReplicaSetStatus s = new ReplicaSetStatus();
        s.setReplicas(replicas);
        s.setReadyReplicas(available);
        s.setAvailableReplicas(available);
        s.setObservedGeneration(1L);
        rs.setStatus(s);
        RevisionAnnotations.setReplicasAnnotations(rs, DeploymentSpecs.replicas(d), DeploymentSpecs.replicas(d) + DeploymentSpecs.maxSurge(d));
        return rs;
    }

    static int replicasOf(DeploymentPlan plan, ReplicaSet rs) {
        return plan.update().stream().filter(u -> u.getMetadata().getName().equals(rs.getMetadata().getName()))
                .findFirst().map(u -> u.getSpec().getReplicas()).orElse(rs.getSpec().getReplicas());
    }
}
