package io.capstan.apiserver;

import io.capstan.store.EtcdStore;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Compacts etcd history as kube-apiserver does: every interval it compacts up to the revision
 * it saw one interval earlier, so watches and paged lists always have at least one interval of
 * history to resume from, and nothing grows without bound. With the change feed on, it never
 * compacts past the revision the feed has published, so a restarted relay has no gap.
 */
final class Compactor {
    private static final Logger LOG = Logger.getLogger(Compactor.class);

    private final EtcdStore etcd;
    private final Duration interval;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etcd-compactor");
        t.setDaemon(true);
        return t;
    });
    private final boolean feedEnabled;
    private long previous;

    Compactor(EtcdStore etcd, Duration interval, boolean feedEnabled) {
        this.etcd = etcd;
        this.interval = interval;
        this.feedEnabled = feedEnabled;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            long current = etcd.currentRevision().get(30, TimeUnit.SECONDS);
            // The change feed resumes from its published revision, so history after it must stay.
            long target = feedEnabled ? Math.min(previous, FeedRelay.readPublished(etcd)) : previous;
            if (target > 0 && target < current) {
                etcd.compact(target).get(60, TimeUnit.SECONDS);
                LOG.infof("compacted etcd up to revision %d", target);
            }
            previous = current;
        } catch (Exception e) {
            // Another api-server may have compacted past us already; that is fine.
            LOG.debugf("compaction skipped: %s", e.getMessage());
        }
    }

    void stop() {
        timer.shutdownNow();
    }
}
