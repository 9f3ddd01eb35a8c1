package io.capstan.controller;

import io.fabric8.kubernetes.client.KubernetesClient;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The api-server client skips the JDK trust store only where no TLS is spoken. */
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
}
