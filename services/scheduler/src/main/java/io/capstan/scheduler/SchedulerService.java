package io.capstan.scheduler;

import io.capstan.controller.ApiClients;
import io.capstan.controller.Informer;
import io.capstan.controller.SharedInformers;
import io.capstan.scheduler.api.ApiClient;
import io.capstan.scheduler.api.ApiPodActions;
import io.capstan.scheduler.api.EventWriter;
import io.capstan.scheduler.cache.SchedulerCache;
import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.Registry;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.plugins.DefaultPlugins;
import io.capstan.scheduler.queue.QueuedPodInfo;
import io.capstan.scheduler.queue.SchedulingQueue;
import io.capstan.store.LeaderElector;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scheduler process: campaigns for leadership in etcd and, while leading, runs one
 * {@link Term}: informers for pods, nodes and namespaces, the cache, the queue, one framework per
 * profile and the scheduling loop. Each term starts from nothing (a new leader trusts no cache or
 * assumption of an earlier term) and is torn down before leadership could pass to another
 * candidate.
 */
@ApplicationScoped
public class SchedulerService {
    public static final String ELECTION = "/capstan/elections/scheduler";
    public static final String DEFAULT_PROFILE = "default-scheduler";
    private static final Logger LOG = Logger.getLogger(SchedulerService.class);
    private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(2);

    @Inject
    SchedulerConfig config;

    @Inject
    MeterRegistry registry;

    private KubernetesClient client;
    private Client etcd;
    private LeaderElector elector;
    // only the elector's thread starts and stops terms
    private volatile Term term;

    void onStart(@Observes StartupEvent event) {
        client = ApiClients.create(config.apiServerUrl());
        etcd = Client.builder().endpoints(config.etcdEndpoints().split(",")).build();
        elector = new LeaderElector(etcd, ELECTION, config.identity().orElseGet(SchedulerService::defaultIdentity), config.leaseTtl());
        LOG.infof("scheduler %s: profiles %s, api-server %s, kafka %s; campaigning for leadership", elector.identity(),
                profileNames(), config.apiServerUrl(), config.kafkaBootstrapServers());
        elector.runWhenLeader(this::lead, this::stopLeading);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (elector != null) {
            elector.close();
        }
        if (client != null) {
            client.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    public boolean leading() {
        return elector != null && elector.isLeader();
    }

    /** True once this leader's informers synced and its loop runs. */
    public boolean scheduling() {
        Term t = term;
        return t != null && t.started;
    }

    public String identity() {
        return elector == null ? "" : elector.identity();
    }

    private Set<String> profileNames() {
        return config.profiles().isEmpty() ? Set.of(DEFAULT_PROFILE) : config.profiles().keySet();
    }

    /**
     * The pods the scheduler caches: not Succeeded or Failed (they hold no resources; a pod that
     * finishes leaves the cache as if deleted), as kube-scheduler's informer selects them.
     */
    static final String NON_TERMINAL_PODS = "status.phase!=Succeeded,status.phase!=Failed";

    /** One leadership term's informers, cache, queue, profiles and loop. */
    private final class Term {
        final SharedInformers informers;
        final Informer<Pod> pods;
        final List<EventWriter> recorders = new ArrayList<>();
        final ApiClient api;
        final SchedulerMetrics metrics;
        final Scheduler scheduler;
        final Thread starter;
        volatile boolean started;
        volatile boolean closed;

        Term() {
            Map<String, Object> kafkaConfig = Map.of("bootstrap.servers", config.kafkaBootstrapServers());
            Informer.Options options = Informer.Options.defaults().withResyncPeriod(config.resyncPeriod());
            // managedFields are a third of a pod's bytes and nothing here reads them
            informers = new SharedInformers(client, kafkaConfig, options).dropManagedFields();
            pods = new Informer<>(Pod.class, client, kafkaConfig, options.withFieldSelector(NON_TERMINAL_PODS)).dropManagedFields();
            Informer<Node> nodes = informers.informerFor(Node.class);
            Informer<Namespace> namespaces = informers.informerFor(Namespace.class);
            api = new ApiClient(config.apiServerUrl(), config.bindConcurrency() + 8, Duration.ofSeconds(30));
            SchedulerCache cache = new SchedulerCache(config.assumedPodTtl());
            Map<String, Framework> frameworks = new LinkedHashMap<>();
            // the metrics observe the queue, and the queue reports to the metrics
            SchedulingQueue[] queueRef = new SchedulingQueue[1];
            metrics = new SchedulerMetrics(registry, () -> queueRef[0].pending());
            SchedulingQueue queue = new SchedulingQueue(config.podInitialBackoff(), config.podMaxBackoff(),
                    config.podMaxInUnschedulablePodsDuration(), (q, event) -> helps(frameworks, q, event), metrics, System::nanoTime);
            queueRef[0] = queue;
            Snapshot snapshot = new Snapshot();
            snapshot.namespaceLabels(ns -> namespaces.store().get(null, ns)
                    .map(n -> n.getMetadata().getLabels() == null ? Map.<String, String>of() : n.getMetadata().getLabels())
                    .orElse(Map.of()));
            Map<String, Scheduler.Profile> profiles = new LinkedHashMap<>();
            Registry pluginRegistry = DefaultPlugins.registry();
            for (String name : profileNames()) {
                EventWriter recorder = new EventWriter(api, name, identity(), 2, Counter.builder("capstan_scheduler_events_dropped")
                        .description("Events the scheduler did not write because its queue of events to write was full")
                        .tag("profile", name).register(registry));
                recorders.add(recorder);
                ApiPodActions actions = new ApiPodActions(api, recorder, name);
                Framework fw = buildFramework(name, pluginRegistry, snapshot, queue, actions);
                frameworks.put(name, fw);
                profiles.put(name, new Scheduler.Profile(fw, actions));
            }
            ClusterEventHandlers handlers = new ClusterEventHandlers(cache, queue, profiles.keySet());
            pods.addEventHandler(handlers.pods());
            nodes.addEventHandler(handlers.nodes());
            scheduler = new Scheduler(cache, queue, profiles, snapshot, metrics, key -> pods.store().getByKey(key).orElse(null),
                    config.percentageOfNodesToScore(), config.bindConcurrency());
            starter = new Thread(this::startWhenSynced, "scheduler-start");
            starter.setDaemon(true);
        }

        void start() {
            informers.start();
            pods.start();
            starter.start();
        }

        /** WaitForCacheSync, then the loop; bounded, and given up when the term ends. */
        private void startWhenSynced() {
            long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
            try {
                while (!closed && !(informers.waitForSync(Duration.ofSeconds(1)) && pods.waitForSync(Duration.ofSeconds(1)))) {
                    if (System.nanoTime() > deadline) {
                        LOG.warnf("scheduler %s: informers not synced after %s; scheduling with what they have", identity(), SYNC_TIMEOUT);
                        break;
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (!closed) {
                    scheduler.start();
                    started = true;
                    LOG.infof("scheduler %s: caches synced, scheduling", identity());
                }
            }
        }

        void close() {
            synchronized (this) {
                closed = true;
            }
            starter.interrupt();
            scheduler.close();
            pods.close();
            informers.close();
            recorders.forEach(EventWriter::close);
            api.close();
            metrics.close();
        }
    }

    private Framework buildFramework(String name, Registry pluginRegistry, Snapshot snapshot, SchedulingQueue queue, ApiPodActions actions) {
        SchedulerConfig.Profile p = config.profiles().get(name);
        List<String> plugins = new ArrayList<>(p != null && p.plugins().isPresent() ? p.plugins().get() : DefaultPlugins.DEFAULT_PROFILE);
        Map<String, Integer> weights = new LinkedHashMap<>(DefaultPlugins.DEFAULT_WEIGHTS);
        int percentage = 0;
        if (p != null) {
            p.disabled().ifPresent(plugins::removeAll);
            weights.putAll(p.weights());
            percentage = p.percentageOfNodesToScore();
        }
        return Framework.builder(name, pluginRegistry).plugins(plugins).weights(weights).percentageOfNodesToScore(percentage)
                .snapshot(() -> snapshot).nominations(queue.nominator()::forNode).actions(actions).build();
    }

    /** Whether {@code event} may help a pod: some plugin that rejected it registered for the event (or none rejected it). */
    static boolean helps(Map<String, Framework> frameworks, QueuedPodInfo q, ClusterEvent event) {
        Set<String> plugins = q.unschedulablePlugins();
        if (plugins.isEmpty()) {
            return true;
        }
        Framework fw = frameworks.get(q.pod().schedulerName());
        if (fw == null) {
            return true;
        }
        Set<String> seen = new HashSet<>();
        for (String plugin : plugins) {
            if (seen.add(plugin)) {
                Set<ClusterEvent> events = fw.pluginEvents().get(plugin);
                if (events == null || events.contains(event)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void lead() {
        LOG.infof("scheduler %s: leading; starting informers", elector.identity());
        Term t = new Term();
        term = t;
        t.start();
    }

    private void stopLeading() {
        LOG.infof("scheduler %s: no longer leading; stopping", elector.identity());
        Term t = term;
        term = null;
        if (t != null) {
            t.close();
        }
    }

    private static String defaultIdentity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "_" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
