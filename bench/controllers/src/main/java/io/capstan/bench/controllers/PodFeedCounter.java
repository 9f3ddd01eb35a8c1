package io.capstan.bench.controllers;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows the pods topic of the change feed from its beginning and remembers when each pod
 * ({@code namespace/name}) was first announced, without decoding pods: the cheapest way for the
 * bench to see 3,000 or 10,000 pods appear, so it takes as little CPU as possible from the
 * controller-manager it measures.
 */
final class PodFeedCounter implements AutoCloseable {
    private static final String TOPIC = "capstan.pods";
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    PodFeedCounter(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "bench-pod-counter"),
                new StringDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::follow, "bench-pod-counter");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        try {
            while (running) {
                List<PartitionInfo> parts = consumer.partitionsFor(TOPIC);
                if (parts != null && !parts.isEmpty()) {
                    List<TopicPartition> tps = parts.stream().map(p -> new TopicPartition(TOPIC, p.partition())).toList();
                    consumer.assign(tps);
                    consumer.seekToBeginning(tps);
                    break;
                }
                Thread.sleep(200);
            }
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    byte[] v = r.value();
                    // the relay writes {"type":...,"object":...}: the type is in the first bytes
                    String head = new String(v, 0, Math.min(v.length, 32), StandardCharsets.UTF_8);
                    if (head.contains("\"ADDED\"")) {
                        firstSeen.putIfAbsent(r.key(), System.nanoTime());
                    }
                }
            }
        } catch (WakeupException | InterruptedException stopping) {
            // closed
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Pods announced so far whose key starts with {@code namespace/}; all pods for null. */
    long count(String namespace) {
        if (namespace == null) {
            return firstSeen.size();
        }
        String prefix = namespace + "/";
        return firstSeen.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    }

    /** First-seen times (System.nanoTime) of the pods of {@code namespace}. */
    List<Long> times(String namespace) {
        String prefix = namespace + "/";
        return firstSeen.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue).sorted().toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
