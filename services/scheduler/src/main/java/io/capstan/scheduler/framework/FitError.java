package io.capstan.scheduler.framework;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Why a pod fits no node (framework.FitError), worded exactly as kube-scheduler does:
 * {@code "0/3 nodes are available: 3 Insufficient cpu."}: each reason with the number of nodes
 * that gave it, as strings sorted lexically, joined by ", "; or the PreFilter rejection instead of
 * the per-node reasons; then the PostFilter (preemption) message, e.g.
 * {@code " preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}.
 *
 * @param numAllNodes       nodes in the snapshot
 * @param nodeStatuses      the rejection of each node that was filtered, by node name
 * @param preFilterMessage  the PreFilter rejection, or empty
 * @param postFilterMessage the PostFilter message, or empty
 * @param plugins           the plugins that rejected the pod (for requeueing on their events)
 */
public record FitError(int numAllNodes, Map<String, Status> nodeStatuses, String preFilterMessage, String postFilterMessage,
                       Set<String> plugins) {
    public static final String NO_NODES_AVAILABLE = "no nodes available to schedule pods";

    public FitError withPostFilterMessage(String message) {
        return new FitError(numAllNodes, nodeStatuses, preFilterMessage, message, plugins);
    }

    public String message() {
        StringBuilder msg = new StringBuilder("0/").append(numAllNodes).append(" nodes are available:");
        if (!preFilterMessage.isEmpty()) {
            msg.append(' ').append(preFilterMessage).append('.');
        } else {
            List<String> histogram = histogram(nodeStatuses);
            if (!histogram.isEmpty()) {
                msg.append(' ').append(String.join(", ", histogram)).append('.');
            }
        }
        if (!postFilterMessage.isEmpty()) {
            msg.append(' ').append(postFilterMessage);
        }
        return msg.toString();
    }

    /** "count reason" for every reason, sorted as strings (so "10 ..." sorts before "2 ..."), as Kubernetes does. */
    static List<String> histogram(Map<String, Status> statuses) {
        Map<String, Integer> counts = new HashMap<>();
        for (Status s : statuses.values()) {
            for (String r : s.reasons()) {
                counts.merge(r, 1, Integer::sum);
            }
        }
        List<String> out = new ArrayList<>(counts.size());
        counts.forEach((reason, n) -> out.add(n + " " + reason));
        Collections.sort(out);
        return out;
    }
}
