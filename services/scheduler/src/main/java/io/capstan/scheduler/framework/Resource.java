package io.capstan.scheduler.framework;

import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An amount of every resource the scheduler accounts for, in the units kube-scheduler uses:
 * milli-CPU, bytes of memory and ephemeral storage, a pod count, and whole units of every other
 * ("scalar") resource such as {@code nvidia.com/gpu} or {@code hugepages-2Mi}.
 *
 * <p>Immutable; {@link #plus} and {@link #minus} return new instances, so node aggregates can be
 * shared between the cache and the snapshots a scheduling cycle reads without locking.
 */
public final class Resource {
    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";
    public static final String EPHEMERAL_STORAGE = "ephemeral-storage";
    public static final String PODS = "pods";
    public static final Resource ZERO = new Resource(0, 0, 0, 0, Map.of());

    private final long milliCpu;
    private final long memory;
    private final long ephemeralStorage;
    private final long allowedPods;
    private final Map<String, Long> scalars;

    public Resource(long milliCpu, long memory, long ephemeralStorage, long allowedPods, Map<String, Long> scalars) {
        this.milliCpu = milliCpu;
        this.memory = memory;
        this.ephemeralStorage = ephemeralStorage;
        this.allowedPods = allowedPods;
        this.scalars = scalars.isEmpty() ? Map.of() : Map.copyOf(scalars);
    }

    /** A resource list ({@code requests}, {@code allocatable}, {@code overhead}); null is zero. */
    public static Resource of(Map<String, Quantity> list) {
        if (list == null || list.isEmpty()) {
            return ZERO;
        }
        long cpu = 0;
        long memory = 0;
        long storage = 0;
        long pods = 0;
        Map<String, Long> scalars = new HashMap<>();
        for (Map.Entry<String, Quantity> e : list.entrySet()) {
            Quantity q = e.getValue();
            if (q == null) {
                continue;
            }
            switch (e.getKey()) {
                case CPU -> cpu = milliValue(q);
                case MEMORY -> memory = value(q);
                case EPHEMERAL_STORAGE -> storage = value(q);
                case PODS -> pods = value(q);
                default -> {
                    if (isScalar(e.getKey())) {
                        scalars.put(e.getKey(), value(q));
                    }
                }
            }
        }
        return new Resource(cpu, memory, storage, pods, scalars);
    }

    /**
     * Resources the scheduler counts besides cpu, memory, ephemeral-storage and pods
     * (schedutil.IsScalarResourceName): hugepages, attachable volumes, prefixed native resources
     * and extended resources such as {@code nvidia.com/gpu}.
     */
    static boolean isScalar(String name) {
        return name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")
                || (name.contains("/") && !name.startsWith("requests."));
    }

    /** Quantity.MilliValue: rounded up to a whole milli-unit. */
    public static long milliValue(Quantity q) {
        return amount(q).movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** Quantity.Value: rounded up to a whole unit. */
    public static long value(Quantity q) {
        return amount(q).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static BigDecimal amount(Quantity q) {
        return Quantity.getAmountInBytes(q);
    }

    public long milliCpu() {
        return milliCpu;
    }

    public long memory() {
        return memory;
    }

    public long ephemeralStorage() {
        return ephemeralStorage;
    }

    public long allowedPods() {
        return allowedPods;
    }

    public Map<String, Long> scalars() {
        return scalars;
    }

    public long scalar(String name) {
        Long v = scalars.get(name);
        return v == null ? 0 : v;
    }

    public boolean isZero() {
        return milliCpu == 0 && memory == 0 && ephemeralStorage == 0 && scalars.isEmpty();
    }

    public Resource plus(Resource o) {
        return combine(o, 1);
    }

    public Resource minus(Resource o) {
        return combine(o, -1);
    }

    private Resource combine(Resource o, long sign) {
        if (o.isZero() && o.allowedPods == 0) {
            return this;
        }
        Map<String, Long> s = scalars;
        if (!o.scalars.isEmpty()) {
            Map<String, Long> m = new HashMap<>(scalars);
            o.scalars.forEach((k, v) -> m.merge(k, sign * v, Long::sum));
            m.values().removeIf(v -> v == 0);
            s = m;
        }
        return new Resource(milliCpu + sign * o.milliCpu, memory + sign * o.memory,
                ephemeralStorage + sign * o.ephemeralStorage, allowedPods + sign * o.allowedPods, s);
    }

    /** The larger of each resource (the init-container rule). */
    public Resource max(Resource o) {
        Map<String, Long> s = scalars;
        if (!o.scalars.isEmpty()) {
            Map<String, Long> m = new HashMap<>(scalars);
            o.scalars.forEach((k, v) -> m.merge(k, v, Math::max));
            s = m;
        }
        return new Resource(Math.max(milliCpu, o.milliCpu), Math.max(memory, o.memory),
                Math.max(ephemeralStorage, o.ephemeralStorage), Math.max(allowedPods, o.allowedPods), s);
    }

    /** The amount of {@code name} (cpu in milli-units), for scorers that iterate configured resources. */
    public long get(String name) {
        return switch (name) {
            case CPU -> milliCpu;
            case MEMORY -> memory;
            case EPHEMERAL_STORAGE -> ephemeralStorage;
            case PODS -> allowedPods;
            default -> scalar(name);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Resource r && r.milliCpu == milliCpu && r.memory == memory && r.ephemeralStorage == ephemeralStorage
                && r.allowedPods == allowedPods && r.scalars.equals(scalars);
    }

    @Override
    public int hashCode() {
        return Objects.hash(milliCpu, memory, ephemeralStorage, allowedPods, scalars);
    }

    @Override
    public String toString() {
        return "Resource{cpu=" + milliCpu + "m, memory=" + memory + ", ephemeral-storage=" + ephemeralStorage
                + ", pods=" + allowedPods + (scalars.isEmpty() ? "" : ", " + scalars) + "}";
    }
}
