package io.capstan.apiserver;

import io.capstan.api.feed.ChangeFeed;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.store.EtcdStore;
import io.capstan.store.LeaderElector;
import io.capstan.store.StorageKeys;
import io.capstan.store.StoreEvent;
import io.capstan.store.StoreException;

import io.etcd.jetcd.election.LeaderKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The etcd-to-Kafka change feed (see {@link ChangeFeed} and DESIGN.md beside this file). One
 * api-server leads, elected through etcd; it follows etcd's watch from the last revision it
 * recorded as published and sends every change of a resource key to the resource's topic,
 * keyed by namespace/name, with an idempotent producer (acks=all), so each key's changes stay
 * in order. The highest revision below which every send was acknowledged is recorded in etcd
 * (a write guarded by the leader's election key), so a new leader resumes from there: nothing
 * acknowledged by etcd is skipped, and a few changes may be published twice.
 */
final class FeedRelay implements AutoCloseable {
    static final String PUBLISHED_KEY = "/capstan/feed/published-revision";
    private static final Logger LOG = Logger.getLogger(FeedRelay.class);

    private final EtcdStore etcd;
    private final ResourceRegistry registry;
    private final String bootstrapServers;
    private final MeterRegistry meters;
    private final long progressMillis;
    private final LeaderElector election;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "feed-relay");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong leader = new AtomicLong();

    /** State of one leadership term; replaced whole when the relay restarts. */
    private volatile Term term;

    FeedRelay(EtcdStore etcd, ResourceRegistry registry, String bootstrapServers, MeterRegistry meters, String identity,
              long progressMillis) {
        this.etcd = etcd;
        this.registry = registry;
        this.bootstrapServers = bootstrapServers;
        this.meters = meters;
        this.progressMillis = progressMillis;
        this.election = new LeaderElector(etcd.client(), "/capstan/elections/feed-relay", identity, Duration.ofSeconds(15));
        meters.gauge("capstan_feed_leader", leader);
        meters.gauge("capstan_feed_published_revision", published);
    }

    FeedRelay start() {
        election.runWhenLeader(this::lead, this::stopLeading);
        return this;
    }

    /** The revision the feed has published (0 before it ever ran): compaction must not pass it. */
    static long readPublished(EtcdStore etcd) {
        return etcd.get(PUBLISHED_KEY).join()
                .map(o -> Long.parseLong(new String(o.value(), StandardCharsets.UTF_8).trim()))
                .orElse(0L);
    }

    private void lead() {
        leader.set(1);
        startTerm();
    }

    private synchronized void startTerm() {
        if (!election.isLeader()) {
            return;
        }
        long from = readPublished(etcd);
        if (from == 0) {
            from = etcd.currentRevision().join();
            LOG.infof("change feed starts at revision %d", from);
        } else {
            LOG.infof("change feed resumes after revision %d", from);
        }
        Term t = new Term(from, election.leaderKey());
        term = t;
        t.begin();
    }

    private synchronized void stopLeading() {
        leader.set(0);
        Term t = term;
        term = null;
        if (t != null) {
            t.end();
        }
    }

    /** Restarts the term after a failure, from the recorded revision (at-least-once). */
    private void restart(Term failed, String why) {
        timer.schedule(() -> {
            synchronized (this) {
                if (term != failed) {
                    return;
                }
                LOG.warnf("change feed restarts: %s", why);
                failed.end();
                term = null;
            }
            startTerm();
        }, 1, TimeUnit.SECONDS);
    }

    /** One leadership term: an etcd watch, a producer, and the bookkeeping of acknowledged sends. */
    private final class Term {
        private final long from;
        private final LeaderKey leaderKey;
        private final KafkaProducer<String, byte[]> producer;
        /** Revisions seen but not yet fully acknowledged, with their outstanding send count. */
        private final TreeMap<Long, Integer> outstanding = new TreeMap<>();
        private long lastSeen;
        private long recorded;
        private AutoCloseable watch;
        private ScheduledFuture<?> progress;
        private volatile boolean failed;

        Term(long from, LeaderKey leaderKey) {
            this.from = from;
            this.leaderKey = leaderKey;
            this.lastSeen = from;
            this.recorded = from;
            this.producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                    ProducerConfig.LINGER_MS_CONFIG, 1,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                    ProducerConfig.CLIENT_ID_CONFIG, "capstan-feed-relay"),
                    new StringSerializer(), new ByteArraySerializer());
        }

        void begin() {
            published.set(from);
            watch = etcd.watch("/registry/", from, this::onEvents, this::onWatchError);
            progress = timer.scheduleWithFixedDelay(this::recordProgress, progressMillis, progressMillis, TimeUnit.MILLISECONDS);
        }

        private void onEvents(List<StoreEvent> events) {
            for (StoreEvent e : events) {
                if (failed) {
                    return;
                }
                ResourceType type = resourceOf(e.key());
                synchronized (this) {
                    lastSeen = Math.max(lastSeen, e.revision());
                    if (type == null || e.value() == null) {
                        continue;
                    }
                    outstanding.merge(e.revision(), 1, Integer::sum);
                }
                String topic = ChangeFeed.topic(type.group(), type.plural());
                // the record key from the storage key: no decoding
                StorageKeys.ObjectName name = StorageKeys.objectName(type.group(), type.plural(), e.key());
                String key = ChangeFeed.key(name.namespace(), name.name());
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key,
                        StoredJson.watchEvent(e.type().name(), e.value(), e.revision()));
                record.headers().add(ChangeFeed.REVISION_HEADER, String.valueOf(e.revision()).getBytes(StandardCharsets.UTF_8));
                long revision = e.revision();
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failed = true;
                        restart(this, "send to " + topic + " failed: " + error.getMessage());
                        return;
                    }
                    Counter.builder("capstan_feed_events_total").tag("topic", topic).register(meters).increment();
                    synchronized (this) {
                        outstanding.computeIfPresent(revision, (r, n) -> n == 1 ? null : n - 1);
                    }
                });
            }
        }

        private void onWatchError(StoreException e) {
            if (e instanceof StoreException.Expired) {
                // Only reachable if history was compacted past the published revision by hand:
                // the compactor never passes it. Resume from now, and say loudly that a gap exists.
                LOG.errorf("change feed: etcd history after revision %d was compacted; events up to now are missing from Kafka", from);
                etcd.putWhileHeld(PUBLISHED_KEY, String.valueOf(etcd.currentRevision().join()).getBytes(StandardCharsets.UTF_8),
                        leaderKey.getKey(), leaderKey.getRevision()).join();
            }
            failed = true;
            restart(this, "etcd watch failed: " + e.getMessage());
        }

        /** Records the highest revision up to which every send was acknowledged. */
        private void recordProgress() {
            long safe;
            synchronized (this) {
                safe = outstanding.isEmpty() ? lastSeen : outstanding.firstKey() - 1;
            }
            if (failed || safe <= recorded) {
                return;
            }
            try {
                boolean held = etcd.putWhileHeld(PUBLISHED_KEY, String.valueOf(safe).getBytes(StandardCharsets.UTF_8),
                        leaderKey.getKey(), leaderKey.getRevision()).get(10, TimeUnit.SECONDS);
                if (held) {
                    recorded = safe;
                    published.set(safe);
                } else {
                    failed = true;
                    LOG.warn("change feed: no longer the leader, stopping");
                }
            } catch (Exception ex) {
                LOG.debugf("change feed: recording progress failed: %s", ex.getMessage());
            }
        }

        void end() {
            failed = true;
            if (progress != null) {
                progress.cancel(false);
            }
            try {
                if (watch != null) {
                    watch.close();
                }
            } catch (Exception ignored) {
                // closing anyway
            }
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** The resource a storage key belongs to, or null for keys that are not objects (claims, feed state). */
    private ResourceType resourceOf(String key) {
        ResourceType best = null;
        int bestLength = 0;
        for (ResourceType t : registry.all()) {
            if (!t.servedInStorageVersion()) {
                continue;
            }
            String prefix = ResourceStore.prefix(t, null);
            if (key.startsWith(prefix) && prefix.length() > bestLength) {
                best = t;
                bestLength = prefix.length();
            }
        }
        return best;
    }

    @Override
    public void close() {
        election.close();
        timer.shutdownNow();
    }
}
