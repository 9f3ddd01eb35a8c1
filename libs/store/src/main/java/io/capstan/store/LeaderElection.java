package io.capstan.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leader election on etcd (etcd's election API, as {@code etcdctl elect}): campaign with a lease
 * that is kept alive; the winner runs {@code onLeader}; if the lease is lost (etcd unreachable
 * for longer than the TTL, or this process paused) {@code onLost} runs and the campaign starts
 * again. {@link #close()} resigns. Exactly one process leads at a time, because leadership is
 * the ownership of an etcd key that vanishes with the lease.
 *
 * <p>Callbacks run on the election's own thread, never concurrently with each other.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    private final Client client;
    private final String name;
    private final String identity;
    private final Duration ttl;
    private final Runnable onLeader;
    private final Runnable onLost;
    private final ScheduledExecutorService thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long lease;
    private volatile LeaderKey leaderKey;
    private volatile CloseableClient keepAlive;
    private volatile boolean leading;

    public LeaderElection(Client client, String name, String identity, Duration ttl, Runnable onLeader, Runnable onLost) {
        this.client = client;
        this.name = name;
        this.identity = identity;
        this.ttl = ttl;
        this.onLeader = onLeader;
        this.onLost = onLost;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "election-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts campaigning; returns at once. */
    public LeaderElection start() {
        thread.execute(this::campaign);
        return this;
    }

    public boolean isLeader() {
        return leading;
    }

    /** The etcd key this process holds while leading, and its create revision (for guarded writes). */
    public LeaderKey leaderKey() {
        return leaderKey;
    }

    private void campaign() {
        if (closed.get()) {
            return;
        }
        try {
            lease = client.getLeaseClient().grant(ttl.toSeconds()).get(30, TimeUnit.SECONDS).getID();
            keepAlive = client.getLeaseClient().keepAlive(lease, new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse value) {
                }

                @Override
                public void onError(Throwable t) {
                    thread.execute(() -> lost("lease keep-alive failed: " + t.getMessage()));
                }

                @Override
                public void onCompleted() {
                    thread.execute(() -> lost("lease expired"));
                }
            });
            CompletableFuture<io.etcd.jetcd.election.CampaignResponse> won = client.getElectionClient()
                    .campaign(bytes(name), lease, bytes(identity));
            io.etcd.jetcd.election.CampaignResponse response = won.get();
            if (closed.get()) {
                return;
            }
            leaderKey = response.getLeader();
            leading = true;
            LOG.infof("%s leads %s", identity, name);
            onLeader.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warnf("campaign for %s failed (%s); retrying", name, e.getMessage());
            cleanupLease();
            if (!closed.get()) {
                thread.schedule(this::campaign, 1, TimeUnit.SECONDS);
            }
        }
    }

    private void lost(String why) {
        if (closed.get()) {
            return;
        }
        boolean was = leading;
        leading = false;
        leaderKey = null;
        cleanupLease();
        if (was) {
            LOG.warnf("%s lost leadership of %s: %s", identity, name, why);
            onLost.run();
        }
        thread.schedule(this::campaign, 1, TimeUnit.SECONDS);
    }

    private void cleanupLease() {
        CloseableClient k = keepAlive;
        keepAlive = null;
        if (k != null) {
            k.close();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                if (leading) {
                    leading = false;
                    onLost.run();
                    LeaderKey key = leaderKey;
                    if (key != null) {
                        client.getElectionClient().resign(key).get(5, TimeUnit.SECONDS);
                    }
                }
                cleanupLease();
                if (lease != 0) {
                    client.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                LOG.debugf("resigning %s: %s", name, e.getMessage());
            } finally {
                done.complete(null);
            }
        });
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // shutting down either way
        }
        thread.shutdownNow();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
