package io.capstan.scheduler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.Counter;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes the scheduler's core/v1 Events (Scheduled, FailedScheduling, Preempted) with the same
 * semantics as controller-runtime's EventRecorder (a repeat of the same type, reason and message
 * about the same object within 10 minutes bumps {@code count} and {@code lastTimestamp} of the
 * existing Event instead of creating one; a full queue drops events with a log line, since events
 * are diagnostics), but through the scheduler's own {@link ApiClient}: the scheduler writes one
 * Scheduled event per pod, hundreds per second, and the profile of the bench showed the fabric8
 * client's request path costing more CPU than the scheduling itself.
 *
 * <p>Thread-safe: {@link #event} may be called from any thread; {@code writers} threads write,
 * and the aggregation cache is guarded by its own monitor.
 */
public final class EventWriter implements AutoCloseable {
    public static final Duration AGGREGATION_WINDOW = Duration.ofMinutes(10);
    private static final Logger LOG = Logger.getLogger(EventWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CACHED = 4096;
    static final int QUEUE = 2000;

    private final ApiClient api;
    private final String component;
    private final String instance;
    private final ThreadPoolExecutor writers;
    private final Counter dropped;
    private volatile long lastDropLog;

    private record Key(String namespace, String uid, String name, String type, String reason, String message) {
    }

    private record Recorded(String eventName, int count, Instant lastSeen) {
    }

    // @GuardedBy("recent"); LRU so memory stays bounded
    private final Map<Key, Recorded> recent = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Recorded> eldest) {
            return size() > MAX_CACHED;
        }
    };

    /**
     * @param component {@code source.component} and {@code reportingComponent}: the profile's schedulerName
     * @param instance  {@code reportingInstance}: this replica's identity
     * @param dropped   counts the events dropped because the queue was full or the writer closed
     *                  ({@code capstan_scheduler_events_dropped_total}; shared by the writers of later terms)
     */
    public EventWriter(ApiClient api, String component, String instance, int writerThreads, Counter dropped) {
        this.api = api;
        this.dropped = dropped;
        this.component = component;
        this.instance = instance;
        AtomicInteger n = new AtomicInteger();
        this.writers = new ThreadPoolExecutor(writerThreads, writerThreads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "events-" + component + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Records an event about a namespaced object ({@code Normal} or {@code Warning}); never blocks. */
    public void event(HasMetadata involved, String type, String reason, String action, String message) {
        String namespace = involved.getMetadata().getNamespace();
        String name = involved.getMetadata().getName();
        if (writers.getQueue().remainingCapacity() == 0) {
            // full: drop without the cost of a RejectedExecutionException (thousands a second in a burst)
            drop(type, reason, namespace, name);
            return;
        }
        String uid = involved.getMetadata().getUid() == null ? "" : involved.getMetadata().getUid();
        String kind = involved.getKind() == null ? "Pod" : involved.getKind();
        String apiVersion = involved.getApiVersion() == null ? "v1" : involved.getApiVersion();
        String rv = involved.getMetadata().getResourceVersion();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try {
            writers.execute(() -> write(new Key(namespace, uid, name, type, reason, message), apiVersion, kind, rv, action, now));
        } catch (RejectedExecutionException e) {
            drop(type, reason, namespace, name);
        }
    }

    /** Events dropped so far because the queue was full or the writer closed. */
    public long dropped() {
        return (long) dropped.count();
    }

    private void drop(String type, String reason, String namespace, String name) {
        dropped.increment();
        long d = dropped();
        long t = System.nanoTime();
        if (t - lastDropLog > TimeUnit.SECONDS.toNanos(10)) {
            lastDropLog = t;
            LOG.warnf("events dropped (writer busy or closed): %d so far; latest %s %s %s/%s", d, type, reason, namespace, name);
        }
    }

    private void write(Key key, String apiVersion, String kind, String rv, String action, Instant now) {
        Recorded previous;
        synchronized (recent) {
            previous = recent.get(key);
        }
        String base = "/api/v1/namespaces/" + key.namespace() + "/events";
        try {
            if (previous != null && Duration.between(previous.lastSeen(), now).compareTo(AGGREGATION_WINDOW) <= 0) {
                int count = previous.count() + 1;
                ApiClient.Response r = api.patch(base + "/" + previous.eventName(), "application/merge-patch+json",
                        "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}");
                if (r.ok()) {
                    remember(key, new Recorded(previous.eventName(), count, now));
                    return;
                }
                if (r.status() != 404) {
                    LOG.warnf("cannot update event %s: %s", previous.eventName(), ApiPodActions.message(r));
                    return;
                }
                // the Event expired or was deleted: start a new series below
            }
            Instant exact = Instant.now();
            String eventName = key.name() + "." + Long.toHexString(exact.getEpochSecond() * 1_000_000_000L + exact.getNano());
            ObjectNode e = JSON.createObjectNode();
            e.put("apiVersion", "v1");
            e.put("kind", "Event");
            e.putObject("metadata").put("name", eventName).put("namespace", key.namespace());
            ObjectNode ref = e.putObject("involvedObject");
            ref.put("apiVersion", apiVersion).put("kind", kind).put("namespace", key.namespace()).put("name", key.name());
            if (!key.uid().isEmpty()) {
                ref.put("uid", key.uid());
            }
            if (rv != null) {
                ref.put("resourceVersion", rv);
            }
            e.put("type", key.type());
            e.put("reason", key.reason());
            e.put("message", key.message());
            e.put("action", action);
            e.putObject("source").put("component", component);
            e.put("reportingComponent", component);
            e.put("reportingInstance", instance);
            e.put("count", 1);
            e.put("firstTimestamp", now.toString());
            e.put("lastTimestamp", now.toString());
            ApiClient.Response r = api.post(base, e.toString());
            if (r.ok()) {
                remember(key, new Recorded(eventName, 1, now));
            } else {
                LOG.warnf("cannot write event %s %s about %s/%s: %s", key.type(), key.reason(), key.namespace(), key.name(),
                        ApiPodActions.message(r));
            }
        } catch (IOException ex) {
            LOG.warnf("cannot write event %s %s about %s/%s: %s", key.type(), key.reason(), key.namespace(), key.name(), ex.getMessage());
        }
    }

    private void remember(Key key, Recorded r) {
        synchronized (recent) {
            recent.put(key, r);
        }
    }

    /** Writes what is queued (waiting up to 10 s), then stops. */
    @Override
    public void close() {
        writers.shutdown();
        try {
            writers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
