package io.capstan.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The feed-event rules of {@link Informer}, without Kafka: dedupe by resourceVersion and tombstones. */
class InformerEventTest {
    private final KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:1").build()).build();
    private final Informer<ConfigMap> informer = new Informer<>(ConfigMap.class, client,
            Map.of("bootstrap.servers", "127.0.0.1:1"), Informer.Options.defaults());

    @AfterEach
    void close() {
        informer.close();
        client.close();
    }

    static String event(String type, String name, long rv, String value) {
        return "{\"type\":\"" + type + "\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                + "{\"namespace\":\"ns\",\"name\":\"" + name + "\",\"resourceVersion\":\"" + rv + "\"},"
                + "\"data\":{\"v\":\"" + value + "\"}}}";
    }

    private String value(String name) {
        return informer.store().get("ns", name).map(c -> c.getData().get("v")).orElse(null);
    }

    @Test
    void topicsFollowTheChangeFeedContract() {
        assertThat(FeedTopics.topicOf(ConfigMap.class)).isEqualTo("capstan.configmaps");
        assertThat(FeedTopics.topicOf(Deployment.class)).isEqualTo("capstan.deployments.apps");
    }

    @Test
    void appliesOnlyEventsNewerThanTheCachedVersionComparedAsNumbers() {
        informer.apply(event("ADDED", "a", 9, "v9"));
        informer.apply(event("MODIFIED", "a", 10, "v10"));
        informer.apply(event("MODIFIED", "a", 9, "v9-again"));
        informer.apply(event("MODIFIED", "a", 10, "duplicate"));

        assertThat(value("a")).isEqualTo("v10");
    }

    @Test
    void aDeleteLeavesATombstoneSoReplayedEventsDoNotResurrect() {
        informer.apply(event("ADDED", "a", 5, "v5"));
        informer.apply(event("MODIFIED", "a", 7, "v7"));
        informer.apply(event("DELETED", "a", 8, "v7"));
        informer.apply(event("MODIFIED", "a", 7, "v7"));

        assertThat(informer.store().get("ns", "a")).isEmpty();

        informer.apply(event("ADDED", "a", 12, "recreated"));
        assertThat(value("a")).isEqualTo("recreated");
    }

    static String podEvent(String type, String name, long rv, String nodeName) {
        return "{\"type\":\"" + type + "\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
                + "{\"namespace\":\"ns\",\"name\":\"" + name + "\",\"resourceVersion\":\"" + rv + "\"},"
                + "\"spec\":{\"nodeName\":\"" + nodeName + "\",\"containers\":[]}}}";
    }

    @Test
    void aFieldSelectedInformerCachesOnlyMatchingFeedObjects() {
        try (Informer<Pod> pods = new Informer<>(Pod.class, client, Map.of("bootstrap.servers", "127.0.0.1:1"),
                Informer.Options.defaults().withFieldSelector("spec.nodeName=n1"))) {
            pods.apply(podEvent("ADDED", "mine", 3, "n1"));
            pods.apply(podEvent("ADDED", "theirs", 4, "n2"));
            assertThat(pods.store().keys()).containsExactly("ns/mine");
        }
    }

    @Test
    void aFieldSelectedInformerSkipsUnparsedOnlyWhatCouldNeitherEnterNorLeaveItsCache() {
        try (Informer<Pod> pods = new Informer<>(Pod.class, client, Map.of("bootstrap.servers", "127.0.0.1:1"),
                Informer.Options.defaults().withFieldSelector("spec.nodeName=n1"))) {
            pods.apply("ns/theirs", podEvent("ADDED", "theirs", 2, "n2"));
            pods.apply("ns/broken", "not json, and not for n1");
            pods.apply("ns/mine", podEvent("ADDED", "mine", 3, "n1"));
            assertThat(pods.store().keys()).containsExactly("ns/mine");
            // the text of the pod's next version lacks "n1", but the cache holds the key: it leaves as DELETED
            pods.apply("ns/mine", podEvent("MODIFIED", "mine", 4, "n2"));
            assertThat(pods.store().size()).isZero();
            pods.apply("ns/mine", podEvent("MODIFIED", "mine", 5, "n1"));
            assertThat(pods.store().keys()).containsExactly("ns/mine");
        }
    }

    @Test
    void aCachedObjectThatStopsMatchingTheFilterIsRemovedAsDeleted() {
        try (Informer<Pod> pods = new Informer<>(Pod.class, client, Map.of("bootstrap.servers", "127.0.0.1:1"),
                Informer.Options.defaults().withFilter(o -> Set.of("a", "b").contains(o.path("spec").path("nodeName").asText())))) {
            pods.apply(podEvent("ADDED", "p", 3, "a"));
            pods.apply(podEvent("MODIFIED", "p", 4, "elsewhere"));
            pods.apply(podEvent("MODIFIED", "p", 3, "a"));
            assertThat(pods.store().size()).as("gone, and an older event does not bring it back").isZero();

            pods.apply(podEvent("MODIFIED", "p", 5, "b"));
            assertThat(pods.store().get("ns", "p")).map(p -> p.getSpec().getNodeName()).contains("b");
        }
    }

    @Test
    void unreadableEventsAreSkipped() {
        informer.apply("not json");
        informer.apply("{\"type\":\"ADDED\"}");
        assertThat(informer.store().size()).isZero();
    }

    @Test
    void handlersAreAddedOnlyBeforeStart() {
        informer.addEventHandler(new ResourceEventHandler<>() {
        });
        assertThat(informer.hasSynced()).isFalse();
    }
}
