package io.capstan.controller;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.feed.ChangeFeed;
import io.capstan.api.selector.FieldSelector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Keeps a local, indexed copy of one resource type, fed by the Kafka change feed
 * (see {@code libs/controller-runtime/DESIGN.md} and {@code ChangeFeed}).
 *
 * <p>{@link #start()} starts a feed thread that
 * <ol>
 *   <li>remembers the end offsets of every partition of the resource's topic,</li>
 *   <li>LISTs the resource from the api-server (paged) and fills the cache; the list's
 *       resourceVersion becomes the <em>floor</em>: every change up to it is in the cache,</li>
 *   <li>consumes the topic from the remembered offsets (assigned partitions, no consumer group),
 *       applying an event only if its resourceVersion is newer than the floor and than what the
 *       cache holds for that key, so replays and at-least-once duplicates are dropped;
 *       DELETED events leave a tombstone so a replayed older event cannot resurrect the object;</li>
 *   <li>relists every {@link Options#resyncPeriod()} to heal anything the feed missed, and
 *       re-delivers every object to the handlers as an update so controllers re-check them.</li>
 * </ol>
 * {@link #catchUp} waits until the cache holds everything the topic held when it was called: the
 * feed relay publishes in etcd revision order, so an object written before another one that a
 * caller has already seen on another topic is then in the cache (a pod's agent reading the
 * Services created before the pod).
 * If the topic does not exist yet (nothing was ever written), the informer syncs from the LIST
 * alone and assigns the topic from its beginning once it appears. Any failure (api-server or
 * Kafka down, offsets lost to retention) restarts the cycle after a backoff; the relist then
 * reconciles the cache and reports the differences to the handlers.
 *
 * <p>Thread-safety: {@link #store()} may be read from any thread. Indexers and handlers must be
 * added before {@link #start()}. Handlers run on one dispatch thread per informer, in cache order.
 * The Kafka consumer and all cache writes belong to the feed thread.
 */
public final class Informer<T extends HasMetadata> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Informer.class);
    // A poll returns as soon as records arrive, so a longer one adds no latency; it only saves the
    // idle loop's CPU (a process with twenty informers polled a hundred times a second at 200 ms).
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration TOPIC_CHECK = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /**
     * @param namespace     the namespace to cache, or null for all namespaces
     * @param resyncPeriod  how often to relist from the api-server
     * @param pageSize      the LIST page size ({@code limit})
     * @param fieldSelector a field selector for the LIST ({@code spec.nodeName=n1}), or null; feed
     *                      events are matched against it too, unless {@code filter} is given
     * @param filter        which feed objects (the event's {@code object} as JSON, before it is
     *                      converted) belong in the cache, or null for all; a cached object that
     *                      stops matching is removed as if deleted
     */
    public record Options(String namespace, Duration resyncPeriod, int pageSize, String fieldSelector,
                          Predicate<JsonNode> filter) {
        public static final Duration DEFAULT_RESYNC = Duration.ofMinutes(10);
        public static final int DEFAULT_PAGE_SIZE = 500;

        public Options {
            Objects.requireNonNull(resyncPeriod, "resyncPeriod");
            if (resyncPeriod.isNegative() || resyncPeriod.isZero() || pageSize < 1) {
                throw new IllegalArgumentException("resyncPeriod and pageSize must be positive");
            }
        }

        public Options(String namespace, Duration resyncPeriod, int pageSize) {
            this(namespace, resyncPeriod, pageSize, null, null);
        }

        public static Options defaults() {
            return new Options(null, DEFAULT_RESYNC, DEFAULT_PAGE_SIZE);
        }

        public Options withNamespace(String ns) {
            return new Options(ns, resyncPeriod, pageSize, fieldSelector, filter);
        }

        public Options withResyncPeriod(Duration period) {
            return new Options(namespace, period, pageSize, fieldSelector, filter);
        }

        /**
         * Caches only objects matching {@code selector} (e.g. a node-agent's own pods with
         * {@code spec.nodeName=<node>}): the LIST asks the api-server for them, and feed events
         * are matched with the same selector.
         */
        public Options withFieldSelector(String selector) {
            return new Options(namespace, resyncPeriod, pageSize, selector, filter);
        }

        /**
         * Caches only feed objects {@code predicate} accepts, for what a field selector cannot
         * say (a node name in a set). Combine with {@link #withFieldSelector} to narrow the LIST;
         * the predicate is then what decides for feed events.
         */
        public Options withFilter(Predicate<JsonNode> predicate) {
            return new Options(namespace, resyncPeriod, pageSize, fieldSelector, predicate);
        }
    }

    private final Class<T> type;
    private final String topic;
    private final KubernetesClient client;
    private final KubernetesSerialization serialization;
    private final ObjectMapper json = new ObjectMapper();
    /**
     * Decodes feed objects straight into {@code T} (no tree, see {@link #decode}): a copy of the
     * client's mapper when {@link ApiClients} made the client and a feed object's text can prove
     * it belongs ({@link #surelyBelongs}: always, without a filter or selector), else null and
     * feed objects go through a tree.
     */
    private final ObjectMapper models;
    private volatile ObjectMapper modelsWithoutManagedFields;
    private final Map<String, Object> kafkaConfig;
    private final Options options;
    private final List<ResourceEventHandler<? super T>> handlers = new CopyOnWriteArrayList<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final ExecutorService dispatcher;

    private final Cache<T> cache = new Cache<>();
    // which feed objects belong in the cache: Options.filter, else the field selector, else all
    private final Predicate<JsonNode> belongs;
    // what a feed event's text must contain to belong (the field selector's plain equality values)
    private final List<String> requiredLiterals;
    // what a feed event's text must not contain to surely belong: none without a filter or selector,
    // the field selector's inequalities, or null when the text cannot tell
    private final List<String> excludedLiterals;
    private volatile boolean dropManagedFields;
    private volatile boolean running;
    private volatile Thread feedThread;
    private volatile KafkaConsumer<String, String> consumer;
    // true while the feed thread is in its poll loop, where a wakeup only ends the current poll
    private volatile boolean following;
    // catchUp calls not yet taken up by the feed thread (which an unpark wakes while it waits for a topic)
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> catchUpRequests = new ConcurrentLinkedQueue<>();

    // Owned by the feed thread: the list resourceVersion below which every change is cached,
    // and the delete revisions of recently deleted keys (pruned when the floor passes them).
    private long floor;
    private final Map<String, Long> tombstones = new HashMap<>();

    /**
     * @param kafkaConfig consumer settings, at least {@code bootstrap.servers}; deserializers,
     *                    offset handling and auto-commit are set by the informer
     */
    public Informer(Class<T> type, KubernetesClient client, Map<String, Object> kafkaConfig, Options options) {
        this.type = Objects.requireNonNull(type, "type");
        this.topic = FeedTopics.topicOf(type);
        this.client = Objects.requireNonNull(client, "client");
        this.serialization = client.getKubernetesSerialization();
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.options = Objects.requireNonNull(options, "options");
        FieldSelector selector = options.filter() == null && options.fieldSelector() != null && !options.fieldSelector().isBlank()
                ? FieldSelector.parse(options.fieldSelector(), HasMetadata.getKind(type)) : null;
        this.belongs = options.filter() != null ? options.filter() : selector != null ? selector::matches : object -> true;
        this.requiredLiterals = selector != null ? selector.requiredLiterals() : List.of();
        this.excludedLiterals = options.filter() != null ? null : selector != null ? selector.excludedLiterals() : List.of();
        this.models = excludedLiterals != null && serialization instanceof ApiClients.Serialization own ? own.mapper().copy() : null;
        cache.addIndex(Indexers.OWNER_UID, Indexers.ownerUid());
        if (type == Pod.class) {
            @SuppressWarnings("unchecked")
            IndexFunction<? super T> byNode = (IndexFunction<? super T>) (IndexFunction<?>) Indexers.nodeName();
            cache.addIndex(Indexers.NODE_NAME, byNode);
        }
        this.dispatcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "informer-" + topic + "-dispatch");
            t.setDaemon(true);
            return t;
        });
    }

    @JsonIgnoreProperties({"managedFields"})
    private abstract static class WithoutManagedFields {
    }

    public Class<T> type() {
        return type;
    }

    public String topic() {
        return topic;
    }

    /** Adds a custom index; only before {@link #start()}. */
    public synchronized Informer<T> addIndexer(String name, IndexFunction<? super T> function) {
        requireNotStarted();
        cache.addIndex(name, function);
        return this;
    }

    /**
     * Caches objects without {@code metadata.managedFields}, as kube-controller-manager's
     * informers do: controllers never read them, and they are up to half of a cached pod's memory
     * and of its conversion time. Writes of cached objects then carry no managedFields, which the
     * api-server answers by keeping the stored ones. Only before {@link #start()}.
     */
    public synchronized Informer<T> dropManagedFields() {
        requireNotStarted();
        dropManagedFields = true;
        if (models != null) {
            modelsWithoutManagedFields = models.copy().addMixIn(ObjectMeta.class, WithoutManagedFields.class);
        }
        return this;
    }

    /** Adds a handler; only before {@link #start()}, so every handler sees every object. */
    public synchronized Informer<T> addEventHandler(ResourceEventHandler<? super T> handler) {
        requireNotStarted();
        handlers.add(handler);
        return this;
    }

    private void requireNotStarted() {
        if (feedThread != null) {
            throw new IllegalStateException("informer for " + topic + " already started");
        }
    }

    public Store<T> store() {
        return cache;
    }

    public synchronized void start() {
        if (feedThread != null) {
            return;
        }
        running = true;
        Thread t = new Thread(this::run, "informer-" + topic);
        t.setDaemon(true);
        feedThread = t;
        t.start();
    }

    /** True once the first LIST is in the cache. */
    public boolean hasSynced() {
        return synced.getCount() == 0;
    }

    public boolean waitForSync(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Waits until the cache has applied every feed record that was in the topic when this was
     * called (read-your-writes across topics: the relay publishes in etcd revision order). Calls
     * made at the same time share one look at the topic's end offsets. Includes the first sync.
     *
     * @return false if that did not happen within {@code timeout} (Kafka down, informer stopped);
     * the cache is then only as fresh as the feed made it
     */
    public boolean catchUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!waitForSync(timeout)) {
            return false;
        }
        CompletableFuture<Void> request = new CompletableFuture<>();
        catchUpRequests.add(request);
        wakeFeedThread();
        KafkaConsumer<String, String> c = consumer;
        if (following && c != null) {
            c.wakeup();
        }
        try {
            request.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            request.cancel(false);
            return false;
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = feedThread;
        }
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        wakeFeedThread();
        if (t != null) {
            try {
                // The wakeup ends a poll; the feed thread then closes its consumer itself. An
                // interrupt is only for a thread stuck elsewhere (a LIST, a backoff sleep): one
                // that lands while the consumer closes makes Kafka log "Failed to close fetcher".
                t.join(TimeUnit.SECONDS.toMillis(2));
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(TimeUnit.SECONDS.toMillis(8));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dispatcher.shutdown();
    }

    private void run() {
        Duration backoff = Duration.ofMillis(500);
        while (running) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerConfig())) {
                consumer = c;
                follow(c);
            } catch (WakeupException stray) {
                if (!running) {
                    return;
                }
                // a catchUp's wakeup that landed just outside the poll loop: begin the cycle again
                continue;
            } catch (InterruptedException stopping) {
                if (!running) {
                    return;
                }
                LOG.warnf("informer %s: interrupted while running, restarting", topic);
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf(e, "informer %s: %s; relisting in %s", topic, e.getMessage(), backoff);
            } finally {
                consumer = null;
            }
            if (!running || !sleep(backoff)) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        // positions come from the end offsets taken before the LIST, never from a group
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // losing our position to retention must trigger a relist, not silently skip data
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        // the feed relay owns topic creation and its partition count
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        // no client metrics pushed to the broker (KIP-714): Capstan's broker collects none, and the
        // reporter's classes (a shaded protobuf among them) would sit in every role's metaspace
        config.putIfAbsent(ConsumerConfig.ENABLE_METRICS_PUSH_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "informer-" + topic + "-" + Long.toHexString(System.nanoTime()));
        return config;
    }

    /** One cycle: offsets, LIST, then the feed until stopped or a failure ends the cycle. */
    private void follow(KafkaConsumer<String, String> c) throws InterruptedException {
        List<TopicPartition> partitions = partitions(c);
        Map<TopicPartition, Long> start = partitions.isEmpty() ? Map.of() : c.endOffsets(partitions);
        relist();
        c.assign(partitions);
        start.forEach(c::seek);
        synced.countDown();
        long nextResync = System.nanoTime() + options.resyncPeriod().toNanos();
        long nextTopicCheck = System.nanoTime();
        // the catch-up requests being served, and the end offsets they wait for
        List<CompletableFuture<Void>> catchingUp = new ArrayList<>();
        Map<TopicPartition, Long> catchUpTo = null;
        following = true;
        try {
            while (running) {
                try {
                    // (requests taken whose end offsets a wakeup interrupted are served again)
                    if (catchUpTo == null && (!catchingUp.isEmpty() || !catchUpRequests.isEmpty())) {
                        if (c.assignment().isEmpty()) {
                            assignNewPartitions(c);
                        }
                        takeRequests(catchingUp);
                        catchUpTo = c.assignment().isEmpty() ? Map.of() : c.endOffsets(c.assignment());
                    }
                    if (catchUpTo != null && caughtUp(c, catchUpTo)) {
                        catchingUp.forEach(r -> r.complete(null));
                        catchingUp.clear();
                        catchUpTo = null;
                        continue;
                    }
                    if (c.assignment().isEmpty()) {
                        if (System.nanoTime() >= nextTopicCheck) {
                            assignNewPartitions(c);
                            nextTopicCheck = System.nanoTime() + TOPIC_CHECK.toNanos();
                        }
                        if (c.assignment().isEmpty()) {
                            // a poll's worth of waiting for the topic, ended early by catchUp or close
                            LockSupport.parkNanos(this, POLL.toNanos());
                            if (Thread.currentThread().isInterrupted()) {
                                throw new InterruptedException();
                            }
                        }
                    } else {
                        for (ConsumerRecord<String, String> record : c.poll(POLL)) {
                            apply(record.key(), record.value());
                        }
                    }
                    if (System.nanoTime() >= nextResync) {
                        nextResync = System.nanoTime() + options.resyncPeriod().toNanos();
                        relist();
                        assignNewPartitions(c);
                    }
                } catch (WakeupException e) {
                    if (!running) {
                        throw e;
                    }
                    // a catchUp call ended a poll (or the consumer call after it): serve it
                }
            }
        } finally {
            following = false;
            // a request being served goes back to the queue for the next cycle
            catchingUp.forEach(catchUpRequests::add);
        }
    }

    /** Ends the feed thread's wait for its topic to appear (a poll is ended by the consumer's wakeup). */
    private void wakeFeedThread() {
        Thread t = feedThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void takeRequests(List<CompletableFuture<Void>> into) {
        for (CompletableFuture<Void> r; (r = catchUpRequests.poll()) != null; ) {
            if (!r.isDone()) {
                into.add(r);
            }
        }
    }

    /** Whether the consumer's position has reached {@code ends} on every partition. */
    private static boolean caughtUp(KafkaConsumer<String, String> c, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (c.assignment().contains(end.getKey()) && c.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, String> c) {
        List<PartitionInfo> infos = c.partitionsFor(topic);
        List<TopicPartition> result = new ArrayList<>();
        if (infos != null) {
            infos.forEach(p -> result.add(new TopicPartition(p.topic(), p.partition())));
        }
        return result;
    }

    /** Partitions that appeared after we assigned hold only newer events: read them from the start. */
    private void assignNewPartitions(KafkaConsumer<String, String> c) {
        Set<TopicPartition> current = c.assignment();
        List<TopicPartition> all = partitions(c);
        List<TopicPartition> added = all.stream().filter(p -> !current.contains(p)).toList();
        if (added.isEmpty()) {
            return;
        }
        c.assign(all);
        c.seekToBeginning(added);
        LOG.debugf("informer %s: following new partitions %s", topic, added);
    }

    private void relist() {
        ListOptions listOptions = new ListOptionsBuilder().withLimit((long) options.pageSize())
                .withFieldSelector(options.fieldSelector()).build();
        List<T> items = new ArrayList<>();
        String listVersion = null;
        do {
            KubernetesResourceList<T> page = options.namespace() == null
                    ? client.resources(type).inAnyNamespace().list(listOptions)
                    : client.resources(type).inNamespace(options.namespace()).list(listOptions);
            if (listVersion == null) {
                // a paged list is one snapshot at the first page's revision
                listVersion = page.getMetadata().getResourceVersion();
            }
            for (T item : page.getItems()) {
                if (dropManagedFields) {
                    item.getMetadata().setManagedFields(null);
                }
                if (options.filter() == null || options.filter().test(serialization.convertValue(item, JsonNode.class))) {
                    items.add(item);
                }
            }
            listOptions.setContinue(page.getMetadata().getContinue());
        } while (listOptions.getContinue() != null && !listOptions.getContinue().isEmpty());
        long listRevision = revision(listVersion);

        Set<String> listed = new HashSet<>();
        for (T item : items) {
            String key = Cache.keyOf(item);
            listed.add(key);
            T cached = cache.getByKey(key).orElse(null);
            if (cached != null && revisionOf(cached) > revisionOf(item)) {
                continue;
            }
            tombstones.remove(key);
            cache.put(item);
            if (cached == null) {
                dispatch(h -> h.onAdd(item));
            } else {
                dispatch(h -> h.onUpdate(cached, item));
            }
        }
        for (String key : cache.keys()) {
            if (!listed.contains(key)) {
                T cached = cache.getByKey(key).orElse(null);
                if (cached != null && revisionOf(cached) <= listRevision) {
                    cache.remove(key);
                    dispatch(h -> h.onDelete(cached));
                }
            }
        }
        floor = Math.max(floor, listRevision);
        tombstones.values().removeIf(rv -> rv <= floor);
        LOG.debugf("informer %s: listed %d objects at revision %d", topic, items.size(), listRevision);
    }

    /**
     * As {@link #apply(String)}, but an event of a field-selected informer whose text lacks a value
     * the selector requires ({@link FieldSelector#requiredLiterals}), for a key the cache does not
     * hold, is skipped unparsed: it could neither enter the cache nor leave it. A node-agent reads
     * every pod of the cluster from the feed and keeps only its own.
     */
    void apply(String key, String value) {
        if (key != null && !requiredLiterals.isEmpty() && cache.getByKey(key).isEmpty()) {
            for (String literal : requiredLiterals) {
                if (!value.contains(literal)) {
                    return;
                }
            }
        }
        apply(value);
    }

    /** Applies one feed event if it is newer than what the cache knows about its key. */
    void apply(String value) {
        T object;
        String eventType;
        try {
            Decoded<T> decoded = models != null && surelyBelongs(value) ? decode(value) : decodeFiltered(value);
            if (decoded == null) {
                return;
            }
            object = decoded.object();
            eventType = decoded.type();
        } catch (Exception e) {
            LOG.warnf("informer %s: unreadable event skipped (resync heals): %s", topic, e.getMessage());
            return;
        }
        if (object.getMetadata() == null || object.getMetadata().getName() == null) {
            return;
        }
        long revision = revisionOf(object);
        String key = Cache.keyOf(object);
        T cached = cache.getByKey(key).orElse(null);
        long known = cached != null ? revisionOf(cached) : tombstones.getOrDefault(key, 0L);
        if (revision <= floor || revision <= known) {
            return;
        }
        switch (eventType) {
            case "ADDED", "MODIFIED" -> {
                tombstones.remove(key);
                cache.put(object);
                if (cached == null) {
                    dispatch(h -> h.onAdd(object));
                } else {
                    dispatch(h -> h.onUpdate(cached, object));
                }
            }
            case "DELETED" -> {
                tombstones.put(key, revision);
                if (cached != null) {
                    cache.remove(key);
                    dispatch(h -> h.onDelete(object));
                }
            }
            default -> LOG.debugf("informer %s: ignored %s event", topic, eventType);
        }
    }

    private record Decoded<T>(String type, T object) {
    }

    /**
     * True when the event's text has none of the values the field selector excludes, so its
     * object matches and can be decoded straight ({@link #decode}); false means "test it". The
     * scheduler's non-terminal pods are nearly every pod, each read once through a tree before.
     * Called only when {@link #models} exists, so {@link #excludedLiterals} is not null.
     */
    private boolean surelyBelongs(String value) {
        for (String literal : excludedLiterals) {
            if (value.contains(literal)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads a feed event ({@code {"type":...,"object":{...}}}) in one pass, the object straight
     * into {@code T} without building a tree first (and without its managedFields when they are
     * dropped), for the informers that keep every object. Null when the event is not for this
     * informer's namespace or has no object.
     */
    private Decoded<T> decode(String value) throws IOException {
        ObjectMapper mapper = dropManagedFields ? modelsWithoutManagedFields : models;
        String eventType = null;
        T object = null;
        try (JsonParser p = mapper.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("a feed event is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                if ("type".equals(field)) {
                    eventType = p.getValueAsString();
                } else if ("object".equals(field) && token == JsonToken.START_OBJECT) {
                    object = mapper.readValue(p, type);
                } else {
                    p.skipChildren();
                }
            }
        }
        if (object == null) {
            LOG.warnf("informer %s: event without object, skipped", topic);
            return null;
        }
        if (options.namespace() != null && object.getMetadata() != null
                && !options.namespace().equals(object.getMetadata().getNamespace())) {
            return null;
        }
        return new Decoded<>(eventType == null ? "" : eventType, object);
    }

    /**
     * As {@link #decode}, through a tree that the informer's filter (or field selector) tests
     * before the conversion (most feed objects of a filtered informer are not its own). An object
     * the cache holds that no longer matches comes back as DELETED.
     */
    private Decoded<T> decodeFiltered(String value) throws IOException {
        JsonNode event = json.readTree(value);
        JsonNode node = event.get("object");
        if (node == null || !node.isObject()) {
            LOG.warnf("informer %s: event without object, skipped", topic);
            return null;
        }
        JsonNode meta = node.path("metadata");
        if (options.namespace() != null && !options.namespace().equals(meta.path("namespace").asText(null))) {
            return null;
        }
        if (dropManagedFields && meta instanceof ObjectNode m) {
            m.remove("managedFields");
        }
        if (belongs.test(node)) {
            return new Decoded<>(event.path("type").asText(), serialization.convertValue(node, type));
        }
        if (cache.getByKey(ChangeFeed.key(meta.path("namespace").asText(""), meta.path("name").asText())).isPresent()) {
            return new Decoded<>("DELETED", serialization.convertValue(node, type));
        }
        return null;
    }

    private void dispatch(Consumer<ResourceEventHandler<? super T>> call) {
        if (handlers.isEmpty()) {
            return;
        }
        dispatcher.execute(() -> {
            for (ResourceEventHandler<? super T> h : handlers) {
                try {
                    call.accept(h);
                } catch (RuntimeException e) {
                    // one broken handler must not starve the others or kill the dispatch thread
                    LOG.errorf(e, "informer %s: event handler failed", topic);
                }
            }
        });
    }

    static long revisionOf(HasMetadata object) {
        return revision(object.getMetadata().getResourceVersion());
    }

    /** resourceVersions are etcd revisions; compared as numbers, unparseable ones count as 0. */
    static long revision(String resourceVersion) {
        if (resourceVersion == null || resourceVersion.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(resourceVersion);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private boolean sleep(Duration d) {
        try {
            Thread.sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
