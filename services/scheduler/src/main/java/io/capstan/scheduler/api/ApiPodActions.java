package io.capstan.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.scheduler.SchedulerActions;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Status;
import io.fabric8.kubernetes.api.model.PodCondition;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The scheduler's writes, through {@link ApiClient}: {@code POST pods/binding}, the
 * {@code PodScheduled} condition and {@code nominatedNodeName} on {@code pods/status}
 * (strategic merge patches, as kube-scheduler sends), preemption's graceful deletes with the
 * {@code DisruptionTarget} condition first, and events through the profile's {@link EventWriter}.
 * Thread-safe.
 */
public final class ApiPodActions implements SchedulerActions {
    private static final Logger LOG = Logger.getLogger(ApiPodActions.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STRATEGIC = "application/strategic-merge-patch+json";
    /** The {@code action} kube-scheduler gives each event reason. */
    private static final java.util.Map<String, String> ACTIONS = java.util.Map.of("Scheduled", "Binding", "FailedScheduling", "Scheduling",
            "Preempted", "Preempting");

    private final ApiClient api;
    private final EventWriter events;
    private final String schedulerName;

    public ApiPodActions(ApiClient api, EventWriter events, String schedulerName) {
        this.api = api;
        this.events = events;
        this.schedulerName = schedulerName;
    }

    private static String podPath(PodInfo pod) {
        return "/api/v1/namespaces/" + pod.namespace() + "/pods/" + pod.name();
    }

    @Override
    public Status bind(PodInfo pod, String nodeName) {
        ObjectNode binding = JSON.createObjectNode();
        binding.put("apiVersion", "v1");
        binding.put("kind", "Binding");
        ObjectNode meta = binding.putObject("metadata");
        meta.put("name", pod.name());
        meta.put("namespace", pod.namespace());
        if (!pod.uid().isEmpty()) {
            meta.put("uid", pod.uid());
        }
        ObjectNode target = binding.putObject("target");
        target.put("apiVersion", "v1");
        target.put("kind", "Node");
        target.put("name", nodeName);
        try {
            ApiClient.Response r = api.post(podPath(pod) + "/binding", binding.toString());
            return r.ok() ? Status.SUCCESS : Status.error(message(r));
        } catch (IOException e) {
            return Status.error("binding " + pod.key() + " to " + nodeName + ": " + e.getMessage());
        }
    }

    @Override
    public Status deletePod(PodInfo victim) {
        try {
            // DisruptionTarget tells the victim's owner why it went (PodDisruptionConditions)
            ObjectNode condition = JSON.createObjectNode();
            condition.put("type", "DisruptionTarget");
            condition.put("status", "True");
            condition.put("reason", "PreemptionByScheduler");
            condition.put("message", schedulerName + ": preempting to accommodate a higher priority pod");
            condition.put("lastTransitionTime", now());
            ObjectNode patch = JSON.createObjectNode();
            patch.putObject("status").putArray("conditions").add(condition);
            ApiClient.Response p = api.patch(podPath(victim) + "/status", STRATEGIC, patch.toString());
            if (p.status() == 404) {
                return Status.SUCCESS;
            }
            String preconditions = victim.uid().isEmpty() ? "{}" : "{\"preconditions\":{\"uid\":\"" + victim.uid() + "\"}}";
            ApiClient.Response r = api.delete(podPath(victim), preconditions);
            if (r.ok() || r.status() == 404 || r.status() == 409) {
                return Status.SUCCESS;
            }
            return Status.error("deleting victim " + victim.key() + ": " + message(r));
        } catch (IOException e) {
            return Status.error("deleting victim " + victim.key() + ": " + e.getMessage());
        }
    }

    @Override
    public void clearNominatedNodeName(PodInfo pod) {
        patchStatus(pod, "{\"status\":{\"nominatedNodeName\":null}}");
    }

    @Override
    public void event(PodInfo pod, String type, String reason, String message) {
        events.event(pod.pod(), type, reason, ACTIONS.getOrDefault(reason, "Scheduling"), message);
    }

    /**
     * As kube-scheduler's failure handler (updatePod): a pod retried a hundred times for the same
     * reason is patched once.
     */
    @Override
    public void updateCondition(PodInfo pod, String reason, String message, String nominatedNodeName) {
        PodCondition old = null;
        List<PodCondition> conditions = pod.pod().getStatus() == null ? null : pod.pod().getStatus().getConditions();
        if (conditions != null) {
            for (PodCondition c : conditions) {
                if ("PodScheduled".equals(c.getType())) {
                    old = c;
                }
            }
        }
        boolean sameCondition = old != null && "False".equals(old.getStatus()) && reason.equals(old.getReason())
                && message.equals(old.getMessage());
        boolean sameNomination = nominatedNodeName == null || nominatedNodeName.equals(pod.nominatedNodeName());
        if (sameCondition && sameNomination) {
            return;
        }
        ObjectNode condition = JSON.createObjectNode();
        condition.put("type", "PodScheduled");
        condition.put("status", "False");
        condition.put("reason", reason);
        condition.put("message", message);
        condition.putNull("lastProbeTime");
        condition.put("lastTransitionTime", old != null && "False".equals(old.getStatus()) && old.getLastTransitionTime() != null
                ? old.getLastTransitionTime() : now());
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode status = patch.putObject("status");
        status.putArray("conditions").add(condition);
        if (nominatedNodeName != null) {
            if (nominatedNodeName.isEmpty()) {
                status.putNull("nominatedNodeName");
            } else {
                status.put("nominatedNodeName", nominatedNodeName);
            }
        }
        patchStatus(pod, patch.toString());
    }

    private void patchStatus(PodInfo pod, String patch) {
        try {
            ApiClient.Response r = api.patch(podPath(pod) + "/status", STRATEGIC, patch);
            if (!r.ok() && r.status() != 404) {
                LOG.warnf("cannot update the status of pod %s: %s", pod.key(), message(r));
            }
        } catch (IOException e) {
            LOG.warnf("cannot update the status of pod %s: %s", pod.key(), e.getMessage());
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The message of a Kubernetes Status body, else the status code and body. */
    static String message(ApiClient.Response r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON
        }
        return "HTTP " + r.status() + ": " + r.body();
    }
}
