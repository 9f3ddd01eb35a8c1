package io.capstan.nodeagent.node;

import io.capstan.nodeagent.kube.ApiCalls;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps this node known to the cluster, as the kubelet's node status and node lease loops do:
 * registers the Node (or adopts the one that exists), renews its Lease in kube-node-lease every
 * {@code leaseInterval}, and every {@code statusInterval} compares the status it would post with
 * the Node in the api-server, posting it when it differs (someone marked it Unknown, a pressure
 * flipped, the port changed) or when {@code reportInterval} passed. A Node deleted under it is
 * registered again, with a new Lease.
 *
 * <p>Thread-safety: every API call runs on the one scheduler thread; {@link #nodeUid()} and
 * {@link #registered()} may be read from any thread.
 */
public final class NodeHeartbeat implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeHeartbeat.class);

    private final KubernetesClient client;
    private final ApiCalls api;
    private final KubernetesSerialization json;
    private final Supplier<NodeStatusModel.NodeFacts> facts;
    private final Duration leaseInterval;
    private final Duration statusInterval;
    private final Duration reportInterval;
    private final Clock clock;
    private final String name;
    private final ScheduledExecutorService scheduler;
    private final CountDownLatch registeredLatch = new CountDownLatch(1);

    private volatile String nodeUid;
    // scheduler thread only
    private Lease lease;
    private Instant lastReport = Instant.EPOCH;

    public NodeHeartbeat(KubernetesClient client, ApiCalls api, String name, Supplier<NodeStatusModel.NodeFacts> facts,
                         Duration leaseInterval, Duration statusInterval, Duration reportInterval, Clock clock) {
        this.client = client;
        this.api = api;
        this.json = client.getKubernetesSerialization();
        this.name = Objects.requireNonNull(name);
        this.facts = facts;
        this.leaseInterval = leaseInterval;
        this.statusInterval = statusInterval;
        this.reportInterval = reportInterval;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        scheduler.execute(this::registerUntilDone);
    }

    public String nodeUid() {
        return nodeUid;
    }

    public boolean registered() {
        return nodeUid != null;
    }

    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
        return registeredLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Registration retries with the kubelet's backoff (100 ms doubling to 7 s) until it succeeds. */
    private void registerUntilDone() {
        long delay = 100;
        while (!scheduler.isShutdown()) {
            try {
                register();
                renewLease();
                registeredLatch.countDown();
                scheduler.scheduleWithFixedDelay(this::renewLeaseSafely, leaseInterval.toMillis(), leaseInterval.toMillis(), TimeUnit.MILLISECONDS);
                scheduler.scheduleWithFixedDelay(this::updateStatusSafely, statusInterval.toMillis(), statusInterval.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (RuntimeException e) {
                LOG.warnf("node %s: registration failed, retrying in %d ms: %s", name, delay, e.getMessage());
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                delay = Math.min(delay * 2, 7000);
            }
        }
    }

    private void register() {
        Instant now = clock.instant();
        NodeStatusModel.NodeFacts current = facts.get();
        Node desired = NodeStatusModel.registration(current, now);
        try {
            Node created = client.nodes().resource(desired).create();
            nodeUid = created.getMetadata().getUid();
            lastReport = now;
            LOG.infof("node %s: registered (InternalIP %s, kubelet port %d)", name, current.internalIp(), current.kubeletPort());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            Node existing = client.nodes().withName(name).get();
            if (existing == null) {
                throw new KubernetesClientException("node " + name + " vanished while registering", 404, null);
            }
            nodeUid = existing.getMetadata().getUid();
            if (existing.getSpec() == null || existing.getSpec().getPodCIDR() == null) {
                ObjectNode patch = ApiCalls.json().createObjectNode();
                patch.putObject("spec").put("podCIDR", current.podCidrs().isEmpty() ? null : current.podCidrs().get(0))
                        .set("podCIDRs", ApiCalls.json().valueToTree(current.podCidrs()));
                api.mergePatch("/api/v1/nodes/" + name, patch.toString()).orThrow("patch node " + name);
            }
            postStatus(existing, current, now);
            LOG.infof("node %s: already registered, adopted it", name);
        }
        lease = null;
    }

    private void updateStatusSafely() {
        try {
            Instant now = clock.instant();
            Node existing = client.nodes().withName(name).get();
            if (existing == null || !existing.getMetadata().getUid().equals(nodeUid)) {
                LOG.warnf("node %s: the Node was deleted; registering again", name);
                register();
                renewLease();
                return;
            }
            NodeStatusModel.NodeFacts current = facts.get();
            NodeStatus wanted = NodeStatusModel.status(current, conditions(existing), now);
            if (NodeStatusModel.changed(existing.getStatus(), wanted)
                    || Duration.between(lastReport, now).compareTo(reportInterval) >= 0) {
                postStatus(existing, current, now);
            }
        } catch (RuntimeException e) {
            LOG.warnf("node %s: status update failed: %s", name, e.getMessage());
        }
    }

    private void postStatus(Node existing, NodeStatusModel.NodeFacts current, Instant now) {
        NodeStatus status = NodeStatusModel.status(current, conditions(existing), now);
        ObjectNode patch = ApiCalls.json().createObjectNode();
        patch.set("status", json.convertValue(status, ObjectNode.class));
        ApiCalls.Response r = api.mergePatch("/api/v1/nodes/" + name + "/status", patch.toString());
        if (r.code() == 404) {
            register();
            return;
        }
        r.orThrow("post status of node " + name);
        lastReport = now;
    }

    private static List<NodeCondition> conditions(Node node) {
        return node.getStatus() == null || node.getStatus().getConditions() == null ? List.of() : node.getStatus().getConditions();
    }

    private void renewLeaseSafely() {
        try {
            renewLease();
        } catch (RuntimeException e) {
            LOG.warnf("node %s: lease renewal failed: %s", name, e.getMessage());
        }
    }

    /**
     * Updates the cached Lease with a new renewTime (and this Node as its owner, in case the Node
     * was registered again); on a conflict reads it again, on 404 creates it.
     */
    private void renewLease() {
        for (int attempt = 0; attempt < 3; attempt++) {
            Instant now = clock.instant();
            if (lease == null) {
                Lease existing = client.leases().inNamespace(NodeStatusModel.LEASE_NAMESPACE).withName(name).get();
                if (existing == null) {
                    lease = client.leases().inNamespace(NodeStatusModel.LEASE_NAMESPACE)
                            .resource(NodeStatusModel.lease(name, nodeUid, now)).create();
                    return;
                }
                lease = existing;
            }
            Lease fresh = NodeStatusModel.lease(name, nodeUid, now);
            Lease renewed = new LeaseBuilder(lease)
                    .editMetadata().withOwnerReferences(fresh.getMetadata().getOwnerReferences()).endMetadata()
                    .editSpec().withRenewTime(ZonedDateTime.ofInstant(now, ZoneOffset.UTC)).withHolderIdentity(name)
                    .withLeaseDurationSeconds(NodeStatusModel.LEASE_DURATION_SECONDS).endSpec().build();
            try {
                lease = client.leases().inNamespace(NodeStatusModel.LEASE_NAMESPACE).resource(renewed).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 && e.getCode() != 404) {
                    throw e;
                }
                lease = null;
            }
        }
        throw new KubernetesClientException("lease " + name + " kept changing under its renewal", 409, null);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
