package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ClusterSpec;
import io.capstan.proxy.config.EndpointSpec;
import io.capstan.proxy.config.LbPolicy;
import io.capstan.proxy.config.LoadAssignmentSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A cluster at run time: its endpoints and the load balancer over the HEALTHY ones. Updated by
 * the xDS thread only (spec and assignment); {@link #pick} runs on any event loop without locks,
 * over the immutable array published last.
 */
public final class UpstreamCluster {
    /** Envoy's minimum_ring_size default. */
    static final int MIN_RING_SIZE = 1024;

    private volatile ClusterSpec spec;
    final ClusterStats stats;
    /** Every assigned endpoint by ip:port; xDS thread only. */
    private Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    private volatile Endpoint[] healthy = new Endpoint[0];
    private volatile Ring ring;
    private final AtomicInteger next = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 16));

    UpstreamCluster(ClusterSpec spec, ClusterStats stats) {
        this.spec = spec;
        this.stats = stats;
    }

    public ClusterSpec spec() {
        return spec;
    }

    void updateSpec(ClusterSpec s) {
        LbPolicy before = spec.lbPolicy();
        spec = s;
        if (before != s.lbPolicy()) {
            publish(healthy);
        }
    }

    /**
     * Applies a ClusterLoadAssignment; endpoints that stop taking new work (gone, DRAINING, not
     * healthy) go to {@code stoppedAccepting} so their idle pooled connections can be closed.
     */
    void assign(LoadAssignmentSpec cla, Consumer<Endpoint> stoppedAccepting) {
        Map<String, Endpoint> nextEndpoints = new LinkedHashMap<>();
        List<Endpoint> nextHealthy = new ArrayList<>();
        for (EndpointSpec e : cla.endpoints()) {
            String key = e.ip() + ":" + e.port();
            if (nextEndpoints.containsKey(key)) {
                continue;
            }
            Endpoint ep = endpoints.get(key);
            if (ep == null) {
                ep = new Endpoint(e.ip(), e.port(), e.hostname(), e.health());
            } else {
                boolean accepted = ep.acceptsNew();
                ep.hostname = e.hostname();
                ep.health = e.health();
                if (accepted && !ep.acceptsNew()) {
                    stoppedAccepting.accept(ep);
                }
            }
            nextEndpoints.put(key, ep);
            if (ep.acceptsNew()) {
                nextHealthy.add(ep);
            }
        }
        for (Map.Entry<String, Endpoint> old : endpoints.entrySet()) {
            if (!nextEndpoints.containsKey(old.getKey())) {
                old.getValue().removed = true;
                stoppedAccepting.accept(old.getValue());
            }
        }
        endpoints = nextEndpoints;
        publish(nextHealthy.toArray(new Endpoint[0]));
    }

    /** The cluster went away: nothing new goes to any of its endpoints. */
    void remove(Consumer<Endpoint> stoppedAccepting) {
        healthy = new Endpoint[0];
        ring = null;
        for (Endpoint ep : endpoints.values()) {
            ep.removed = true;
            stoppedAccepting.accept(ep);
        }
        endpoints = Map.of();
    }

    private void publish(Endpoint[] eps) {
        ring = spec.lbPolicy() == LbPolicy.RING_HASH && eps.length > 0 ? Ring.build(eps) : null;
        healthy = eps;
    }

    /** All assigned endpoints with their state (DNS and tests). */
    public List<Endpoint> endpoints() {
        return List.copyOf(endpoints.values());
    }

    public int healthyCount() {
        return healthy.length;
    }

    /**
     * An endpoint for a new connection or request, or null when none is HEALTHY.
     *
     * @param hash  the request's hash (RING_HASH only; any value when the route has no hash policy)
     * @param avoid an endpoint that just failed, chosen only when it is the only one
     */
    public Endpoint pick(long hash, Endpoint avoid) {
        Endpoint[] eps = healthy;
        int n = eps.length;
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return eps[0];
        }
        Endpoint e;
        switch (spec.lbPolicy()) {
            case ROUND_ROBIN -> {
                int i = next.getAndIncrement() & Integer.MAX_VALUE;
                e = eps[i % n];
                if (e == avoid) {
                    e = eps[(i + 1) % n];
                }
            }
            case RANDOM -> {
                int i = ThreadLocalRandom.current().nextInt(n);
                e = eps[i];
                if (e == avoid) {
                    e = eps[(i + 1) % n];
                }
            }
            case RING_HASH -> {
                Ring r = ring;
                e = r == null ? eps[0] : r.lookup(hash, avoid);
            }
            default -> {
                // LEAST_REQUEST: Envoy's power of two choices among unweighted hosts.
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int i = rnd.nextInt(n);
                int j = rnd.nextInt(n - 1);
                if (j >= i) {
                    j++;
                }
                Endpoint a = eps[i];
                Endpoint b = eps[j];
                if (a == avoid) {
                    e = b;
                } else if (b == avoid) {
                    e = a;
                } else {
                    e = a.active.get() <= b.active.get() ? a : b;
                }
            }
        }
        return e;
    }

    /** A consistent-hash ring (Envoy's ketama-like ring_hash with the minimum ring size). */
    static final class Ring {
        private final long[] hashes;
        private final Endpoint[] owners;

        private Ring(long[] hashes, Endpoint[] owners) {
            this.hashes = hashes;
            this.owners = owners;
        }

        static Ring build(Endpoint[] eps) {
            int perHost = Math.max(1, (MIN_RING_SIZE + eps.length - 1) / eps.length);
            int size = perHost * eps.length;
            long[][] entries = new long[size][2];
            int k = 0;
            for (int i = 0; i < eps.length; i++) {
                long base = Hashing.string(eps[i].ip + ":" + eps[i].port);
                for (int r = 0; r < perHost; r++) {
                    entries[k][0] = Hashing.mix(base + r * 0x9E3779B97F4A7C15L);
                    entries[k][1] = i;
                    k++;
                }
            }
            Arrays.sort(entries, (x, y) -> Long.compareUnsigned(x[0], y[0]));
            long[] hashes = new long[size];
            Endpoint[] owners = new Endpoint[size];
            for (int i = 0; i < size; i++) {
                hashes[i] = entries[i][0];
                owners[i] = eps[(int) entries[i][1]];
            }
            return new Ring(hashes, owners);
        }

        Endpoint lookup(long hash, Endpoint avoid) {
            int lo = 0;
            int hi = hashes.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(hashes[mid], hash) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            int i = lo == hashes.length ? 0 : lo;
            for (int step = 0; step < owners.length; step++) {
                Endpoint e = owners[(i + step) % owners.length];
                if (e != avoid) {
                    return e;
                }
            }
            return owners[i];
        }
    }
}
