package io.capstan.scheduler.framework;

/**
 * A PostFilter plugin's outcome: on success, the node the pod is nominated to (preemption
 * victims are being removed there); otherwise the status whose message ends the FailedScheduling
 * message (e.g. "preemption: 0/3 nodes are available: ...").
 */
public record PostFilterResult(Status status, String nominatedNodeName) {
    public static PostFilterResult of(Status status) {
        return new PostFilterResult(status, null);
    }
}
