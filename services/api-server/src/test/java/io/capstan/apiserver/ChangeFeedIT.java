package io.capstan.apiserver;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every change reaches Kafka: topic per resource, key namespace/name, resourceVersion = etcd revision. */
@QuarkusTest
@QuarkusTestResource(EtcdTestResource.class)
class ChangeFeedIT {
    @TestHTTPResource("/")
    URL url;

    @Test
    void createsUpdatesAndDeletesArePublishedInOrderWithTheirRevisions() {
        Rest rest = new Rest(url.toString());
        rest.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"feed\"}}");
        long created = rest.post("/api/v1/namespaces/feed/configmaps", "{\"metadata\":{\"name\":\"fed\"},\"data\":{\"v\":\"1\"}}")
                .body().path("metadata").path("resourceVersion").asLong();
        long updated = rest.patch("/api/v1/namespaces/feed/configmaps/fed", "application/merge-patch+json", "{\"data\":{\"v\":\"2\"}}")
                .body().path("metadata").path("resourceVersion").asLong();
        rest.delete("/api/v1/namespaces/feed/configmaps/fed");
        try (FeedConsumer feed = new FeedConsumer(EtcdTestResource.kafka.bootstrapServers(), "capstan.configmaps")) {
            List<FeedConsumer.Event> events = feed.until(
                    seen -> seen.stream().anyMatch(e -> e.key().equals("feed/fed") && e.type().equals("DELETED")), Duration.ofSeconds(30));
            List<FeedConsumer.Event> mine = events.stream().filter(e -> e.key().equals("feed/fed")).toList();
            assertThat(mine).extracting(FeedConsumer.Event::type).containsExactly("ADDED", "MODIFIED", "DELETED");
            assertThat(mine.get(0).revision()).isEqualTo(created);
            assertThat(mine.get(1).revision()).isEqualTo(updated);
            assertThat(mine.get(2).revision()).isGreaterThan(updated);
            assertThat(mine.get(2).object().path("data").path("v").asText()).isEqualTo("2");
        }
        try (FeedConsumer apps = new FeedConsumer(EtcdTestResource.kafka.bootstrapServers(), "capstan.deployments.apps")) {
            rest.post("/apis/apps/v1/namespaces/feed/deployments", """
                    {"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},
                     "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}
                    """);
            assertThat(apps.until(seen -> seen.stream().anyMatch(e -> e.key().equals("feed/d")), Duration.ofSeconds(30)))
                    .anyMatch(e -> e.key().equals("feed/d") && e.type().equals("ADDED")
                            && e.object().path("kind").asText().equals("Deployment"));
        }
    }
}
