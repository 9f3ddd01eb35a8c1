package io.capstan.scheduler.framework;

import java.util.List;

/**
 * The result of running a plugin (framework.Status): a code, the reasons shown to users (each
 * counted in the FailedScheduling message), and the plugin that failed.
 */
public record Status(Code code, List<String> reasons, String plugin) {
    public static final Status SUCCESS = new Status(Code.SUCCESS, List.of(), "");
    public static final Status SKIP = new Status(Code.SKIP, List.of(), "");

    public enum Code {
        SUCCESS,
        /** An internal error; the pod is retried with backoff. */
        ERROR,
        /** The node does not fit now, but preemption may make it fit. */
        UNSCHEDULABLE,
        /** The node does not fit and preemption cannot help (a label, a taint, a name). */
        UNSCHEDULABLE_AND_UNRESOLVABLE,
        /** PreFilter/PreScore: the plugin has nothing to do for this pod; its Filter/Score is skipped. */
        SKIP
    }

    public static Status unschedulable(String... reasons) {
        return new Status(Code.UNSCHEDULABLE, List.of(reasons), "");
    }

    public static Status unresolvable(String... reasons) {
        return new Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(reasons), "");
    }

    public static Status error(String message) {
        return new Status(Code.ERROR, List.of(message), "");
    }

    public boolean isSuccess() {
        return code == Code.SUCCESS;
    }

    public boolean isSkip() {
        return code == Code.SKIP;
    }

    /** Unschedulable or unresolvable (IsRejected). */
    public boolean isRejected() {
        return code == Code.UNSCHEDULABLE || code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE;
    }

    public Status withPlugin(String name) {
        return plugin.equals(name) ? this : new Status(code, reasons, name);
    }

    /** The reasons joined with ", " (Status.Message). */
    public String message() {
        return String.join(", ", reasons);
    }
}
