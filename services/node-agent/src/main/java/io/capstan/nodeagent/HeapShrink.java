package io.capstan.nodeagent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Gives the heap back once a burst of pods has passed. The agents run the serial collector (the
 * smallest footprint), whose old generation grows while many pods start or stop at once (short
 * lived objects promoted early from a small young generation) and shrinks only at a full
 * collection, which an agent that settles with its pods may not have for hours. So, after the
 * old generation has grown and the pod set has been quiet for a while, one full collection runs
 * and {@code -XX:MaxHeapFreeRatio} with {@code -XX:-ShrinkHeapInSteps} returns the free part.
 * What G1's {@code G1PeriodicGCInterval} does for G1 (an idle, uncommitting collection), here for
 * the serial collector; at most one collection per growth of the old generation.
 *
 * <p>Thread-safety: {@link #podsChanged} from any thread; {@link #tick} from the agent's timer.
 */
public final class HeapShrink {
    private static final Logger LOG = Logger.getLogger(HeapShrink.class);
    /** Growth of the old generation's committed size that is worth a collection. */
    static final long MIN_GROWTH = 4L << 20;

    private final LongSupplier committed;
    private final Duration quiet;
    private final LongSupplier nanoClock;
    private final Runnable collect;
    private final Counter shrinks;
    private volatile long lastChange;
    private long baseline;

    /** @param committed the old generation's committed bytes, -1 if unknown */
    HeapShrink(Duration quiet, LongSupplier nanoClock, LongSupplier committed, Runnable collect, MeterRegistry registry) {
        this.committed = committed;
        this.quiet = quiet;
        this.nanoClock = nanoClock;
        this.collect = collect;
        this.lastChange = nanoClock.getAsLong();
        this.baseline = committed.getAsLong();
        this.shrinks = Counter.builder("capstan_node_agent_heap_shrinks_total")
                .description("Full collections run after a burst of pods to return the old generation's free part").register(registry);
    }

    public static HeapShrink create(Duration quiet, MeterRegistry registry) {
        Optional<MemoryPoolMXBean> oldGen = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported())
                .filter(p -> !p.getName().contains("Eden") && !p.getName().contains("Survivor"))
                .findFirst();
        return new HeapShrink(quiet, System::nanoTime, () -> oldGen.map(p -> p.getUsage().getCommitted()).orElse(-1L), System::gc,
                registry);
    }

    /** A pod came or went. */
    public void podsChanged() {
        lastChange = nanoClock.getAsLong();
    }

    /** Runs the collection when it is due; returns whether it ran. */
    public boolean tick() {
        long before = committed.getAsLong();
        if (!due(before, baseline, nanoClock.getAsLong() - lastChange, quiet.toNanos())) {
            return false;
        }
        collect.run();
        long after = committed.getAsLong();
        shrinks.increment();
        LOG.debugf("heap shrink after a quiet %s: old generation %d -> %d KiB", quiet, before >> 10, after >> 10);
        baseline = after;
        return true;
    }

    /**
     * Due when the old generation has grown by {@link #MIN_GROWTH} since the last collection this
     * ran (or since start) and no pod came or went for {@code quietNanos}.
     */
    static boolean due(long committed, long baseline, long sinceChangeNanos, long quietNanos) {
        return committed >= 0 && committed - baseline >= MIN_GROWTH && sinceChangeNanos >= quietNanos;
    }
}
