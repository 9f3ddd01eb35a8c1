package io.capstan.mesh;

import io.capstan.controller.ApiClients;
import io.capstan.controller.Informer;
import io.capstan.controller.ResourceEventHandler;
import io.capstan.controller.SharedInformers;
import io.capstan.mesh.translate.ClusterState;
import io.capstan.mesh.translate.MeshResources;
import io.capstan.mesh.translate.XdsTranslator;
import io.capstan.mesh.xds.Debouncer;
import io.capstan.mesh.xds.XdsServer;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The mesh control plane process: informers on Services, EndpointSlices, Nodes and
 * DestinationRules (the Kafka change feed, through libs/controller-runtime); every change goes
 * to the {@link Debouncer}, whose rebuild translates the cached state ({@link XdsTranslator})
 * and publishes each group's snapshot; the {@link XdsServer} serves them over ADS. The rebuild
 * runs on its own thread, never on an informer's, gRPC's or Vert.x's.
 */
@ApplicationScoped
public class MeshControlPlane {
    private static final Logger LOG = Logger.getLogger(MeshControlPlane.class);
    private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(2);

    @Inject
    MeshConfig config;

    @Inject
    MeterRegistry registry;

    private KubernetesClient client;
    private SharedInformers informers;
    private Informer<Service> services;
    private Informer<EndpointSlice> slices;
    private Informer<Node> nodes;
    private Informer<DestinationRule> rules;
    private ScheduledExecutorService rebuilder;
    private Debouncer debouncer;
    private XdsServer server;
    // only the rebuild thread translates
    private final XdsTranslator translator = new XdsTranslator();
    private volatile boolean synced;
    private volatile long rebuilds;

    void onStart(@Observes StartupEvent event) {
        client = ApiClients.create(config.apiServerUrl());
        rebuilder = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mesh-rebuild");
            t.setDaemon(true);
            return t;
        });
        debouncer = new Debouncer(config.debounceAfter(), config.debounceMax(), rebuilder, this::rebuild);
        server = new XdsServer(config.xdsHost(), config.xdsPort(), config.sendThreads(), registry).start();

        Map<String, Object> kafka = Map.of("bootstrap.servers", config.kafkaBootstrapServers());
        informers = new SharedInformers(client, kafka, Informer.Options.defaults().withResyncPeriod(config.resyncPeriod()))
                .dropManagedFields();
        services = informers.informerFor(Service.class);
        slices = informers.informerFor(EndpointSlice.class);
        nodes = informers.informerFor(Node.class);
        rules = informers.informerFor(DestinationRule.class);
        ResourceEventHandler<Object> any = ResourceEventHandler.onAnyChange(debouncer::changed);
        services.addEventHandler(any);
        slices.addEventHandler(any);
        rules.addEventHandler(any);
        // nodes renew their status every few seconds; only a new, gone or readdressed node matters here
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                debouncer.changed();
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                if (!Objects.equals(addresses(oldNode), addresses(newNode))) {
                    debouncer.changed();
                }
            }

            @Override
            public void onDelete(Node node) {
                debouncer.changed();
            }
        });
        informers.start();
        Thread starter = new Thread(this::startWhenSynced, "mesh-start");
        starter.setDaemon(true);
        starter.start();
        LOG.infof("mesh control plane: api-server %s, kafka %s, xDS on %s:%d", config.apiServerUrl(), config.kafkaBootstrapServers(),
                config.xdsHost(), server.port());
    }

    private static Object addresses(Node node) {
        return node.getStatus() == null ? null : node.getStatus().getAddresses();
    }

    /** The first snapshot waits for every informer: clients must never be sent a half-listed cluster. */
    private void startWhenSynced() {
        try {
            if (!informers.waitForSync(SYNC_TIMEOUT)) {
                LOG.warnf("informers not synced after %s; serving what they have", SYNC_TIMEOUT);
            }
        } catch (InterruptedException e) {
            return;
        }
        synced = true;
        LOG.info("informers synced; publishing snapshots");
        debouncer.changed();
    }

    private void rebuild(long sinceNanos) {
        if (!synced) {
            return;
        }
        try {
            long start = System.nanoTime();
            ClusterState state = ClusterState.of(services.store().list(), slices.store().list(), nodes.store().list(), rules.store().list());
            MeshResources resources = translator.translate(state);
            long translated = System.nanoTime();
            server.publisher().publish(resources, sinceNanos);
            rebuilds++;
            LOG.debugf("rebuild %d: %d services, translated in %d ms, published in %d ms (%d ms since the first change)", rebuilds,
                    state.services().size(), TimeUnit.NANOSECONDS.toMillis(translated - start),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - translated), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos));
        } catch (RuntimeException e) {
            // the next change rebuilds again; until then clients keep the last snapshot
            LOG.errorf(e, "rebuild failed");
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
        if (informers != null) {
            informers.close();
        }
        if (rebuilder != null) {
            rebuilder.shutdownNow();
        }
        if (client != null) {
            client.close();
        }
    }

    /** True once the informers synced and the first snapshots were published. */
    public boolean serving() {
        return synced && server != null && server.publisher().published();
    }

    /** The bound xDS port. */
    public int xdsPort() {
        return server.port();
    }

    public int connectedProxies() {
        return server == null ? 0 : server.metrics().connectedProxies();
    }
}
