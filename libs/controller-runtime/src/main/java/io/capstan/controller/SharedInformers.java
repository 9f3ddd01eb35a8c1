package io.capstan.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link Informer} per resource type per process, so every controller of a role shares one
 * cache and one Kafka consumer per topic. Informers are created on first request, started
 * together by {@link #start()} (or at once if requested after it) and closed together.
 *
 * <p>Thread-safe: all methods synchronize on this object.
 */
public final class SharedInformers implements AutoCloseable {
    private final KubernetesClient client;
    private final Map<String, Object> kafkaConfig;
    private final Informer.Options options;
    // @GuardedBy("this")
    private final Map<Class<?>, Informer<?>> informers = new LinkedHashMap<>();
    // @GuardedBy("this")
    private boolean started;
    // @GuardedBy("this")
    private boolean dropManagedFields;

    public SharedInformers(KubernetesClient client, Map<String, Object> kafkaConfig, Informer.Options options) {
        this.client = client;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.options = options;
    }

    /**
     * The informer for {@code type}. Handlers and indexers may only be added to it before
     * {@link #start()}, so controllers should be built first.
     */
    @SuppressWarnings("unchecked")
    public synchronized <T extends HasMetadata> Informer<T> informerFor(Class<T> type) {
        return (Informer<T>) informers.computeIfAbsent(type, t -> {
            Informer<T> informer = new Informer<>(type, client, kafkaConfig, options);
            if (dropManagedFields) {
                informer.dropManagedFields();
            }
            if (started) {
                informer.start();
            }
            return informer;
        });
    }

    /** Every informer, made before or after, caches objects without managedFields ({@link Informer#dropManagedFields()}); only before {@link #start()}. */
    public synchronized SharedInformers dropManagedFields() {
        if (started) {
            throw new IllegalStateException("informers already started");
        }
        dropManagedFields = true;
        informers.values().forEach(Informer::dropManagedFields);
        return this;
    }

    public synchronized void start() {
        started = true;
        informers.values().forEach(Informer::start);
    }

    /** Waits until every informer has synced; false if {@code timeout} passed first. */
    public boolean waitForSync(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Informer<?>> all;
        synchronized (this) {
            all = new ArrayList<>(informers.values());
        }
        for (Informer<?> informer : all) {
            long left = deadline - System.nanoTime();
            if (!informer.waitForSync(Duration.ofNanos(Math.max(0, left)))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        informers.values().forEach(Informer::close);
    }
}
