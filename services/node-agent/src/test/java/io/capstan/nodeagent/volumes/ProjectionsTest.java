package io.capstan.nodeagent.volumes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFileBuilder;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProjectionsTest {
    private final ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("cfg").endMetadata()
            .addToData("city", "Ann Arbor").addToData("state", "Michigan").addToBinaryData("blob", "AAEC").build();

    @Test
    void everyKeyBecomesAFileWithTheDefaultMode() {
        Map<String, FileContent> files = Projections.configMap("cfg", null, null, null, Optional.of(cm));
        assertThat(files).containsOnlyKeys("city", "state", "blob");
        assertThat(files.get("city")).isEqualTo(FileContent.text("Ann Arbor", 0644));
        assertThat(files.get("blob").data()).containsExactly(0, 1, 2);
    }

    @Test
    void itemsChoosePathsAndModesAndAMissingKeyFailsUnlessOptional() {
        List<KeyToPath> items = List.of(new KeyToPath("city", 0600, "dir/town"));
        assertThat(Projections.configMap("cfg", items, 0444, null, Optional.of(cm)))
                .containsExactly(Map.entry("dir/town", FileContent.text("Ann Arbor", 0600)));
        List<KeyToPath> missing = List.of(new KeyToPath("nope", null, "x"));
        assertThatThrownBy(() -> Projections.configMap("cfg", missing, null, null, Optional.of(cm)))
                .isInstanceOf(VolumeError.class).hasMessage("configmap references non-existent config key: nope");
        assertThat(Projections.configMap("cfg", missing, null, true, Optional.of(cm))).isEmpty();
    }

    @Test
    void aMissingObjectFailsUnlessOptional() {
        assertThatThrownBy(() -> Projections.secret("s", null, null, false, Optional.empty()))
                .isInstanceOf(VolumeError.class).hasMessage("secret \"s\" not found");
        assertThat(Projections.secret("s", null, null, true, Optional.empty())).isEmpty();
    }

    @Test
    void secretsAreDecoded() {
        var secret = new SecretBuilder().withNewMetadata().withName("s").endMetadata().addToData("password", "bXlwYXNzd29yZA==").build();
        assertThat(Projections.secret("s", null, 0400, null, Optional.of(secret)).get("password"))
                .isEqualTo(FileContent.text("mypassword", 0400));
    }

    @Test
    void downwardApiWritesPodFieldsAndResources() {
        Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u")
                .addToLabels("b", "2").addToLabels("a", "say \"hi\"").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withNewResources().addToLimits("memory", new Quantity("128Mi"))
                .endResources().endContainer().endSpec().build();
        var items = List.of(
                new DownwardAPIVolumeFileBuilder().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().build(),
                new DownwardAPIVolumeFileBuilder().withPath("name").withNewFieldRef().withFieldPath("metadata.name").endFieldRef().build(),
                new DownwardAPIVolumeFileBuilder().withPath("mem").withNewResourceFieldRef().withContainerName("c")
                        .withResource("limits.memory").withDivisor(new Quantity("1Mi")).endResourceFieldRef().build());
        Map<String, FileContent> files = Projections.downwardApi(items, null, pod, "127.244.1.2", "127.0.1.1", Map.of());
        assertThat(files.get("labels").text()).isEqualTo("a=\"say \\\"hi\\\"\"\nb=\"2\"");
        assertThat(files.get("name").text()).isEqualTo("p");
        assertThat(files.get("mem").text()).isEqualTo("128");
    }
}
