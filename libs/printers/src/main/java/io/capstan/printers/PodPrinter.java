package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.json.KubeJson;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.capstan.printers.Fields.integer;
import static io.capstan.printers.Fields.list;
import static io.capstan.printers.Fields.present;
import static io.capstan.printers.Fields.text;
import static io.capstan.printers.Fields.time;

/**
 * The pod row of {@code printPod}: READY counts ready containers (plus started restartable init
 * containers, the sidecars), STATUS is the most telling reason found walking init containers then
 * containers, RESTARTS carries "(5m ago)" from the latest last-terminated container.
 */
final class PodPrinter {

    /** The reason the node lifecycle controller sets on pods of an unreachable node. */
    private static final String NODE_LOST = "NodeLost";

    static final List<Column> COLUMNS = List.of(
            Column.nameColumn(),
            Column.str("Ready", "The aggregate readiness state of this pod for accepting traffic."),
            Column.str("Status", "The aggregate status of the containers in this pod."),
            Column.str("Restarts", "The number of times the containers in this pod have been restarted and when the "
                    + "last container in this pod has restarted."),
            Column.age(),
            Column.wide("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not "
                    + "yet allocated."),
            Column.wide("Node", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
                    + "candidate for scheduling by the scheduler defined in schedulerName."),
            Column.wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the "
                    + "node, but it cannot be scheduled right away as preemption victims receive their graceful "
                    + "termination periods."),
            Column.wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness."));

    static final KindPrinter PRINTER = new KindPrinter(COLUMNS, PodPrinter::cells, PodPrinter::conditions);

    private PodPrinter() {
    }

    static List<Object> cells(JsonNode pod, Instant now) {
        JsonNode status = pod.path("status");
        long restarts = 0;
        long restartableInitRestarts = 0;
        int totalContainers = Fields.size(pod, "spec", "containers");
        int readyContainers = 0;
        Instant lastRestart = null;
        Instant lastRestartableInitRestart = null;

        String phase = text(status, "phase");
        String reason = Fields.orElse(text(status, "reason"), phase);
        for (JsonNode condition : status.path("conditions")) {
            if ("PodScheduled".equals(text(condition, "type")) && "SchedulingGated".equals(text(condition, "reason"))) {
                reason = "SchedulingGated";
            }
        }

        Map<String, JsonNode> initContainers = new HashMap<>();
        List<JsonNode> initSpecs = list(pod, "spec", "initContainers");
        for (JsonNode c : initSpecs) {
            initContainers.put(text(c, "name"), c);
            if (restartable(c)) {
                totalContainers++;
            }
        }

        boolean initializing = false;
        List<JsonNode> initStatuses = list(status, "initContainerStatuses");
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode container = initStatuses.get(i);
            restarts += integer(container, "restartCount");
            Instant terminated = time(container, "lastState", "terminated", "finishedAt");
            lastRestart = later(lastRestart, terminated);
            boolean sidecar = restartable(initContainers.get(text(container, "name")));
            if (sidecar) {
                restartableInitRestarts += integer(container, "restartCount");
                lastRestartableInitRestart = later(lastRestartableInitRestart, terminated);
            }
            JsonNode state = container.path("state");
            if (present(state, "terminated") && integer(state, "terminated", "exitCode") == 0) {
                continue;
            }
            if (sidecar && container.path("started").asBoolean(false)) {
                if (container.path("ready").asBoolean(false)) {
                    readyContainers++;
                }
                continue;
            }
            if (present(state, "terminated")) {
                String terminatedReason = text(state, "terminated", "reason");
                if (terminatedReason.isEmpty()) {
                    long signal = integer(state, "terminated", "signal");
                    reason = signal != 0 ? "Init:Signal:" + signal
                            : "Init:ExitCode:" + integer(state, "terminated", "exitCode");
                } else {
                    reason = "Init:" + terminatedReason;
                }
            } else if (!text(state, "waiting", "reason").isEmpty()
                    && !"PodInitializing".equals(text(state, "waiting", "reason"))) {
                reason = "Init:" + text(state, "waiting", "reason");
            } else {
                reason = "Init:" + i + "/" + initSpecs.size();
            }
            initializing = true;
            break;
        }

        if (!initializing || conditionTrue(status, "Initialized")) {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            boolean hasRunning = false;
            List<JsonNode> statuses = list(status, "containerStatuses");
            // walked backwards so that the first container's reason wins, as in printPod
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode container = statuses.get(i);
                restarts += integer(container, "restartCount");
                lastRestart = later(lastRestart, time(container, "lastState", "terminated", "finishedAt"));
                JsonNode state = container.path("state");
                if (!text(state, "waiting", "reason").isEmpty()) {
                    reason = text(state, "waiting", "reason");
                } else if (present(state, "terminated") && !text(state, "terminated", "reason").isEmpty()) {
                    reason = text(state, "terminated", "reason");
                } else if (present(state, "terminated")) {
                    long signal = integer(state, "terminated", "signal");
                    reason = signal != 0 ? "Signal:" + signal : "ExitCode:" + integer(state, "terminated", "exitCode");
                } else if (container.path("ready").asBoolean(false) && present(state, "running")) {
                    hasRunning = true;
                    readyContainers++;
                }
            }
            if ("Completed".equals(reason) && hasRunning) {
                reason = conditionTrue(status, "Ready") ? "Running" : "NotReady";
            }
        }

        boolean deleting = present(pod, "metadata", "deletionTimestamp");
        if (deleting && NODE_LOST.equals(text(status, "reason"))) {
            reason = "Unknown";
        } else if (deleting && !"Succeeded".equals(phase) && !"Failed".equals(phase)) {
            reason = "Terminating";
        }

        String restartsCell = Long.toString(restarts);
        if (restarts != 0 && lastRestart != null) {
            restartsCell = restarts + " (" + HumanDuration.since(lastRestart, now) + " ago)";
        }

        List<Object> cells = new ArrayList<>();
        cells.add(Fields.name(pod));
        cells.add(readyContainers + "/" + totalContainers);
        cells.add(reason);
        cells.add(restartsCell);
        cells.add(Fields.age(pod, now));
        cells.add(Fields.orElse(podIp(status), "<none>"));
        cells.add(Fields.orElse(text(pod, "spec", "nodeName"), "<none>"));
        cells.add(Fields.orElse(text(status, "nominatedNodeName"), "<none>"));
        cells.add(readinessGates(pod));
        return cells;
    }

    static ArrayNode conditions(JsonNode pod) {
        String phase = text(pod, "status", "phase");
        if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
            return null;
        }
        ObjectNode condition = KubeJson.object();
        condition.put("type", "Completed");
        condition.put("status", "True");
        condition.put("reason", phase);
        condition.put("message", "Succeeded".equals(phase) ? "The pod has completed successfully." : "The pod failed.");
        return KubeJson.NODES.arrayNode().add(condition);
    }

    /** The v1-to-internal conversion fills podIPs from podIP when only the latter is set; the printer reads podIPs[0]. */
    private static String podIp(JsonNode status) {
        JsonNode ips = status.path("podIPs");
        if (ips.isArray() && !ips.isEmpty()) {
            return text(ips.get(0), "ip");
        }
        return text(status, "podIP");
    }

    private static String readinessGates(JsonNode pod) {
        List<JsonNode> gates = list(pod, "spec", "readinessGates");
        if (gates.isEmpty()) {
            return "<none>";
        }
        int trueConditions = 0;
        for (JsonNode gate : gates) {
            for (JsonNode condition : pod.path("status").path("conditions")) {
                if (text(condition, "type").equals(text(gate, "conditionType"))) {
                    if ("True".equals(text(condition, "status"))) {
                        trueConditions++;
                    }
                    break;
                }
            }
        }
        return trueConditions + "/" + gates.size();
    }

    private static boolean restartable(JsonNode initContainer) {
        return initContainer != null && "Always".equals(text(initContainer, "restartPolicy"));
    }

    private static boolean conditionTrue(JsonNode status, String type) {
        for (JsonNode condition : status.path("conditions")) {
            if (type.equals(text(condition, "type")) && "True".equals(text(condition, "status"))) {
                return true;
            }
        }
        return false;
    }

    private static Instant later(Instant current, Instant candidate) {
        if (candidate == null) {
            return current;
        }
        return current == null || current.isBefore(candidate) ? candidate : current;
    }
}
