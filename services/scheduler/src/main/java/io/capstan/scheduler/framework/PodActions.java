package io.capstan.scheduler.framework;

/**
 * The writes plugins make through the api-server (binding, preemption). Implementations block
 * until the api-server answered and must be thread-safe: Bind runs on binding threads.
 */
public interface PodActions {
    /** POST pods/binding; SUCCESS or ERROR with the api-server's message. */
    Status bind(PodInfo pod, String nodeName);

    /** Deletes a preemption victim (graceful, as kube-scheduler does); a pod already gone is success. */
    Status deletePod(PodInfo victim);

    /** Removes {@code status.nominatedNodeName} from a pod whose nomination was taken away. */
    void clearNominatedNodeName(PodInfo pod);

    /** Records an event about {@code pod} (type Normal or Warning), as the profile's scheduler. */
    void event(PodInfo pod, String type, String reason, String message);
}
