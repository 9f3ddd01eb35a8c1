package io.capstan.nodeagent.sim;

import io.capstan.controller.Informer;
import io.capstan.controller.ResourceEventHandler;
import io.capstan.nodeagent.kube.ApiCalls;
import io.capstan.nodeagent.kube.AsyncLimiter;
import io.capstan.nodeagent.node.NodeStatusModel;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Many nodes that run nothing, as KWOK does: registers {@code count} Nodes with a configured
 * capacity, keeps their Leases fresh, marks pods bound to them Running and Ready, and finishes
 * the deletion of their terminating pods. It is what the scheduler benchmarks schedule onto, so
 * it is built to be cheap at 5,000 nodes:
 * <ul>
 *   <li>no thread per node: one timer thread ticks every {@code interval / buckets} and renews
 *       one bucket of leases, so renewals are spread evenly over the interval (5,000 nodes at
 *       10 s are 50 renewals every 100 ms, not 5,000 at once);</li>
 *   <li>every request is asynchronous through one {@link AsyncLimiter} ({@code concurrency} in
 *       flight); a node whose renewal is still in flight skips its turn;</li>
 *   <li>renewals are one merge patch each; nothing is read back;</li>
 *   <li>the informers cache only what needs action: pods of these nodes that are not yet Running
 *       and Ready or are terminating, and these nodes while they are not Ready (someone marked
 *       them Unknown); everything else passes through the filters without being kept.</li>
 * </ul>
 */
public final class SimulatedNodes implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SimulatedNodes.class);
    public static final String LABEL = "capstan.io/simulated";
    private static final String LEASES = "/apis/coordination.k8s.io/v1/namespaces/" + NodeStatusModel.LEASE_NAMESPACE + "/leases";

    /**
     * @param prefix         node names are {@code <prefix>-1} to {@code <prefix>-<count>}
     * @param capacity       each node's capacity (and allocatable)
     * @param statusInterval how often each node's status is posted even when nothing changed
     */
    public record Settings(String prefix, int count, Map<String, Quantity> capacity, Duration leaseInterval,
                           Duration statusInterval, int concurrency, int kubeletPort, NodeSystemInfo info) {
    }

    private static final class SimNode {
        final String name;
        final String internalIp;
        final String podPrefix;
        final AtomicInteger nextPodIp = new AtomicInteger();
        final AtomicBoolean busy = new AtomicBoolean();
        volatile String uid;
        volatile Instant statusPosted = Instant.EPOCH;

        SimNode(String name, String internalIp, String podPrefix) {
            this.name = name;
            this.internalIp = internalIp;
            this.podPrefix = podPrefix;
        }
    }

    private final KubernetesClient client;
    private final ApiCalls api;
    private final KubernetesSerialization json;
    private final Settings settings;
    private final Clock clock;
    private final AsyncLimiter limiter;
    private final Map<String, SimNode> nodes = new HashMap<>();
    private final List<SimNode> order = new ArrayList<>();
    private final Set<String> podsInFlight = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final Informer<Pod> pods;
    private final Informer<Node> unready;
    private final Counter renewed;
    private final Counter renewFailed;
    private final Counter podsMarked;
    private final Counter podsDeleted;
    private final Timer renewLatency;
    private final AtomicInteger registered = new AtomicInteger();
    private int bucket;

    public SimulatedNodes(KubernetesClient client, ApiCalls api, Settings settings, Map<String, Object> kafkaConfig,
                          Duration informerResync, MeterRegistry registry, Clock clock) {
        if (settings.count() < 1 || settings.count() > 65535) {
            throw new IllegalArgumentException("simulated-nodes must be 1..65535, was " + settings.count());
        }
        this.client = client;
        this.api = api;
        this.json = client.getKubernetesSerialization();
        this.settings = settings;
        this.clock = clock;
        this.limiter = new AsyncLimiter(settings.concurrency());
        for (int i = 1; i <= settings.count(); i++) {
            SimNode n = new SimNode(settings.prefix() + "-" + i, "127.1." + (i / 256) + "." + (i % 256),
                    "10." + (i / 256) + "." + (i % 256));
            nodes.put(n.name, n);
            order.add(n);
        }
        Set<String> names = Set.copyOf(nodes.keySet());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "simulated-nodes");
            t.setDaemon(true);
            return t;
        });
        this.pods = new Informer<>(Pod.class, client, kafkaConfig, Informer.Options.defaults().withResyncPeriod(informerResync)
                .withFieldSelector("spec.nodeName!=").withFilter(podNeedsAction(names))).dropManagedFields();
        this.unready = new Informer<>(Node.class, client, kafkaConfig, Informer.Options.defaults().withResyncPeriod(informerResync)
                .withFilter(nodeNotReady(names))).dropManagedFields();
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                act(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                act(newPod);
            }
        });
        unready.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                repost(node);
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                repost(newNode);
            }
        });
        Gauge.builder("capstan_simulated_nodes", registered::get).description("Simulated nodes registered").register(registry);
        Gauge.builder("capstan_simulated_requests_queued", limiter::queued)
                .description("Requests of simulated nodes waiting for a slot").register(registry);
        this.renewed = Counter.builder("capstan_simulated_lease_renewals_total").tag("result", "success").register(registry);
        this.renewFailed = Counter.builder("capstan_simulated_lease_renewals_total").tag("result", "error").register(registry);
        this.podsMarked = Counter.builder("capstan_simulated_pods_running_total")
                .description("Pods a simulated node marked Running").register(registry);
        this.podsDeleted = Counter.builder("capstan_simulated_pods_deleted_total")
                .description("Terminating pods a simulated node deleted").register(registry);
        this.renewLatency = Timer.builder("capstan_simulated_lease_renewal_duration_seconds").publishPercentileHistogram()
                .register(registry);
    }

    /** Pods of these nodes that need something: not yet Running and Ready with an IP, or terminating. */
    static Predicate<JsonNode> podNeedsAction(Set<String> names) {
        return pod -> {
            if (!names.contains(pod.path("spec").path("nodeName").asText(""))) {
                return false;
            }
            if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
                return true;
            }
            JsonNode status = pod.path("status");
            String phase = status.path("phase").asText("");
            if (phase.equals("Succeeded") || phase.equals("Failed")) {
                return false;
            }
            boolean ready = false;
            for (JsonNode c : status.path("conditions")) {
                ready |= "Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText());
            }
            return !(phase.equals("Running") && ready && !status.path("podIP").asText("").isEmpty());
        };
    }

    /** These nodes while their Ready condition is not True (the node lifecycle controller marked them). */
    static Predicate<JsonNode> nodeNotReady(Set<String> names) {
        return node -> {
            if (!names.contains(node.path("metadata").path("name").asText(""))) {
                return false;
            }
            for (JsonNode c : node.path("status").path("conditions")) {
                if ("Ready".equals(c.path("type").asText())) {
                    return !"True".equals(c.path("status").asText());
                }
            }
            return true;
        };
    }

    public List<String> names() {
        return order.stream().map(n -> n.name).toList();
    }

    public int registered() {
        return registered.get();
    }

    public void start() {
        LOG.infof("simulating %d nodes %s-1..%s-%d (lease every %s, %d requests in flight)", settings.count(), settings.prefix(),
                settings.prefix(), settings.count(), settings.leaseInterval(), settings.concurrency());
        for (SimNode n : order) {
            register(n);
        }
        int buckets = (int) Math.max(1, Math.min(settings.count(), settings.leaseInterval().toMillis() / 100));
        long tick = Math.max(1, settings.leaseInterval().toMillis() / buckets);
        timer.scheduleAtFixedRate(() -> tick(buckets), tick, tick, TimeUnit.MILLISECONDS);
        pods.start();
        unready.start();
    }

    // ------------------------------------------------------------------ nodes and leases

    private Node node(SimNode n, Instant now) {
        NodeStatusModel.NodeFacts facts = facts(n);
        return new NodeBuilder(NodeStatusModel.registration(facts, now))
                .editMetadata().addToLabels(LABEL, "true").endMetadata().build();
    }

    private NodeStatusModel.NodeFacts facts(SimNode n) {
        return new NodeStatusModel.NodeFacts(n.name, n.internalIp, settings.kubeletPort(), List.of(n.podPrefix + ".0/24"),
                settings.capacity(), settings.capacity(), settings.info(), List.of(), false, false, false, null);
    }

    private void register(SimNode n) {
        Instant now = clock.instant();
        limiter.submitUrgent(() -> api.sendAsync("POST", "/api/v1/nodes", "application/json", json.asJson(node(n, now))))
                .thenCompose(r -> {
                    if (r.ok()) {
                        n.uid = r.json().path("metadata").path("uid").asText();
                        return CompletableFuture.completedFuture(true);
                    }
                    if (r.code() == 409) {
                        return limiter.submitUrgent(() -> api.sendAsync("GET", "/api/v1/nodes/" + n.name, null, null)).thenCompose(g -> {
                            n.uid = g.json().path("metadata").path("uid").asText(null);
                            return postStatus(n).thenApply(ok -> n.uid != null);
                        });
                    }
                    LOG.warnf("simulated node %s: registration failed (%d): %s", n.name, r.code(), r.message());
                    return CompletableFuture.completedFuture(false);
                })
                .whenComplete((ok, error) -> {
                    if (Boolean.TRUE.equals(ok)) {
                        n.statusPosted = now;
                        registered.incrementAndGet();
                        renew(n);
                    } else {
                        // retried after a while; the api-server may still be starting
                        timer.schedule(() -> register(n), 2, TimeUnit.SECONDS);
                    }
                });
    }

    private void tick(int buckets) {
        try {
            Instant now = clock.instant();
            int b = bucket;
            bucket = (bucket + 1) % buckets;
            for (int i = b; i < order.size(); i += buckets) {
                SimNode n = order.get(i);
                if (n.uid == null) {
                    continue;
                }
                if (Duration.between(n.statusPosted, now).compareTo(settings.statusInterval()) >= 0) {
                    n.statusPosted = now;
                    postStatus(n);
                }
                renew(n);
            }
        } catch (RuntimeException e) {
            LOG.warnf("simulated nodes: tick failed: %s", e.getMessage());
        }
    }

    /** One merge patch of the lease's renewTime; a missing lease is created. A node still renewing skips its turn. */
    private void renew(SimNode n) {
        if (!n.busy.compareAndSet(false, true)) {
            return;
        }
        long start = System.nanoTime();
        // urgent, and the renewTime is the time it is sent: a heartbeat that waited is not an old one
        limiter.submitUrgent(() -> {
                    ObjectNode spec = ApiCalls.json().createObjectNode();
                    spec.putObject("spec").put("holderIdentity", n.name).put("leaseDurationSeconds", NodeStatusModel.LEASE_DURATION_SECONDS)
                            .put("renewTime", NodeStatusModel.microTime(clock.instant()));
                    return api.sendAsync("PATCH", LEASES + "/" + n.name, ApiCalls.MERGE_PATCH, spec.toString());
                })
                .thenCompose(r -> {
                    if (r.code() == 404) {
                        return limiter.submitUrgent(() -> api.sendAsync("POST", LEASES, "application/json",
                                json.asJson(NodeStatusModel.lease(n.name, n.uid, clock.instant()))));
                    }
                    return CompletableFuture.completedFuture(r);
                })
                .whenComplete((r, error) -> {
                    n.busy.set(false);
                    renewLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    if (error == null && (r.ok() || r.code() == 409)) {
                        renewed.increment();
                    } else {
                        renewFailed.increment();
                        LOG.debugf("simulated node %s: lease renewal failed: %s", n.name, error != null ? error.getMessage() : r.message());
                    }
                });
    }

    private CompletableFuture<Boolean> postStatus(SimNode n) {
        return limiter.submitUrgent(() -> {
                    NodeStatus status = NodeStatusModel.status(facts(n), List.of(), clock.instant());
                    ObjectNode patch = ApiCalls.json().createObjectNode();
                    patch.set("status", json.convertValue(status, ObjectNode.class));
                    return api.sendAsync("PATCH", "/api/v1/nodes/" + n.name + "/status", ApiCalls.MERGE_PATCH, patch.toString());
                })
                .handle((r, error) -> error == null && r.ok());
    }

    /** Someone marked one of these nodes not Ready: post its status again (at most every few seconds). */
    private void repost(Node node) {
        SimNode n = nodes.get(node.getMetadata().getName());
        Instant now = clock.instant();
        if (n != null && n.uid != null && Duration.between(n.statusPosted, now).getSeconds() >= 5) {
            n.statusPosted = now;
            postStatus(n);
        }
    }

    // ------------------------------------------------------------------ pods

    private void act(Pod pod) {
        SimNode n = nodes.get(pod.getSpec().getNodeName());
        String uid = pod.getMetadata().getUid();
        if (n == null || !podsInFlight.add(uid)) {
            return;
        }
        String path = ApiCalls.podPath(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        CompletableFuture<ApiCalls.Response> request;
        boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
        if (deleting) {
            request = limiter.submit(() -> api.sendAsync("DELETE", path, "application/json", ApiCalls.finalDeleteOptions(uid)));
        } else if (!SimulatedPodStatus.alreadyRunning(pod)) {
            String podIp = pod.getStatus() != null && pod.getStatus().getPodIP() != null ? pod.getStatus().getPodIP()
                    : n.podPrefix + "." + (n.nextPodIp.getAndIncrement() % 254 + 1);
            String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
            ObjectNode patch = ApiCalls.json().createObjectNode();
            patch.set("status", json.convertValue(SimulatedPodStatus.running(pod, n.internalIp, podIp, now), ObjectNode.class));
            request = limiter.submit(() -> api.sendAsync("PATCH", path + "/status", ApiCalls.MERGE_PATCH, patch.toString()));
        } else {
            podsInFlight.remove(uid);
            return;
        }
        request.whenComplete((r, error) -> {
            podsInFlight.remove(uid);
            boolean done = error == null && (r.ok() || r.code() == 404 || r.code() == 409);
            if (done) {
                (deleting ? podsDeleted : podsMarked).increment();
                return;
            }
            LOG.debugf("simulated node %s: pod %s/%s: %s", n.name, pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    error != null ? error.getMessage() : r.message());
            timer.schedule(() -> pods.store().get(pod.getMetadata().getNamespace(), pod.getMetadata().getName()).ifPresent(this::act),
                    1, TimeUnit.SECONDS);
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        pods.close();
        unready.close();
    }
}
