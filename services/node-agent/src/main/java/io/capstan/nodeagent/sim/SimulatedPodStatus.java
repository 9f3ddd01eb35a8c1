package io.capstan.nodeagent.sim;

import io.capstan.nodeagent.pods.QosClass;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;

import java.util.ArrayList;
import java.util.List;

/**
 * What a simulated node reports for a pod bound to it, as KWOK's default stages do: Running,
 * every container running, started and ready, init containers completed, all conditions True,
 * the pod IP from the node's range. Nothing runs.
 */
public final class SimulatedPodStatus {
    private SimulatedPodStatus() {
    }

    /** True when the pod already shows what {@link #running} would write (so no write is needed). */
    public static boolean alreadyRunning(Pod pod) {
        PodStatus s = pod.getStatus();
        if (s == null || !"Running".equals(s.getPhase()) || s.getPodIP() == null || s.getConditions() == null) {
            return false;
        }
        return s.getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The status of a running, ready pod; {@code now} is an RFC 3339 time. */
    public static PodStatus running(Pod pod, String hostIp, String podIp, String now) {
        List<ContainerStatus> containers = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            containers.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("")
                    .withContainerID("simulated://" + pod.getMetadata().getUid() + "/" + c.getName())
                    .withReady(true).withStarted(true).withRestartCount(0)
                    .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build());
        }
        List<ContainerStatus> inits = new ArrayList<>();
        if (pod.getSpec().getInitContainers() != null) {
            for (Container c : pod.getSpec().getInitContainers()) {
                inits.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("")
                        .withContainerID("simulated://" + pod.getMetadata().getUid() + "/" + c.getName())
                        .withReady(true).withStarted(false).withRestartCount(0)
                        .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").withStartedAt(now)
                        .withFinishedAt(now).endTerminated().endState().build());
            }
        }
        List<PodCondition> conditions = new ArrayList<>();
        for (String type : List.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")) {
            conditions.add(new PodConditionBuilder().withType(type).withStatus("True").withLastTransitionTime(now).build());
        }
        return new PodStatusBuilder().withPhase("Running").withConditions(conditions)
                .withHostIP(hostIp).addNewHostIP().withIp(hostIp).endHostIP()
                .withPodIP(podIp).addNewPodIP().withIp(podIp).endPodIP()
                .withStartTime(pod.getStatus() != null && pod.getStatus().getStartTime() != null ? pod.getStatus().getStartTime() : now)
                .withQosClass(QosClass.of(pod.getSpec()))
                .withContainerStatuses(containers)
                .withInitContainerStatuses(inits.isEmpty() ? null : inits)
                .build();
    }
}
