package io.capstan.scheduler.framework;

import java.util.Set;

/**
 * A PreFilter verdict, optionally narrowing the nodes worth filtering (null: all). When the
 * framework merges the plugins' results, {@code excluded} is the status of the nodes left out
 * ("node(s) didn't satisfy plugin(s) [NodeAffinity]"), which they count under in a FitError.
 */
public record PreFilterResult(Status status, Set<String> nodeNames, Status excluded) {
    public static final PreFilterResult SUCCESS = new PreFilterResult(Status.SUCCESS, null, null);
    public static final PreFilterResult SKIP = new PreFilterResult(Status.SKIP, null, null);

    public PreFilterResult(Status status, Set<String> nodeNames) {
        this(status, nodeNames, null);
    }

    public static PreFilterResult of(Status status) {
        return status.isSuccess() ? SUCCESS : status.isSkip() ? SKIP : new PreFilterResult(status, null);
    }
}
