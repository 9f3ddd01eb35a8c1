package io.capstan.controllers.servicelb;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hands out LoadBalancer addresses from one {@link AddressPool}, never the same address to two
 * Services. Owners are Service keys ({@code namespace/name}).
 *
 * <p>The allocator remembers what it handed out, ahead of the informer cache: two workers
 * reconciling two new Services at once must not both take the lowest free address because
 * neither status write has come back through the feed yet. A new leadership term starts empty
 * and is {@link #restore restored} from the Services' stored status before the first allocation,
 * so a Service keeps its address across restarts.
 *
 * <p>Thread-safe: every method is synchronized on the allocator; reconcile workers call it for
 * different Services at once.
 */
public final class LoadBalancerIpAllocator {

    /** What a Service should hold: an address, or the reason it gets none. */
    public sealed interface Allocation {
        record Assigned(String ip) implements Allocation {
        }

        record Failed(String reason) implements Allocation {
        }
    }

    /** A Service that already holds an address in its status, for {@link #restore}. */
    public record Holder(String owner, String ip, String creationTimestamp) {
    }

    private final AddressPool pool;
    // @GuardedBy("this"): the two maps are one bijection and change together.
    private final Map<String, String> ownerByIp = new HashMap<>();
    private final Map<String, String> ipByOwner = new HashMap<>();
    private boolean restored;

    public LoadBalancerIpAllocator(AddressPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    public AddressPool pool() {
        return pool;
    }

    public synchronized boolean restored() {
        return restored;
    }

    /**
     * Takes over the addresses Services already hold. When two claim the same address (a status
     * written by hand), the older Service keeps it (then the lower key) and the other is given a
     * new one at its next allocation. Addresses outside the pool are ignored.
     */
    public synchronized void restore(List<Holder> holders) {
        holders.stream()
                .filter(h -> pool.contains(h.ip()))
                .sorted(Comparator.comparing((Holder h) -> h.creationTimestamp() == null ? "" : h.creationTimestamp())
                        .thenComparing(Holder::owner))
                .forEach(h -> {
                    if (!ownerByIp.containsKey(h.ip()) && !ipByOwner.containsKey(h.owner())) {
                        take(h.owner(), h.ip());
                    }
                });
        restored = true;
    }

    /**
     * The address {@code owner} should hold, taken for it. A {@code requested} address
     * ({@code spec.loadBalancerIP}) is honoured if it is in the pool and free, and is otherwise a
     * failure; without one the owner keeps what it has (here, or {@code current} from its status
     * when that is in the pool and free), else gets the lowest free address. Idempotent.
     */
    public synchronized Allocation allocate(String owner, String current, String requested) {
        String held = ipByOwner.get(owner);
        if (requested != null && !requested.isEmpty()) {
            if (!pool.contains(requested)) {
                return new Allocation.Failed("\"" + requested + "\" is not allowed in config");
            }
            String other = ownerByIp.get(requested);
            if (other != null && !other.equals(owner)) {
                return new Allocation.Failed("\"" + requested + "\" is already in use by " + other);
            }
            release(owner);
            take(owner, requested);
            return new Allocation.Assigned(requested);
        }
        if (held != null) {
            return new Allocation.Assigned(held);
        }
        if (current != null && pool.contains(current) && !ownerByIp.containsKey(current)) {
            take(owner, current);
            return new Allocation.Assigned(current);
        }
        return pool.lowestFree(ownerByIp::containsKey)
                .<Allocation>map(ip -> {
                    take(owner, ip);
                    return new Allocation.Assigned(ip);
                })
                .orElseGet(() -> new Allocation.Failed("no available IPs"));
    }

    /** Gives {@code owner}'s address back, if it holds one. */
    public synchronized void release(String owner) {
        String ip = ipByOwner.remove(owner);
        if (ip != null) {
            ownerByIp.remove(ip);
        }
    }

    /** The owner of {@code ip}, or null. */
    public synchronized String ownerOf(String ip) {
        return ownerByIp.get(ip);
    }

    private void take(String owner, String ip) {
        ownerByIp.put(ip, owner);
        ipByOwner.put(owner, ip);
    }
}
