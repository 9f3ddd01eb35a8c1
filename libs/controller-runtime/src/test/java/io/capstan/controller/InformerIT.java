package io.capstan.controller;

import io.capstan.api.feed.ChangeFeed;
import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.KafkaProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Informers, a controller and the event recorder against a real api-server, etcd and Kafka.
 * The api-server under test does not publish the change feed itself, so the tests publish each
 * change they make, in the feed's format, as the relay would.
 */
class InformerIT {
    private static EtcdProcess etcd;
    private static KafkaProcess kafka;
    private static ApiServerProcess apiServer;
    private static KubernetesClient client;
    private static KafkaProducer<String, String> producer;
    private static Admin admin;

    @BeforeAll
    static void start() {
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), null);
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(apiServer.url())
                .withRequestTimeout(10_000).build()).build();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer());
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{admin, producer, client, apiServer, kafka, etcd}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort teardown
                }
            }
        }
    }

    private static Map<String, Object> kafkaConfig() {
        return Map.of("bootstrap.servers", kafka.bootstrapServers());
    }

    private static String namespace() {
        String ns = "t-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        return ns;
    }

    /** Publishes {@code object} as the feed relay would. */
    private static void publish(String type, HasMetadata object) throws Exception {
        String value = "{\"type\":\"" + type + "\",\"object\":" + client.getKubernetesSerialization().asJson(object) + "}";
        ProducerRecord<String, String> record = new ProducerRecord<>(FeedTopics.topicOf(object.getClass()),
                ChangeFeed.key(object.getMetadata().getNamespace(), object.getMetadata().getName()), value);
        record.headers().add(ChangeFeed.REVISION_HEADER,
                object.getMetadata().getResourceVersion().getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
    }

    /** Creates a feed topic as the relay would, with several partitions; fine if it exists. */
    private static void createTopic(String topic) throws Exception {
        try {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private static ConfigMap configMap(String ns, String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .addToData("v", value).build();
    }

    private static ConfigMap withVersion(ConfigMap cm, long rv) {
        return new ConfigMapBuilder(cm).editMetadata().withResourceVersion(Long.toString(rv)).endMetadata().build();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static String value(Store<ConfigMap> store, String ns, String name) {
        return store.get(ns, name).map(c -> c.getData().get("v")).orElse(null);
    }

    @Test
    void listsThenFollowsTheFeedDroppingStaleAndDuplicateEvents() throws Exception {
        String ns = namespace();
        ConfigMap a1 = client.configMaps().inNamespace(ns).resource(configMap(ns, "a", "1")).create();
        List<String> seen = new CopyOnWriteArrayList<>();
        try (Informer<ConfigMap> informer = new Informer<>(ConfigMap.class, client, kafkaConfig(),
                Informer.Options.defaults().withNamespace(ns))) {
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(ConfigMap o) {
                    seen.add("add " + o.getMetadata().getName() + "=" + o.getData().get("v"));
                }

                @Override
                public void onUpdate(ConfigMap old, ConfigMap o) {
                    seen.add("update " + o.getMetadata().getName() + "=" + o.getData().get("v"));
                }

                @Override
                public void onDelete(ConfigMap o) {
                    seen.add("delete " + o.getMetadata().getName());
                }
            });
            informer.start();
            assertThat(informer.waitForSync(Duration.ofSeconds(30))).isTrue();
            assertThat(value(informer.store(), ns, "a")).as("from the LIST").isEqualTo("1");

            // the feed may not have this topic yet; the informer must pick it up once it appears
            createTopic(informer.topic());
            publish("ADDED", a1);

            ConfigMap b1 = client.configMaps().inNamespace(ns).resource(configMap(ns, "b", "1")).create();
            publish("ADDED", b1);
            await("b arrives through the feed", Duration.ofSeconds(30), () -> "1".equals(value(informer.store(), ns, "b")));

            ConfigMap a2 = client.configMaps().inNamespace(ns).resource(configMap(ns, "a", "2")).update();
            publish("MODIFIED", a2);
            publish("ADDED", a1);
            publish("MODIFIED", a2);
            client.configMaps().inNamespace(ns).withName("b").delete();
            publish("DELETED", withVersion(b1, Long.parseLong(a2.getMetadata().getResourceVersion()) + 1));
            publish("ADDED", b1);

            await("b deleted through the feed", Duration.ofSeconds(30), () -> informer.store().get(ns, "b").isEmpty());
            Thread.sleep(500);
            assertThat(value(informer.store(), ns, "a")).isEqualTo("2");
            assertThat(informer.store().get(ns, "b")).as("a replayed older event does not resurrect b").isEmpty();
            assertThat(seen).containsExactly("add a=1", "add b=1", "update a=2", "delete b");
        }
    }

    @Test
    void catchUpReturnsOnceTheCacheHoldsWhatTheTopicHeldWhenItWasCalled() throws Exception {
        try (Informer<LimitRange> none = new Informer<>(LimitRange.class, client, kafkaConfig(),
                Informer.Options.defaults().withNamespace(namespace()))) {
            none.start();
            assertThat(none.catchUp(Duration.ofSeconds(30))).as("a topic nobody wrote to holds nothing to wait for").isTrue();
        }
        String ns = namespace();
        try (Informer<ConfigMap> informer = new Informer<>(ConfigMap.class, client, kafkaConfig(),
                Informer.Options.defaults().withNamespace(ns))) {
            createTopic(informer.topic());
            informer.start();
            assertThat(informer.catchUp(Duration.ofSeconds(30))).as("an idle feed").isTrue();
            // a real write gives a revision above the informer's floor; the feed events follow it
            long rv = Long.parseLong(client.configMaps().inNamespace(ns).resource(configMap(ns, "first", "0")).create()
                    .getMetadata().getResourceVersion());
            int count = 3000;
            for (int i = 1; i <= count; i++) {
                ConfigMap cm = withVersion(configMap(ns, "cm-" + i, Integer.toString(i)), rv + i);
                String value = "{\"type\":\"ADDED\",\"object\":" + client.getKubernetesSerialization().asJson(cm) + "}";
                producer.send(new ProducerRecord<>(informer.topic(), ChangeFeed.key(ns, "cm-" + i), value));
            }
            producer.flush();
            // no waiting loop: what the topic held is in the cache when catchUp returns
            assertThat(informer.catchUp(Duration.ofSeconds(30))).isTrue();
            assertThat(value(informer.store(), ns, "cm-" + count)).isEqualTo(Integer.toString(count));
            assertThat(informer.store().list(ns)).hasSize(count);

            // calls made together share the wait, and each returns
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    results.add(callers.submit(() -> informer.catchUp(Duration.ofSeconds(30))));
                }
                for (Future<Boolean> r : results) {
                    assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
                }
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void aResyncHealsChangesTheFeedMissed() throws Exception {
        String ns = namespace();
        client.configMaps().inNamespace(ns).resource(configMap(ns, "gone", "1")).create();
        try (Informer<ConfigMap> informer = new Informer<>(ConfigMap.class, client, kafkaConfig(),
                new Informer.Options(ns, Duration.ofSeconds(2), 1))) {
            informer.start();
            assertThat(informer.waitForSync(Duration.ofSeconds(30))).isTrue();
            assertThat(informer.store().get(ns, "gone")).isPresent();

            for (int i = 0; i < 3; i++) {
                client.configMaps().inNamespace(ns).resource(configMap(ns, "missed-" + i, "x")).create();
            }
            client.configMaps().inNamespace(ns).withName("gone").delete();

            await("the relist (in pages of one) finds what the feed never said", Duration.ofSeconds(30),
                    () -> informer.store().list(ns).size() == 3 && informer.store().get(ns, "gone").isEmpty());
        }
    }

    @Test
    void aControllerReconcilesPrimaryAndOwnedChangesWithRetriesAndTheResourceInTheMdc() throws Exception {
        String ns = namespace();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Set<Object> mdc = ConcurrentHashMap.newKeySet();
        Reconciler reconciler = request -> {
            mdc.add(MDC.get(Controller.MDC_RESOURCE));
            if (calls.computeIfAbsent(request.toString(), k -> new AtomicInteger()).incrementAndGet() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            return Result.done();
        };
        try (SharedInformers informers = new SharedInformers(client, kafkaConfig(), Informer.Options.defaults().withNamespace(ns))) {
            Informer<ConfigMap> configMaps = informers.informerFor(ConfigMap.class);
            assertThat(informers.informerFor(ConfigMap.class)).isSameAs(configMaps);
            try (Controller controller = Controller.builder("configmap-test", configMaps, reconciler)
                    .owns(informers.informerFor(Secret.class))
                    .workers(2)
                    .meterRegistry(registry)
                    .build()) {
                informers.start();
                controller.start();
                assertThat(informers.waitForSync(Duration.ofSeconds(30))).isTrue();

                ConfigMap owner = client.configMaps().inNamespace(ns).resource(configMap(ns, "owner", "1")).create();
                publish("ADDED", owner);
                await("owner reconciled after one retry", Duration.ofSeconds(30),
                        () -> calls.getOrDefault(ns + "/owner", new AtomicInteger()).get() == 2);

                Secret owned = client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata()
                        .withNamespace(ns).withName("owned")
                        .addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName("owner")
                        .withUid(owner.getMetadata().getUid()).withController(true).endOwnerReference()
                        .endMetadata().addToStringData("k", "v").build()).create();
                publish("ADDED", owned);
                await("an owned object enqueues its owner", Duration.ofSeconds(30),
                        () -> calls.get(ns + "/owner").get() == 3);

                assertThat(calls).containsOnlyKeys(ns + "/owner");
                assertThat(mdc).containsExactly("ConfigMap " + ns + "/owner");
                assertThat(registry.get("controller_runtime_reconcile_errors_total").counter().count()).isEqualTo(1);
                assertThat(registry.get("controller_runtime_reconcile_total").tag("result", "success").counter().count()).isEqualTo(2);
                assertThat(registry.get("controller_runtime_reconcile_time_seconds").timer().count()).isEqualTo(3);
                assertThat(registry.get("workqueue_adds_total").tag("name", "configmap-test").counter().count()).isGreaterThanOrEqualTo(3);
            }
        }
    }

    @Test
    void theEventRecorderAggregatesRepeatsIntoACount() throws Exception {
        String ns = namespace();
        ConfigMap cm = client.configMaps().inNamespace(ns).resource(configMap(ns, "subject", "1")).create();
        try (EventRecorder recorder = new EventRecorder(client, "test-controller")) {
            recorder.normal(cm, "Synced", "synced %s", "subject");
            recorder.normal(cm, "Synced", "synced %s", "subject");
            recorder.normal(cm, "Synced", "synced %s", "subject");
            recorder.warning(cm, "Failed", "could not sync");
        }
        List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
        assertThat(events).hasSize(2);
        Event synced = events.stream().filter(e -> "Synced".equals(e.getReason())).findFirst().orElseThrow();
        assertThat(synced.getCount()).isEqualTo(3);
        assertThat(synced.getType()).isEqualTo("Normal");
        assertThat(synced.getMessage()).isEqualTo("synced subject");
        assertThat(synced.getSource().getComponent()).isEqualTo("test-controller");
        assertThat(synced.getInvolvedObject().getKind()).isEqualTo("ConfigMap");
        assertThat(synced.getInvolvedObject().getName()).isEqualTo("subject");
        assertThat(synced.getInvolvedObject().getUid()).isEqualTo(cm.getMetadata().getUid());
        assertThat(synced.getFirstTimestamp()).isNotBlank();
        assertThat(synced.getLastTimestamp()).isNotBlank();
        Event failed = events.stream().filter(e -> "Failed".equals(e.getReason())).findFirst().orElseThrow();
        assertThat(failed.getType()).isEqualTo("Warning");
        assertThat(failed.getCount()).isEqualTo(1);
    }

    @Test
    void theEventRecorderNamesTheReportingHostAndAPartOfTheObject() throws Exception {
        String ns = namespace();
        ConfigMap cm = client.configMaps().inNamespace(ns).resource(configMap(ns, "host-subject", "1")).create();
        ObjectReference ref = new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withNamespace(ns)
                .withName("host-subject").withUid(cm.getMetadata().getUid()).withFieldPath("data.v").build();
        try (EventRecorder recorder = new EventRecorder(client, "kubelet", "node-1", Clock.systemUTC())) {
            recorder.event(ref, EventRecorder.NORMAL, "Pulled", "already present");
            recorder.event(ref, EventRecorder.NORMAL, "Pulled", "already present");
        }
        List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
        assertThat(events).hasSize(1);
        assertThat(events.get(0).getCount()).isEqualTo(2);
        assertThat(events.get(0).getSource().getHost()).isEqualTo("node-1");
        assertThat(events.get(0).getReportingInstance()).isEqualTo("node-1");
        assertThat(events.get(0).getInvolvedObject().getFieldPath()).isEqualTo("data.v");
    }

    @Test
    void anEventIntoAMissingNamespaceIsDroppedAndTheNextOneWritten() throws Exception {
        String ns = namespace();
        ConfigMap cm = client.configMaps().inNamespace(ns).resource(configMap(ns, "after-missing", "1")).create();
        ObjectReference missing = new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
                .withNamespace("no-such-namespace-" + ns).withName("gone").build();
        try (EventRecorder recorder = new EventRecorder(client, "test-controller")) {
            recorder.event(missing, EventRecorder.WARNING, "Lost", "into a namespace that does not exist");
            recorder.normal(cm, "Synced", "synced after a lost event");
        }
        List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
        assertThat(events).extracting(Event::getReason).containsExactly("Synced");
        assertThat(client.v1().events().inNamespace("no-such-namespace-" + ns).list().getItems()).isEmpty();
    }

    @Test
    void aFieldSelectedInformerListsAndFollowsOnlyItsNodesPods() throws Exception {
        String ns = namespace();
        Pod mine = client.pods().inNamespace(ns).resource(pod(ns, "mine", "node-a")).create();
        client.pods().inNamespace(ns).resource(pod(ns, "theirs", "node-b")).create();
        try (Informer<Pod> informer = new Informer<>(Pod.class, client, kafkaConfig(),
                Informer.Options.defaults().withNamespace(ns).withFieldSelector("spec.nodeName=node-a"))) {
            informer.start();
            assertThat(informer.waitForSync(Duration.ofSeconds(30))).isTrue();
            assertThat(informer.store().keys()).as("from the LIST").containsExactly(ns + "/mine");

            createTopic(informer.topic());
            Pod later = client.pods().inNamespace(ns).resource(pod(ns, "later", "node-a")).create();
            Pod elsewhere = client.pods().inNamespace(ns).resource(pod(ns, "elsewhere", "node-b")).create();
            publish("ADDED", elsewhere);
            publish("ADDED", later);
            await("the matching pod arrives through the feed", Duration.ofSeconds(30),
                    () -> informer.store().get(ns, "later").isPresent());
            assertThat(informer.store().keys()).containsExactlyInAnyOrder(ns + "/mine", ns + "/later");
            assertThat(mine.getSpec().getNodeName()).isEqualTo("node-a");
        }
    }

    private static Pod pod(String ns, String name, String node) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }
}
