package io.capstan.controller;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CacheTest {
    private final Cache<Pod> cache = new Cache<>(Map.of(
            Indexers.OWNER_UID, Indexers.ownerUid(),
            Indexers.NODE_NAME, Indexers.nodeName(),
            "app", p -> p.getMetadata().getLabels() == null || !p.getMetadata().getLabels().containsKey("app")
                    ? List.of() : List.of(p.getMetadata().getLabels().get("app"))));

    static Pod pod(String ns, String name, String node, String ownerUid, boolean controller) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace(ns).withName(name)
                .addToLabels("app", name.split("-")[0]).endMetadata()
                .withNewSpec().withNodeName(node).endSpec();
        if (ownerUid != null) {
            b.editMetadata().addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1")
                    .withKind("ReplicaSet").withName("rs").withUid(ownerUid).withController(controller).build()).endMetadata();
        }
        return b.build();
    }

    @Test
    void getsAndListsByNamespace() {
        cache.put(pod("a", "web-1", "n1", null, false));
        cache.put(pod("a", "web-2", "n2", null, false));
        cache.put(pod("b", "db-1", "n1", null, false));

        assertThat(cache.get("a", "web-1")).isPresent();
        assertThat(cache.getByKey("b/db-1")).isPresent();
        assertThat(cache.get("b", "web-1")).isEmpty();
        assertThat(cache.list()).hasSize(3);
        assertThat(cache.list("a")).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(cache.keys()).containsExactlyInAnyOrder("a/web-1", "a/web-2", "b/db-1");
    }

    @Test
    void indexesPodsByNodeAndOnlyByTheControllerOwner() {
        cache.put(pod("a", "web-1", "n1", "uid-1", true));
        cache.put(pod("a", "web-2", "n2", "uid-1", true));
        cache.put(pod("a", "web-3", "n1", "uid-2", false));
        cache.put(pod("a", "web-4", "", null, false));

        assertThat(cache.byIndex(Indexers.NODE_NAME, "n1")).extracting(p -> p.getMetadata().getName())
                .containsExactlyInAnyOrder("web-1", "web-3");
        assertThat(cache.byIndex(Indexers.OWNER_UID, "uid-1")).hasSize(2);
        assertThat(cache.byIndex(Indexers.OWNER_UID, "uid-2")).as("not a controller reference").isEmpty();
        assertThat(cache.byIndex(Indexers.NODE_NAME, "")).as("unscheduled pods are not indexed").isEmpty();
    }

    @Test
    void replacingAnObjectMovesItsIndexEntries() {
        cache.put(pod("a", "web-1", "n1", null, false));
        cache.put(pod("a", "web-1", "n2", null, false));

        assertThat(cache.byIndex(Indexers.NODE_NAME, "n1")).isEmpty();
        assertThat(cache.byIndex(Indexers.NODE_NAME, "n2")).hasSize(1);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void removingAnObjectRemovesItsIndexEntries() {
        cache.put(pod("a", "web-1", "n1", "uid-1", true));
        assertThat(cache.remove("a/web-1")).isPresent();

        assertThat(cache.byIndex(Indexers.NODE_NAME, "n1")).isEmpty();
        assertThat(cache.byIndex(Indexers.OWNER_UID, "uid-1")).isEmpty();
        assertThat(cache.list("a")).isEmpty();
        assertThat(cache.remove("a/web-1")).isEmpty();
    }

    @Test
    void customIndexFunctionsAndIndexesAddedLater() {
        cache.put(pod("a", "web-1", "n1", null, false));
        cache.put(pod("b", "db-1", "n1", null, false));
        assertThat(cache.byIndex("app", "web")).hasSize(1);

        cache.addIndex("byNamespaceAndApp", p -> List.of(p.getMetadata().getNamespace() + ":" + p.getMetadata().getLabels().get("app")));
        assertThat(cache.byIndex("byNamespaceAndApp", "b:db")).hasSize(1);
    }

    @Test
    void anUnknownIndexIsAnError() {
        assertThatThrownBy(() -> cache.byIndex("nope", "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
