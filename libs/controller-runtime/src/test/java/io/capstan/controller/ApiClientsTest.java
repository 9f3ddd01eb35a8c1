package io.capstan.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The api-server client skips the JDK trust store only where no TLS is spoken, and decodes as fabric8 does. */
class ApiClientsTest {
    @Test
    void plainHttpLoadsNoTrustStoreAndHttpsKeepsFullVerification() {
        try (KubernetesClient http = ApiClients.create("http://127.0.0.1:1");
             KubernetesClient upper = ApiClients.create("HTTP://127.0.0.1:1");
             KubernetesClient https = ApiClients.create("https://127.0.0.1:1")) {
            assertThat(http.getConfiguration().isTrustCerts()).isTrue();
            assertThat(upper.getConfiguration().isTrustCerts()).isTrue();
            assertThat(https.getConfiguration().isTrustCerts()).isFalse();
            assertThat(https.getConfiguration().isDisableHostnameVerification()).isFalse();
        }
    }

    @Test
    void decodingStraightIntoAModelGivesWhatFabric8sUnmarshalGives() {
        String json = """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","resourceVersion":"42",
                 "labels":{"app":"a"}},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox",
                 "resources":{"requests":{"cpu":"100m"}}}]},"status":{"phase":"Running","podIP":"10.0.0.5",
                 "conditions":[{"type":"Ready","status":"True"}],"somethingNew":{"x":1}}}""";
        try (KubernetesClient client = ApiClients.create("http://127.0.0.1:1")) {
            Pod direct = ApiClients.decode(client, json, Pod.class);
            assertThat(direct).isEqualTo(client.getKubernetesSerialization().unmarshal(json, Pod.class));
            assertThat(direct.getMetadata().getResourceVersion()).isEqualTo("42");
            assertThat(direct.getSpec().getContainers().get(0).getResources().getRequests().get("cpu")).isEqualTo(new Quantity("100m"));
            assertThat(direct.getStatus().getAdditionalProperties()).containsKey("somethingNew");
            assertThatThrownBy(() -> ApiClients.decode(client, "{\"metadata\":", Pod.class))
                    .isInstanceOf(KubernetesClientException.class).hasMessageContaining("cannot decode a Pod");
        }
    }
}
