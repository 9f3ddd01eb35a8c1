package io.capstan.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KafkaProcessIT {
    private static KafkaProcess kafka;

    @BeforeAll
    static void start() {
        long t0 = System.nanoTime();
        kafka = KafkaProcess.start();
        System.out.printf("Kafka ready at %s in %d ms%n", kafka.bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void keyedRecordsComeBackInOrderPerKey() throws Exception {
        String topic = "capstan.test-keyed";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
        }

        produce(kafka, topic, 100);
        List<ConsumerRecord<String, String>> records = consume(kafka, topic, 100);

        assertEquals(100, records.size());
        Map<String, List<Integer>> perKey = new LinkedHashMap<>();
        Set<Integer> partitionsUsed = new java.util.HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            perKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Integer.parseInt(r.value()));
            partitionsUsed.add(r.partition());
        }
        assertEquals(10, perKey.size());
        for (int k = 0; k < 10; k++) {
            List<Integer> expected = new ArrayList<>();
            for (int i = k; i < 100; i += 10) {
                expected.add(i);
            }
            assertEquals(expected, perKey.get("key-" + k), "records of key-" + k + " in produce order");
        }
        assertTrue(partitionsUsed.size() > 1, "ten keys spread over the topic's three partitions");
    }

    @Test
    void twoBrokersRunSideBySide() throws Exception {
        try (KafkaProcess second = KafkaProcess.start()) {
            assertNotEquals(kafka.bootstrapServers(), second.bootstrapServers());
            produce(second, "capstan.only-on-second", 10); // auto-created
            assertEquals(10, consume(second, "capstan.only-on-second", 10).size());
            produce(kafka, "capstan.only-on-first", 5);
            assertEquals(5, consume(kafka, "capstan.only-on-first", 5).size());
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertFalse(topics.contains("capstan.only-on-second"), "the brokers share nothing: " + topics);
            }
        }
    }

    private static void produce(KafkaProcess broker, String topic, int count) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "key-" + (i % 10), Integer.toString(i)));
            }
            producer.flush();
        }
    }

    private static List<ConsumerRecord<String, String>> consume(KafkaProcess broker, String topic, int count) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }
}
