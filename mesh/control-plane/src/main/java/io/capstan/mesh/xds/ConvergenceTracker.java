package io.capstan.mesh.xds;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Measures convergence per proxy: from the informer event a publish contains to the moment the
 * proxy has ACKed, for every type that publish changed and the proxy watches, a version at least
 * as new. Versions are content hashes and may come back (A, B, A), so each (group, type,
 * version) is mapped to the sequence number of the publish that last introduced it.
 *
 * <p>Thread-safe: every method synchronizes on this object.
 */
final class ConvergenceTracker implements SnapshotPublisher.PublishListener {
    /** Publishes a stream has not converged on are forgotten after this long (e.g. a delta stream that was not sent the change). */
    private static final long EXPIRY = TimeUnit.SECONDS.toNanos(60);
    private static final int MAX_PENDING = 256;

    private record Publish(long seq, long sinceNanos, Set<String> types) {
    }

    private static final class Stream {
        final String group;
        final Set<String> watched = new HashSet<>();
        final Map<String, Long> ackedSeq = new HashMap<>();
        final Deque<Publish> pending = new ArrayDeque<>();

        Stream(String group) {
            this.group = group;
        }
    }

    private final XdsMetrics metrics;
    private final Map<Long, Stream> streams = new HashMap<>();
    // group -> type -> version -> seq of the publish that introduced it
    private final Map<String, Map<String, Map<String, Long>>> introduced = new HashMap<>();
    private long seq;

    ConvergenceTracker(XdsMetrics metrics) {
        this.metrics = metrics;
    }

    synchronized void streamJoined(long streamId, String group) {
        streams.putIfAbsent(streamId, new Stream(group));
    }

    synchronized void streamClosed(long streamId) {
        streams.remove(streamId);
    }

    synchronized void watched(long streamId, String typeUrl) {
        Stream s = streams.get(streamId);
        if (s != null) {
            s.watched.add(typeUrl);
        }
    }

    @Override
    public synchronized void published(String group, Map<String, String> changed, long sinceNanos) {
        long n = ++seq;
        Map<String, Map<String, Long>> byType = introduced.computeIfAbsent(group, g -> new HashMap<>());
        changed.forEach((type, version) -> {
            Map<String, Long> versions = byType.computeIfAbsent(type, t -> new HashMap<>());
            if (versions.size() > 1024) {
                versions.clear();
            }
            versions.put(version, n);
        });
        Publish p = new Publish(n, sinceNanos, Set.copyOf(changed.keySet()));
        for (Stream s : streams.values()) {
            if (s.group.equals(group)) {
                if (s.pending.size() >= MAX_PENDING) {
                    s.pending.removeFirst();
                }
                s.pending.addLast(p);
            }
        }
    }

    /** The stream ACKed {@code version} of {@code typeUrl}. */
    synchronized void acked(long streamId, String typeUrl, String version) {
        Stream s = streams.get(streamId);
        if (s == null || version == null) {
            return;
        }
        s.watched.add(typeUrl);
        Long n = introduced.getOrDefault(s.group, Map.of()).getOrDefault(typeUrl, Map.of()).get(version);
        if (n == null) {
            return;
        }
        s.ackedSeq.merge(typeUrl, n, Math::max);
        long now = System.nanoTime();
        for (Iterator<Publish> it = s.pending.iterator(); it.hasNext(); ) {
            Publish p = it.next();
            if (now - p.sinceNanos() > EXPIRY) {
                it.remove();
                continue;
            }
            boolean done = true;
            for (String type : p.types()) {
                if (s.watched.contains(type) && s.ackedSeq.getOrDefault(type, 0L) < p.seq()) {
                    done = false;
                    break;
                }
            }
            if (done) {
                metrics.converged(now - p.sinceNanos());
                it.remove();
            }
        }
    }
}
