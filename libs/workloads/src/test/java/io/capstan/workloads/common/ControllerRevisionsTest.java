package io.capstan.workloads.common;

import io.capstan.api.json.KubeJson;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ControllerRevisionsTest {
    private static final PodTemplateSpec TEMPLATE = new PodTemplateSpecBuilder().withNewSpec().withTerminationGracePeriodSeconds(30L)
            .addNewContainer().withName("web").withImage("nginx").endContainer().endSpec().build();

    @Test
    void aRevisionReadBackFromTheApiServerHoldsTheSameTemplate() {
        // as JSON from the api-server, 30 parses as an int; the typed template holds a long
        String stored = KubeJson.string(ControllerRevisions.templatePatch(TEMPLATE));
        ControllerRevision readBack = new ControllerRevisionBuilder().withNewMetadata().withName("web-1").endMetadata()
                .withData(KubeJson.MAPPER.convertValue(KubeJson.read(stored.getBytes(java.nio.charset.StandardCharsets.UTF_8)), Object.class))
                .withRevision(1L).build();
        assertThat(ControllerRevisions.sameData(readBack, ControllerRevisions.templatePatch(TEMPLATE))).isTrue();
    }

    @Test
    void aChangedTemplateIsNotTheSameData() {
        PodTemplateSpec changed = new PodTemplateSpecBuilder(TEMPLATE).editSpec().editFirstContainer().withImage("nginx:2").endContainer()
                .endSpec().build();
        ControllerRevision revision = new ControllerRevisionBuilder().withNewMetadata().withName("web-1").endMetadata()
                .withData(KubeJson.MAPPER.convertValue(ControllerRevisions.templatePatch(TEMPLATE), Object.class)).withRevision(1L).build();
        assertThat(ControllerRevisions.sameData(revision, ControllerRevisions.templatePatch(changed))).isFalse();
    }
}
