package io.capstan.nodeagent.env;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceEnvTest {
    static Service service(String namespace, String name, String ip, int... ports) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withClusterIP(ip).endSpec();
        for (int i = 0; i < ports.length; i++) {
            b.editSpec().addNewPort().withName(i == 0 ? null : "port-" + i).withPort(ports[i]).withProtocol("TCP").endPort().endSpec();
        }
        return b.build();
    }

    @Test
    void aServiceGivesHostPortAndDockerLinkVariables() {
        Map<String, String> env = ServiceEnv.variables("ns", List.of(service("ns", "my-web", "127.96.0.10", 80, 8443)), null, null);
        assertThat(env).containsEntry("MY_WEB_SERVICE_HOST", "127.96.0.10")
                .containsEntry("MY_WEB_SERVICE_PORT", "80")
                .containsEntry("MY_WEB_SERVICE_PORT_PORT_1", "8443")
                .containsEntry("MY_WEB_PORT", "tcp://127.96.0.10:80")
                .containsEntry("MY_WEB_PORT_80_TCP", "tcp://127.96.0.10:80")
                .containsEntry("MY_WEB_PORT_80_TCP_PROTO", "tcp")
                .containsEntry("MY_WEB_PORT_80_TCP_PORT", "80")
                .containsEntry("MY_WEB_PORT_80_TCP_ADDR", "127.96.0.10")
                .containsEntry("MY_WEB_PORT_8443_TCP", "tcp://127.96.0.10:8443");
    }

    @Test
    void headlessServicesAndOtherNamespacesGiveNothing() {
        Map<String, String> env = ServiceEnv.variables("ns", List.of(service("ns", "headless", "None", 80),
                service("other", "elsewhere", "127.96.0.11", 80)), null, true);
        assertThat(env).isEmpty();
    }

    @Test
    void theKubernetesServiceCountsEvenWithoutServiceLinks() {
        Service master = service("default", "kubernetes", "127.96.0.1", 443);
        Map<String, String> env = ServiceEnv.variables("ns", List.of(service("ns", "web", "127.96.0.10", 80)), master, false);
        assertThat(env).containsEntry("KUBERNETES_SERVICE_HOST", "127.96.0.1").containsEntry("KUBERNETES_SERVICE_PORT", "443")
                .doesNotContainKey("WEB_SERVICE_HOST");
    }
}
