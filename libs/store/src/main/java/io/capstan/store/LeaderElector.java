package io.capstan.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Leader election through etcd's election API (the {@code v3election} service): every candidate
 * holds a lease and campaigns under {@code electionName}; the candidate with the oldest key
 * leads. {@link #runWhenLeader} runs {@code start} on becoming leader and {@code stop} on losing
 * leadership, then campaigns again with a fresh lease, until {@link #close()}.
 *
 * <p>Leadership is considered lost when
 * <ul>
 *   <li>the leader key is deleted (lease revoked or expired, someone deleted the key), seen by
 *       a watch on the key;</li>
 *   <li>the keep-alive stream fails or reports the lease gone; or</li>
 *   <li>no keep-alive succeeded for two thirds of the TTL, even though etcd said nothing: the
 *       lease may be about to expire on the server and another candidate to lead, so we stop
 *       first.</li>
 * </ul>
 * {@link #close()} calls {@code stop} if leading, then resigns and revokes the lease, so a
 * successor takes over at once instead of after the TTL.
 *
 * <p>Thread-safety: {@code start} and {@code stop} run on the elector's own thread, never
 * concurrently, always alternating (start, stop, start, stop ...). {@link #isLeader()} may be
 * read from any thread.
 */
public final class LeaderElector implements AutoCloseable {
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(15);
    private static final Logger LOG = Logger.getLogger(LeaderElector.class);
    private static final Duration CHECK = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final Client client;
    private final ByteSequence electionName;
    private final String identity;
    private final long ttlSeconds;
    private final Object monitor = new Object();
    private volatile boolean closed;
    private volatile boolean leader;
    private volatile Thread thread;
    private volatile LeaderKey leaderKey;

    /**
     * @param electionName the etcd key prefix candidates campaign under, e.g. {@code /capstan/leader/scheduler}
     * @param identity     this candidate's name (the value of its key), e.g. the pod or host name
     * @param leaseTtl     how long a dead leader keeps leadership; whole seconds, at least 2
     */
    public LeaderElector(Client client, String electionName, String identity, Duration leaseTtl) {
        this.client = Objects.requireNonNull(client, "client");
        this.electionName = ByteSequence.from(electionName, StandardCharsets.UTF_8);
        this.identity = Objects.requireNonNull(identity, "identity");
        this.ttlSeconds = leaseTtl.toSeconds();
        if (ttlSeconds < 2) {
            throw new IllegalArgumentException("lease TTL must be at least 2 s (etcd's minimum), got " + leaseTtl);
        }
    }

    public LeaderElector(Client client, String electionName, String identity) {
        this(client, electionName, identity, DEFAULT_LEASE_TTL);
    }

    public String identity() {
        return identity;
    }

    /**
     * The election key this candidate holds while leading (null otherwise): writes guarded by
     * its existence ({@link EtcdStore#putWhileHeld}) cannot be made by a deposed leader.
     */
    public LeaderKey leaderKey() {
        return leaderKey;
    }

    public boolean isLeader() {
        return leader;
    }

    /** Starts campaigning on a background thread; returns at once. Call once. */
    public synchronized void runWhenLeader(Runnable start, Runnable stop) {
        if (thread != null) {
            throw new IllegalStateException("already running");
        }
        Thread t = new Thread(() -> loop(start, stop), "leader-elector-" + identity);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void loop(Runnable start, Runnable stop) {
        while (!closed) {
            try {
                term(start, stop);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!closed) {
                    LOG.warnf("leader election %s: %s; campaigning again", identity, e.toString());
                }
            }
            if (!closed && !pause(RETRY)) {
                return;
            }
        }
    }

    /** One lease: campaign, lead until lost or closed, clean up. */
    private void term(Runnable start, Runnable stop) throws Exception {
        long leaseId = client.getLeaseClient().grant(ttlSeconds).get(ttlSeconds, TimeUnit.SECONDS).getID();
        LeaseState lease = new LeaseState();
        CloseableClient keepAlive = client.getLeaseClient().keepAlive(leaseId, lease);
        Watch.Watcher watcher = null;
        LeaderKey key = null;
        try {
            CompletableFuture<CampaignResponse> campaign = client.getElectionClient()
                    .campaign(electionName, leaseId, ByteSequence.from(identity, StandardCharsets.UTF_8));
            while (key == null) {
                if (closed || lease.lost(ttlSeconds)) {
                    campaign.cancel(true);
                    return;
                }
                try {
                    key = campaign.get(CHECK.toMillis(), TimeUnit.MILLISECONDS).getLeader();
                } catch (TimeoutException notYet) {
                    // keep checking the lease and close() while waiting for our turn
                } catch (ExecutionException e) {
                    throw new IllegalStateException("campaign failed: " + e.getCause(), e.getCause());
                }
            }
            watcher = client.getWatchClient().watch(key.getKey(),
                    WatchOption.builder().withRevision(key.getRevision()).build(),
                    Watch.listener(r -> {
                        if (r.getEvents().stream().anyMatch(e -> e.getEventType() == WatchEvent.EventType.DELETE)) {
                            lease.markLost("leader key deleted");
                        }
                    }, err -> lease.markLost("watch failed: " + err)));
            LOG.infof("leader election %s: became leader of %s", identity, electionName);
            leaderKey = key;
            leader = true;
            start.run();
            while (!closed && !lease.lost(ttlSeconds)) {
                synchronized (monitor) {
                    monitor.wait(CHECK.toMillis());
                }
            }
        } finally {
            leaderKey = null;
            if (leader) {
                leader = false;
                LOG.infof("leader election %s: %s leadership", identity, closed ? "releasing" : "lost");
                stop.run();
            }
            if (watcher != null) {
                watcher.close();
            }
            keepAlive.close();
            release(key, leaseId);
        }
    }

    /** Best effort: resigning and revoking lets a successor lead at once; expiry covers failures. */
    private void release(LeaderKey key, long leaseId) {
        try {
            if (key != null) {
                client.getElectionClient().resign(key).get(2, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.debugf("leader election %s: resign failed: %s", identity, e);
        }
        try {
            client.getLeaseClient().revoke(leaseId).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debugf("leader election %s: lease revoke failed: %s", identity, e);
        }
    }

    private boolean pause(Duration d) {
        synchronized (monitor) {
            try {
                monitor.wait(d.toMillis());
                return true;
            } catch (InterruptedException e) {
                return false;
            }
        }
    }

    /** Stops campaigning; if leading, runs {@code stop}, then resigns and revokes the lease. */
    @Override
    public void close() {
        closed = true;
        synchronized (monitor) {
            monitor.notifyAll();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Keep-alive observer that remembers the last renewal and whether the lease is gone. */
    private final class LeaseState implements StreamObserver<LeaseKeepAliveResponse> {
        private volatile long lastRenewNanos = System.nanoTime();
        private volatile String lostReason;

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            if (response.getTTL() <= 0) {
                markLost("lease expired");
            } else {
                lastRenewNanos = System.nanoTime();
            }
        }

        @Override
        public void onError(Throwable t) {
            markLost("keep-alive failed: " + t);
        }

        @Override
        public void onCompleted() {
            markLost("keep-alive ended");
        }

        void markLost(String reason) {
            if (lostReason == null) {
                lostReason = reason;
                LOG.debugf("leader election %s: %s", identity, reason);
            }
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }

        /**
         * Gives up after two thirds of the TTL without a renewal (client-go's renew deadline),
         * so this candidate stops before etcd can expire the lease and elect someone else.
         */
        boolean lost(long ttlSeconds) {
            long renewDeadline = TimeUnit.SECONDS.toNanos(ttlSeconds) * 2 / 3;
            if (lostReason == null && System.nanoTime() - lastRenewNanos > renewDeadline) {
                markLost("no keep-alive for " + TimeUnit.NANOSECONDS.toMillis(renewDeadline) + " ms");
            }
            return lostReason != null;
        }
    }
}
