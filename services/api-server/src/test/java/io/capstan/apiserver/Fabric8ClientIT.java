package io.capstan.apiserver;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A second real client: fabric8's KubernetesClient, typed CRUD, lists, watches and informers. */
@QuarkusTest
@QuarkusTestResource(EtcdTestResource.class)
class Fabric8ClientIT {
    @TestHTTPResource("/")
    URL url;
    KubernetesClient client;

    @BeforeEach
    void connect() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url.toString()).withNamespace("default")
                .withRequestTimeout(10_000).build();
        // Inside a @QuarkusTest JVM the fabric8 model classes are visible through two class loaders;
        // scanning them all with ServiceLoader fails, so the client uses only its own.
        client = new KubernetesClientBuilder().withConfig(config)
                .withKubernetesSerialization(new KubernetesSerialization(new ObjectMapper(), false))
                .withHttpClientFactory(new JdkHttpClientFactory()).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void typedCrudRoundTripsADeployment() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("fabric8").endMetadata().build()).create();
        Deployment d = new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace("fabric8").endMetadata()
                .withNewSpec().withReplicas(2)
                .withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("nginx").endContainer().endSpec()
                .endTemplate().endSpec().build();
        Deployment created = client.apps().deployments().inNamespace("fabric8").resource(d).create();
        assertThat(created.getMetadata().getUid()).isNotBlank();
        assertThat(created.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        Deployment edited = client.apps().deployments().inNamespace("fabric8").withName("web")
                .edit(x -> new DeploymentBuilder(x).editSpec().withReplicas(5).endSpec().build());
        assertThat(edited.getSpec().getReplicas()).isEqualTo(5);
        assertThat(edited.getMetadata().getGeneration()).isEqualTo(2L);
        client.apps().deployments().inNamespace("fabric8").withName("web").scale(3);
        assertThat(client.apps().deployments().inNamespace("fabric8").withName("web").get().getSpec().getReplicas()).isEqualTo(3);
        assertThat(client.apps().deployments().inNamespace("fabric8").list().getItems()).hasSize(1);
        client.apps().deployments().inNamespace("fabric8").withName("web").delete();
        assertThat(client.apps().deployments().inNamespace("fabric8").withName("web").get()).isNull();
    }

    @Test
    void errorsArriveAsKubernetesStatuses() {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("dup").endMetadata().addToData("a", "b").build();
        client.configMaps().resource(cm).create();
        assertThatThrownBy(() -> client.configMaps().resource(cm).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getReason()).isEqualTo("AlreadyExists");
                });
    }

    @Test
    void watchesSeeChanges() throws Exception {
        BlockingQueue<String> actions = new LinkedBlockingQueue<>();
        try (var watch = client.configMaps().withLabel("watched", "yes").watch(new Watcher<ConfigMap>() {
            @Override
            public void eventReceived(Action action, ConfigMap resource) {
                actions.add(action + " " + resource.getMetadata().getName());
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("w1")
                    .withLabels(Map.of("watched", "yes")).endMetadata().build()).create();
            client.configMaps().withName("w1").delete();
            assertThat(actions.poll(10, TimeUnit.SECONDS)).isEqualTo("ADDED w1");
            assertThat(actions.poll(10, TimeUnit.SECONDS)).isEqualTo("DELETED w1");
        }
    }

    @Test
    void informersListThenFollowChanges() throws Exception {
        client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("before")
                .withLabels(Map.of("informed", "yes")).endMetadata().build()).create();
        CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().withLabel("informed", "yes").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap obj) {
                seen.add("add " + obj.getMetadata().getName());
            }

            @Override
            public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                seen.add("update " + newObj.getMetadata().getName());
            }

            @Override
            public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
                seen.add("delete " + obj.getMetadata().getName());
            }
        });
        try {
            informer.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("after")
                    .withLabels(Map.of("informed", "yes")).endMetadata().build()).create();
            client.configMaps().withName("after").edit(c -> new ConfigMapBuilder(c).addToData("k", "v").build());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(seen).containsExactly("add before", "add after", "update after");
            assertThat(informer.getStore().list()).hasSize(2);
        } finally {
            informer.close();
        }
    }
}
