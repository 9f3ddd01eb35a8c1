package io.capstan.nodeagent.env;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvBuilderTest {
    private final MapLookups lookups = new MapLookups()
            .with(new ConfigMapBuilder().withNewMetadata().withNamespace("ns").withName("cfg").endMetadata()
                    .addToData("city", "Ann Arbor").addToData("state", "Michigan").addToData("bad=key", "x").build())
            .with(new SecretBuilder().withNewMetadata().withNamespace("ns").withName("creds").endMetadata()
                    .addToData("username", b64("example")).build());

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Pod pod(Container c) {
        return new PodBuilder().withNewMetadata().withNamespace("ns").withName("web").withUid("u-1")
                .addToLabels("app", "web").endMetadata()
                .withNewSpec().withNodeName("node-1").withServiceAccountName("default").withContainers(c).endSpec().build();
    }

    private EnvBuilder.Result build(Container c, Map<String, String> serviceEnv) {
        return EnvBuilder.build(c, new EnvBuilder.Inputs(pod(c), "127.244.1.7", "127.0.1.1", "web", serviceEnv,
                Map.of("cpu", new Quantity("2"), "memory", new Quantity("8Gi")), lookups));
    }

    @Test
    void valuesRefsAndFieldsResolveInOrderWithExpansion() {
        Container c = new ContainerBuilder().withName("app")
                .addNewEnv().withName("CITY").withNewValueFrom().withNewConfigMapKeyRef("city", "cfg", null).endValueFrom().endEnv()
                .addNewEnv().withName("USERNAME").withNewValueFrom().withNewSecretKeyRef("username", "creds", null).endValueFrom().endEnv()
                .addNewEnv().withName("GREETING").withValue("hello $(USERNAME) from $(CITY), not $(LATER), $$(CITY)").endEnv()
                .addNewEnv().withName("LATER").withValue("later").endEnv()
                .addNewEnv().withName("NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MY_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("APP").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.labels['app']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("SVC").withValue("$(WEB_SERVICE_HOST)").endEnv()
                .build();
        Map<String, String> env = build(c, Map.of("WEB_SERVICE_HOST", "127.96.0.9")).env();
        assertThat(env).containsEntry("CITY", "Ann Arbor").containsEntry("USERNAME", "example")
                .containsEntry("GREETING", "hello example from Ann Arbor, not $(LATER), $(CITY)")
                .containsEntry("NODE", "node-1").containsEntry("MY_IP", "127.244.1.7").containsEntry("APP", "web")
                .containsEntry("SVC", "127.96.0.9").containsEntry("WEB_SERVICE_HOST", "127.96.0.9")
                .containsEntry("POD_IP", "127.244.1.7").containsEntry("HOSTNAME", "web");
        assertThat(List.copyOf(env.keySet())).startsWith("CITY", "USERNAME", "GREETING", "LATER");
    }

    @Test
    void envFromAddsPrefixedKeysSkipsInvalidOnesAndEnvWins() {
        Container c = new ContainerBuilder().withName("app")
                .addNewEnvFrom().withPrefix("CFG_").withNewConfigMapRef("cfg", null).endEnvFrom()
                .addNewEnvFrom().withNewSecretRef("creds", null).endEnvFrom()
                .addNewEnv().withName("CFG_city").withValue("override").endEnv()
                .build();
        EnvBuilder.Result result = build(c, Map.of());
        assertThat(result.env()).containsEntry("CFG_city", "override").containsEntry("CFG_state", "Michigan")
                .containsEntry("username", "example").doesNotContainKey("CFG_bad=key");
        assertThat(result.skipped()).singleElement().asString().contains("CFG_bad=key").contains("configMap ns/cfg");
    }

    @Test
    void aMissingReferenceIsAConfigErrorUnlessOptional() {
        Container missingKey = new ContainerBuilder().withName("app").addNewEnv().withName("X").withNewValueFrom()
                .withNewConfigMapKeyRef("nope", "cfg", null).endValueFrom().endEnv().build();
        assertThatThrownBy(() -> build(missingKey, Map.of())).isInstanceOf(ConfigError.class)
                .hasMessage("couldn't find key nope in ConfigMap ns/cfg");
        Container missingSecret = new ContainerBuilder().withName("app").addNewEnv().withName("X").withNewValueFrom()
                .withNewSecretKeyRef("k", "absent", null).endValueFrom().endEnv().build();
        assertThatThrownBy(() -> build(missingSecret, Map.of())).isInstanceOf(ConfigError.class).hasMessage("secret \"absent\" not found");
        Container optional = new ContainerBuilder().withName("app")
                .addNewEnv().withName("X").withNewValueFrom().withNewSecretKeyRef("k", "absent", true).endValueFrom().endEnv()
                .addNewEnvFrom().withNewConfigMapRef("absent", true).endEnvFrom().build();
        assertThat(build(optional, Map.of()).env()).doesNotContainKey("X");
    }

    @Test
    void resourceFieldRefsUseDivisorsAndTheNodeForMissingLimits() {
        Container c = new ContainerBuilder().withName("app")
                .withNewResources().addToLimits("memory", new Quantity("64Mi")).addToRequests("cpu", new Quantity("250m")).endResources()
                .addNewEnv().withName("MEM_MI").withNewValueFrom().withNewResourceFieldRef().withResource("limits.memory")
                .withDivisor(new Quantity("1Mi")).endResourceFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("CPU_REQ_M").withNewValueFrom().withNewResourceFieldRef().withResource("requests.cpu")
                .withDivisor(new Quantity("1m")).endResourceFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("CPU_REQ").withNewValueFrom().withNewResourceFieldRef().withResource("requests.cpu")
                .endResourceFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("CPU_LIMIT").withNewValueFrom().withNewResourceFieldRef().withResource("limits.cpu")
                .endResourceFieldRef().endValueFrom().endEnv()
                .build();
        assertThat(build(c, Map.of()).env()).containsEntry("MEM_MI", "64").containsEntry("CPU_REQ_M", "250")
                .containsEntry("CPU_REQ", "1").containsEntry("CPU_LIMIT", "2");
    }
}
