package io.capstan.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A reconcile loop: informer event handlers enqueue {@link Request}s into a {@link WorkQueue};
 * {@code workers} threads take keys and call the {@link Reconciler}. The queue guarantees that
 * one key is never reconciled by two workers at once, and that a key changed several times
 * while waiting is reconciled once.
 *
 * <ul>
 *   <li>Primary objects enqueue their own key. Owned objects ({@link Builder#owns}) enqueue the
 *       key of their controller ownerReference if it points at the primary kind. Any other
 *       type can be mapped with {@link Builder#watches}.</li>
 *   <li>Outcomes: success forgets the key's backoff; {@code requeue} and exceptions retry with
 *       the rate limiter's per-key exponential backoff; {@code requeueAfter} re-adds after the
 *       delay.</li>
 *   <li>During a reconcile the MDC key {@code resource} holds {@code "Kind namespace/name"}, so
 *       every log line carries it. JBoss Logging's MDC is the log manager's MDC, which SLF4J
 *       shares under Quarkus.</li>
 *   <li>Metrics, tagged {@code controller}: {@code controller_runtime_reconcile_time_seconds},
 *       {@code controller_runtime_reconcile_errors_total},
 *       {@code controller_runtime_reconcile_total{result=success|error|requeue|requeue_after}},
 *       plus the queue's {@code workqueue_*} metrics tagged {@code name}.</li>
 * </ul>
 * Workers start reconciling only once every watched informer has synced, so a reconciler never
 * acts on a half-filled cache.
 *
 * <p>Thread-safety: {@link #enqueue} may be called from any thread; {@link #start()} and
 * {@link #close()} once each.
 */
public final class Controller implements AutoCloseable {
    public static final String MDC_RESOURCE = "resource";
    private static final Logger LOG = Logger.getLogger(Controller.class);

    private final String name;
    private final String kind;
    private final Reconciler reconciler;
    private final int workers;
    private final List<Informer<?>> sources;
    private final WorkQueue<Request> queue;
    private final List<Thread> threads = new ArrayList<>();
    private final Timer reconcileTime;
    private final Counter errors;
    private final Counter success;
    private final Counter errorResults;
    private final Counter requeues;
    private final Counter requeueAfters;
    private volatile boolean running;

    private Controller(Builder<?> b) {
        this.name = b.name;
        this.kind = HasMetadata.getKind(b.primary.type());
        this.reconciler = b.reconciler;
        this.workers = b.workers;
        this.sources = List.copyOf(b.sources);
        this.queue = new WorkQueue<>(b.name, b.registry, b.rateLimiter, System::nanoTime);
        this.reconcileTime = Timer.builder("controller_runtime_reconcile_time_seconds").tag("controller", name)
                .description("Length of time per reconciliation per controller")
                .publishPercentileHistogram().register(b.registry);
        this.errors = Counter.builder("controller_runtime_reconcile_errors_total").tag("controller", name)
                .description("Total number of reconciliation errors per controller").register(b.registry);
        this.success = total(b.registry, "success");
        this.errorResults = total(b.registry, "error");
        this.requeues = total(b.registry, "requeue");
        this.requeueAfters = total(b.registry, "requeue_after");
    }

    private Counter total(MeterRegistry registry, String result) {
        return Counter.builder("controller_runtime_reconcile_total").tag("controller", name).tag("result", result)
                .description("Total number of reconciliations per controller").register(registry);
    }

    /**
     * @param name       the controller name, used for threads, metrics and logs
     * @param primary    the informer of the reconciled type; its events enqueue their own key
     * @param reconciler the reconcile logic
     */
    public static <P extends HasMetadata> Builder<P> builder(String name, Informer<P> primary, Reconciler reconciler) {
        return new Builder<>(name, primary, reconciler);
    }

    public String name() {
        return name;
    }

    /** Asks for a reconcile of {@code request}; deduplicated with pending requests. */
    public void enqueue(Request request) {
        queue.add(request);
    }

    /** Asks for a reconcile of {@code request} after {@code delay}. */
    public void enqueueAfter(Request request, Duration delay) {
        queue.addAfter(request, delay);
    }

    /** The controller's queue, for tests and metrics. */
    public WorkQueue<Request> queue() {
        return queue;
    }

    /** Starts the workers; they begin once every source informer has synced. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "controller-" + name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void work() {
        try {
            for (Informer<?> source : sources) {
                while (running && !source.waitForSync(Duration.ofSeconds(1))) {
                    LOG.debugf("controller %s: waiting for %s to sync", name, source.topic());
                }
            }
            while (running) {
                Optional<Request> next = queue.get();
                if (next.isEmpty()) {
                    return;
                }
                process(next.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void process(Request request) {
        MDC.put(MDC_RESOURCE, kind + " " + request);
        long start = System.nanoTime();
        try {
            Result result = reconciler.reconcile(request);
            if (!result.delay().isZero()) {
                queue.forget(request);
                queue.addAfter(request, result.delay());
                requeueAfters.increment();
            } else if (result.requeueRequested()) {
                queue.addRateLimited(request);
                requeues.increment();
            } else {
                queue.forget(request);
                success.increment();
            }
        } catch (Exception e) {
            if (e instanceof KubernetesClientException kce && kce.getCode() == 409) {
                // A write based on a stale cache lost to a newer one: retry from the fresh state,
                // as a requeue, not an error (Kubernetes' controllers do the same).
                LOG.debugf("controller %s: conflict on %s %s, retrying: %s", name, kind, request, kce.getMessage());
                queue.addRateLimited(request);
                requeues.increment();
                return;
            }
            errors.increment();
            errorResults.increment();
            LOG.errorf(e, "controller %s: reconcile of %s %s failed (retry %d)", name, kind, request, queue.numRequeues(request) + 1);
            queue.addRateLimited(request);
        } finally {
            reconcileTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            MDC.remove(MDC_RESOURCE);
            queue.done(request);
        }
    }

    /** Stops taking keys, lets running reconciles finish (up to 30 s) and shuts the queue down. */
    @Override
    public void close() {
        List<Thread> toJoin;
        synchronized (this) {
            running = false;
            toJoin = List.copyOf(threads);
        }
        queue.shutdown();
        for (Thread t : toJoin) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The {@link Request} of the owner that {@code object}'s controller ownerReference points at, if it is of {@code ownerType}. */
    static Optional<Request> ownerRequest(HasMetadata object, Class<? extends HasMetadata> ownerType) {
        Optional<OwnerReference> ref = Indexers.controllerOf(object);
        if (ref.isEmpty() || !HasMetadata.getKind(ownerType).equals(ref.get().getKind())
                || !HasMetadata.getGroup(ownerType).equals(groupOf(ref.get().getApiVersion()))) {
            return Optional.empty();
        }
        // a namespaced owner lives in its dependent's namespace; a cluster-scoped one has none
        String namespace = Namespaced.class.isAssignableFrom(ownerType) ? object.getMetadata().getNamespace() : "";
        return Optional.of(new Request(namespace, ref.get().getName()));
    }

    private static String groupOf(String apiVersion) {
        if (apiVersion == null) {
            return "";
        }
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /** Builds a {@link Controller}; wires its event handlers into the informers on {@link #build()}. */
    public static final class Builder<P extends HasMetadata> {
        private final String name;
        private final Informer<P> primary;
        private final Reconciler reconciler;
        private final List<Informer<?>> sources = new ArrayList<>();
        private final List<Consumer<Controller>> wiring = new ArrayList<>();
        private int workers = 1;
        private MeterRegistry registry = new SimpleMeterRegistry();
        private RateLimiter<Request> rateLimiter = new ControllerRateLimiter<>();

        private Builder(String name, Informer<P> primary, Reconciler reconciler) {
            this.name = Objects.requireNonNull(name, "name");
            this.primary = Objects.requireNonNull(primary, "primary");
            this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
            sources.add(primary);
        }

        public Builder<P> workers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("workers must be at least 1");
            }
            this.workers = n;
            return this;
        }

        public Builder<P> meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry);
            return this;
        }

        public Builder<P> rateLimiter(RateLimiter<Request> rateLimiter) {
            this.rateLimiter = Objects.requireNonNull(rateLimiter);
            return this;
        }

        /** Objects of {@code owned}'s type whose controller ownerReference is a primary object enqueue that owner. */
        public <O extends HasMetadata> Builder<P> owns(Informer<O> owned) {
            Class<P> ownerType = primary.type();
            return watches(owned, o -> ownerRequest(o, ownerType).map(List::of).orElse(List.of()));
        }

        /** Objects of {@code other}'s type enqueue the requests {@code mapper} returns for them. */
        public <O extends HasMetadata> Builder<P> watches(Informer<O> other, Function<? super O, Collection<Request>> mapper) {
            sources.add(other);
            wiring.add(c -> other.addEventHandler(new EnqueueHandler<O>(mapper, c::enqueue)));
            return this;
        }

        public Controller build() {
            Controller controller = new Controller(this);
            primary.addEventHandler(new EnqueueHandler<P>(p -> List.of(Request.of(p)), controller::enqueue));
            wiring.forEach(w -> w.accept(controller));
            return controller;
        }
    }

    /** Event handler that only maps an object to requests and enqueues them. */
    private record EnqueueHandler<O>(Function<? super O, Collection<Request>> mapper, Consumer<Request> sink)
            implements ResourceEventHandler<O> {

        private void enqueue(O object) {
            mapper.apply(object).forEach(sink);
        }

        @Override
        public void onAdd(O object) {
            enqueue(object);
        }

        @Override
        public void onUpdate(O oldObject, O newObject) {
            // an ownerReference may have moved: both the old and the new owner must look
            enqueue(oldObject);
            enqueue(newObject);
        }

        @Override
        public void onDelete(O object) {
            enqueue(object);
        }
    }
}
