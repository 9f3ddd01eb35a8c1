package io.capstan.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an informer that keeps every feed object decodes it: in one pass straight into the model,
 * with the client's own Jackson modules, without managedFields when it drops them.
 */
class InformerDecodeTest {
    private static final Map<String, Object> KAFKA = Map.of("bootstrap.servers", "127.0.0.1:1");

    /** Marks the strings it reads that start with "mark:", so a test can tell whether the client's mapper decoded an object. */
    private static final SimpleModule MARKING = new SimpleModule("marking").addDeserializer(String.class,
            new StdScalarDeserializer<String>(String.class) {
                @Override
                public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                    String s = p.getValueAsString();
                    return s.startsWith("mark:") ? s + "!" : s;
                }
            });

    private final KubernetesClient client = ApiClients.create("http://127.0.0.1:1",
            new ObjectMapper().registerModule(MARKING), new JdkHttpClientFactory());

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void theClientsOwnModulesDecodeTheFeedAndManagedFieldsCanBeLeftOut() {
        try (Informer<ConfigMap> informer = new Informer<>(ConfigMap.class, client, KAFKA, Informer.Options.defaults())
                .dropManagedFields()) {
            informer.apply("""
                    {"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"ns","name":"a",
                     "resourceVersion":"5","managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1",
                     "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:v":{}}}}],"labels":{"app":"mark:web"}},
                     "data":{"v":"mark:1"}},"type":"ADDED","extra":[1,{"x":2}]}""");
            ConfigMap cached = informer.store().get("ns", "a").orElseThrow();
            assertThat(cached.getData()).containsEntry("v", "mark:1!");
            assertThat(cached.getMetadata().getLabels()).containsEntry("app", "mark:web!");
            assertThat(cached.getMetadata().getManagedFields()).isEmpty();
        }
    }

    @Test
    void aNamespacedInformerSkipsOtherNamespacesAndEventsWithoutAnObject() {
        KubernetesClient plain = ApiClients.create("http://127.0.0.1:1");
        try (plain; Informer<Pod> informer = new Informer<>(Pod.class, plain, KAFKA, Informer.Options.defaults().withNamespace("mine"))) {
            informer.apply("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
                    + "{\"namespace\":\"other\",\"name\":\"p\",\"resourceVersion\":\"3\"}}}");
            informer.apply("{\"type\":\"ADDED\"}");
            informer.apply("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
                    + "{\"namespace\":\"mine\",\"name\":\"p\",\"resourceVersion\":\"4\",\"managedFields\":[{\"manager\":\"x\","
                    + "\"operation\":\"Update\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{}}]},"
                    + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}");
            assertThat(informer.store().list()).hasSize(1);
            Pod pod = informer.store().get("mine", "p").orElseThrow();
            assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("busybox");
            assertThat(pod.getMetadata().getManagedFields()).hasSize(1);
        }
    }

    @Test
    void anInequalitySelectedInformerDecodesWhatItsTextProvesToMatchAndTestsTheRest() {
        try (Informer<Pod> informer = new Informer<>(Pod.class, client, KAFKA,
                Informer.Options.defaults().withFieldSelector("status.phase!=Succeeded,status.phase!=Failed")).dropManagedFields()) {
            informer.apply(pod("running", 3, "Running", "mark:ok"));
            informer.apply(pod("done", 4, "Succeeded", "mark:ok"));
            // "Failed" in a message, not the phase: tested through the tree, and kept
            informer.apply(pod("retried", 5, "Running", "Failed"));
            assertThat(informer.store().list()).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("running", "retried");
            Pod running = informer.store().get("ns", "running").orElseThrow();
            assertThat(running.getStatus().getMessage()).isEqualTo("mark:ok!");
            assertThat(running.getMetadata().getManagedFields()).isEmpty();
            assertThat(informer.store().get("ns", "retried").orElseThrow().getMetadata().getManagedFields()).isEmpty();
            // a cached pod that stops matching leaves the cache as deleted
            informer.apply(pod("running", 6, "Failed", "mark:ok"));
            assertThat(informer.store().get("ns", "running")).isEmpty();
        }
    }

    private static String pod(String name, int revision, String phase, String message) {
        return ("{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"ns\","
                + "\"name\":\"%s\",\"resourceVersion\":\"%d\",\"managedFields\":[{\"manager\":\"x\",\"operation\":\"Update\","
                + "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{}}]},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]},"
                + "\"status\":{\"phase\":\"%s\",\"message\":\"%s\"}}}").formatted(name, revision, phase, message);
    }
}
