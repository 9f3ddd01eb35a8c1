package io.capstan.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Informer#dropManagedFields()}: what a controller-manager's caches keep of each object. */
class InformerManagedFieldsTest {
    private static final String EVENT = """
            {"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"ns","name":"a",
             "resourceVersion":"5","managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1",
             "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:v":{}}}}]},"data":{"v":"1"}}}""";

    private final KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:1").build()).build();
    private final SharedInformers informers = new SharedInformers(client, Map.of("bootstrap.servers", "127.0.0.1:1"),
            Informer.Options.defaults());

    @AfterEach
    void close() {
        informers.close();
        client.close();
    }

    @Test
    void informersOfASharedSetDropManagedFieldsAndKeepTheRest() {
        Informer<ConfigMap> dropping = informers.dropManagedFields().informerFor(ConfigMap.class);
        dropping.apply(EVENT);
        ConfigMap cached = dropping.store().get("ns", "a").orElseThrow();
        assertThat(cached.getMetadata().getManagedFields()).isEmpty();
        assertThat(cached.getData()).containsEntry("v", "1");
        assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("5");
    }

    @Test
    void byDefaultAnInformerKeepsManagedFields() {
        Informer<ConfigMap> keeping = informers.informerFor(ConfigMap.class);
        keeping.apply(EVENT);
        assertThat(keeping.store().get("ns", "a").orElseThrow().getMetadata().getManagedFields()).hasSize(1);
    }

    @Test
    void dropManagedFieldsIsDecidedBeforeStart() {
        informers.start();
        assertThatThrownBy(informers::dropManagedFields).isInstanceOf(IllegalStateException.class);
    }
}
