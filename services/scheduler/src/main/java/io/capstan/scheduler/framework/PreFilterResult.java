package io.capstan.scheduler.framework;

import java.util.Set;

/** A PreFilter plugin's verdict, optionally narrowing the nodes worth filtering (null: all). */
public record PreFilterResult(Status status, Set<String> nodeNames) {
    public static final PreFilterResult SUCCESS = new PreFilterResult(Status.SUCCESS, null);
    public static final PreFilterResult SKIP = new PreFilterResult(Status.SKIP, null);

    public static PreFilterResult of(Status status) {
        return status.isSuccess() ? SUCCESS : status.isSkip() ? SKIP : new PreFilterResult(status, null);
    }
}
