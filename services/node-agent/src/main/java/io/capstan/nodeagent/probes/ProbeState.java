package io.capstan.nodeagent.probes;

/**
 * The result of one probe of one container run, as the kubelet's probe worker keeps it: the
 * published result changes only after {@code failureThreshold} failures or
 * {@code successThreshold} successes in a row. A liveness or startup probe that has failed is
 * put on hold (it stops probing) until the container is replaced. Before the first decision a
 * readiness probe counts as not ready, a liveness probe as alive, a startup probe as not started.
 *
 * <p>Not thread-safe: one probe worker owns it.
 */
public final class ProbeState {
    public enum Kind {
        LIVENESS("Liveness"), READINESS("Readiness"), STARTUP("Startup");

        private final String title;

        Kind(String title) {
            this.title = title;
        }

        /** As the kubelet names it in events: "Liveness probe failed: ...". */
        public String title() {
            return title;
        }
    }

    public enum Result { UNKNOWN, SUCCESS, FAILURE }

    private final Kind kind;
    private final int successThreshold;
    private final int failureThreshold;
    private Result result = Result.UNKNOWN;
    private Result last = Result.UNKNOWN;
    private int run;
    private boolean onHold;

    public ProbeState(Kind kind, int successThreshold, int failureThreshold) {
        this.kind = kind;
        this.successThreshold = Math.max(1, successThreshold);
        this.failureThreshold = Math.max(1, failureThreshold);
    }

    public Kind kind() {
        return kind;
    }

    /** Records one attempt; true when the published result changed. */
    public boolean record(boolean success) {
        if (onHold) {
            return false;
        }
        Result attempt = success ? Result.SUCCESS : Result.FAILURE;
        if (attempt == last) {
            run++;
        } else {
            last = attempt;
            run = 1;
        }
        if ((attempt == Result.FAILURE && run < failureThreshold) || (attempt == Result.SUCCESS && run < successThreshold)) {
            return false;
        }
        Result before = result;
        result = attempt;
        if (attempt == Result.FAILURE && kind != Kind.READINESS) {
            onHold = true;
            run = 0;
        }
        return before != result;
    }

    public Result result() {
        return result;
    }

    /** A failed liveness or startup probe waits for a new container before it probes again. */
    public boolean onHold() {
        return onHold;
    }

    /** Readiness: ready only after a success; the others have no say. */
    public boolean ready() {
        return result == Result.SUCCESS;
    }

    /** Liveness or startup: the container must be restarted. */
    public boolean failed() {
        return result == Result.FAILURE && kind != Kind.READINESS;
    }

    /** Startup: the container has started. */
    public boolean succeeded() {
        return result == Result.SUCCESS;
    }
}
