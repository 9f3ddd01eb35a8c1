package io.capstan.mesh.xds;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Merges bursts of changes into one rebuild, as istiod's {@code debounce()}: the rebuild runs
 * once no change arrived for the quiet period, or at the latest the cap after the first change
 * of the burst. The rebuild gets the {@link System#nanoTime()} of that first change (the oldest
 * change it contains, from which convergence is measured). Rebuilds run on {@code executor},
 * which must be single-threaded so that one rebuild runs at a time; changes that arrive during a
 * rebuild start the next burst.
 *
 * <p>Thread-safe: {@link #changed()} may be called from any thread.
 */
public final class Debouncer {
    private final long quietNanos;
    private final long capNanos;
    private final ScheduledExecutorService executor;
    private final LongConsumer rebuild;
    // @GuardedBy("this"): first and last change of the pending burst (first == 0: none), whether a check is scheduled
    private long first;
    private long last;
    private boolean scheduled;

    public Debouncer(Duration quiet, Duration cap, ScheduledExecutorService executor, LongConsumer rebuild) {
        this.quietNanos = quiet.toNanos();
        this.capNanos = Math.max(cap.toNanos(), quiet.toNanos());
        this.executor = executor;
        this.rebuild = rebuild;
    }

    /** Notes a change; the rebuild that follows contains it. */
    public void changed() {
        long now = System.nanoTime();
        synchronized (this) {
            if (first == 0) {
                first = now;
            }
            last = now;
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        executor.schedule(this::check, quietNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        long since;
        synchronized (this) {
            long now = System.nanoTime();
            long due = Math.min(last + quietNanos, first + capNanos);
            if (now < due) {
                executor.schedule(this::check, due - now, TimeUnit.NANOSECONDS);
                return;
            }
            since = first;
            first = 0;
            scheduled = false;
        }
        rebuild.accept(since);
    }
}
