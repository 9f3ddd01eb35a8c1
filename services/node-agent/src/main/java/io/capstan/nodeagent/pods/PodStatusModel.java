package io.capstan.nodeagent.pods;

import io.capstan.nodeagent.runtime.ContainerInfo;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountStatusBuilder;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's status as the kubelet's generateAPIPodStatus writes it, as a pure function of the pod,
 * what its containers do and what the agent gave it: container statuses (state, lastState,
 * restartCount, ready, started, containerID, imageID), the phase (getPhase, never leaving a
 * terminal phase), the kubelet's conditions (PodReadyToStartContainers, Initialized, Ready,
 * ContainersReady, PodScheduled) with the reasons and messages of pkg/kubelet/status, other
 * conditions kept, podIP(s), hostIP(s), startTime and qosClass.
 */
public final class PodStatusModel {
    /** Conditions the kubelet owns; any other condition on the pod is kept as it is. */
    static final Set<String> KUBELET_CONDITIONS = Set.of("PodScheduled", "Ready", "Initialized", "ContainersReady",
            "PodReadyToStartContainers");

    private PodStatusModel() {
    }

    /**
     * What the agent knows about the pod besides its containers.
     *
     * @param startTime    when the agent first saw the pod (RFC 3339), used when the status has none yet
     * @param sandboxReady the sandbox exists with its IP (PodReadyToStartContainers)
     * @param finished     the pod will run nothing again, so its phase is terminal
     * @param reason       a pod-level reason (DeadlineExceeded), or null to keep the current one
     * @param message      its message
     */
    public record Inputs(String runtimeName, String podIp, String hostIp, String startTime, boolean sandboxReady,
                         boolean finished, String reason, String message) {
    }

    public static PodStatus build(Pod pod, Map<String, ContainerView> views, Inputs in, Instant now) {
        PodSpec spec = pod.getSpec();
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        List<Container> inits = spec.getInitContainers() == null ? List.of() : spec.getInitContainers();
        boolean hasInits = !inits.isEmpty();
        List<ContainerStatus> initStatuses = new ArrayList<>();
        for (Container c : inits) {
            initStatuses.add(containerStatus(c, views.get(c.getName()), true, hasInits, in.runtimeName()));
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        for (Container c : spec.getContainers()) {
            statuses.add(containerStatus(c, views.get(c.getName()), false, hasInits, in.runtimeName()));
        }
        String phase = phase(spec, initStatuses, statuses, in.finished());
        String oldPhase = old.getPhase();
        if (("Failed".equals(oldPhase) || "Succeeded".equals(oldPhase)) && !phase.equals(oldPhase)) {
            // pods never leave a terminal phase
            phase = oldPhase;
        }
        String reason = in.reason() != null ? in.reason() : phase.equals(oldPhase) ? old.getReason() : null;
        String message = in.reason() != null ? in.message() : phase.equals(oldPhase) ? old.getMessage() : null;

        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        List<PodCondition> conditions = new ArrayList<>();
        if (old.getConditions() != null) {
            for (PodCondition c : old.getConditions()) {
                if (!KUBELET_CONDITIONS.contains(c.getType())) {
                    conditions.add(c);
                }
            }
        }
        List<ContainerStatus> all = new ArrayList<>(initStatuses);
        all.addAll(statuses);
        conditions.add(condition(old, "PodReadyToStartContainers", in.sandboxReady() ? "True" : "False", null, null, time));
        conditions.add(initialized(spec, inits, initStatuses, statuses, phase, old, time));
        PodCondition containersReady = containersReady(spec, inits, all, phase, old, time);
        conditions.add(ready(spec, containersReady, conditions, old, time));
        conditions.add(containersReady);
        conditions.add(condition(old, "PodScheduled", "True", null, null, time));

        PodStatusBuilder status = new PodStatusBuilder()
                .withPhase(phase)
                .withReason(reason)
                .withMessage(message)
                .withConditions(conditions)
                .withHostIP(in.hostIp())
                .withQosClass(QosClass.of(spec))
                .withStartTime(old.getStartTime() != null ? old.getStartTime() : in.startTime())
                .withInitContainerStatuses(hasInits ? initStatuses : null)
                .withContainerStatuses(statuses)
                .withNominatedNodeName(old.getNominatedNodeName());
        if (in.hostIp() != null) {
            status.addNewHostIP().withIp(in.hostIp()).endHostIP();
        }
        String podIp = in.podIp() != null ? in.podIp() : old.getPodIP();
        if (podIp != null) {
            status.withPodIP(podIp).addNewPodIP().withIp(podIp).endPodIP();
        }
        return status.build();
    }

    static ContainerStatus containerStatus(Container c, ContainerView view, boolean init, boolean hasInits, String runtimeName) {
        ContainerView v = view == null ? ContainerView.none(c.getName()) : view;
        ContainerInfo latest = v.latest();
        ContainerStatusBuilder b = new ContainerStatusBuilder()
                .withName(c.getName())
                .withImage(c.getImage())
                .withImageID("")
                .withRestartCount(latest == null ? 0 : latest.id().attempt())
                .withReady(false)
                .withStarted(false)
                .withVolumeMounts(volumeMounts(c));
        if (latest == null || latest.state() == ContainerInfo.State.CREATED) {
            Waiting w = v.waiting() != null ? v.waiting() : new Waiting(hasInits ? "PodInitializing" : "ContainerCreating", null);
            b.withState(waiting(w));
            if (latest != null) {
                b.withContainerID(latest.id().uri(runtimeName)).withImageID(imageId(latest));
            }
            if (v.previous() != null && v.previous().state() == ContainerInfo.State.EXITED) {
                b.withLastState(terminated(v.previous(), runtimeName));
            }
            return b.build();
        }
        b.withContainerID(latest.id().uri(runtimeName)).withImageID(imageId(latest));
        if (v.running()) {
            b.withState(new ContainerStateBuilder().withNewRunning().withStartedAt(time(latest.startedAt())).endRunning().build());
            if (v.previous() != null && v.previous().state() == ContainerInfo.State.EXITED) {
                b.withLastState(terminated(v.previous(), runtimeName));
            }
            // a regular init container becomes ready only by completing
            boolean regularInit = init && !SyncModel.sidecar(c);
            b.withStarted(v.started()).withReady(!regularInit && v.started() && v.ready());
            return b.build();
        }
        if (v.waiting() != null) {
            b.withState(waiting(v.waiting())).withLastState(terminated(latest, runtimeName));
        } else {
            b.withState(terminated(latest, runtimeName));
            if (v.previous() != null && v.previous().state() == ContainerInfo.State.EXITED) {
                b.withLastState(terminated(v.previous(), runtimeName));
            }
        }
        // a regular init container that completed counts as ready: that is what Initialized reads
        b.withReady(init && !SyncModel.sidecar(c) && v.waiting() == null && ContainerView.exitCodeOf(latest) == 0);
        return b.build();
    }

    private static String imageId(ContainerInfo info) {
        return info.image() == null ? "" : info.image();
    }

    private static List<io.fabric8.kubernetes.api.model.VolumeMountStatus> volumeMounts(Container c) {
        if (c.getVolumeMounts() == null || c.getVolumeMounts().isEmpty()) {
            return null;
        }
        List<io.fabric8.kubernetes.api.model.VolumeMountStatus> out = new ArrayList<>();
        for (VolumeMount m : c.getVolumeMounts()) {
            out.add(new VolumeMountStatusBuilder().withName(m.getName()).withMountPath(m.getMountPath())
                    .withReadOnly(Boolean.TRUE.equals(m.getReadOnly()) ? true : null).build());
        }
        return out;
    }

    private static ContainerState waiting(Waiting w) {
        return new ContainerStateBuilder().withNewWaiting().withReason(w.reason()).withMessage(w.message()).endWaiting().build();
    }

    private static ContainerState terminated(ContainerInfo info, String runtimeName) {
        int exit = ContainerView.exitCodeOf(info);
        String reason = info.reason() != null ? info.reason() : exit == 0 ? "Completed" : "Error";
        return new ContainerStateBuilder().withNewTerminated()
                .withExitCode(exit)
                .withSignal(info.signal())
                .withReason(reason)
                .withMessage(info.message())
                .withStartedAt(time(info.startedAt()))
                .withFinishedAt(time(info.finishedAt()))
                .withContainerID(info.id().uri(runtimeName))
                .endTerminated().build();
    }

    private static String time(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The kubelet's getPhase over the statuses just built. */
    static String phase(PodSpec spec, List<ContainerStatus> initStatuses, List<ContainerStatus> statuses, boolean finished) {
        List<Container> inits = spec.getInitContainers() == null ? List.of() : spec.getInitContainers();
        int pendingInitialization = 0;
        int failedInitialization = 0;
        int unknown = 0;
        int running = 0;
        int waiting = 0;
        int stopped = 0;
        int succeeded = 0;
        for (int i = 0; i < inits.size(); i++) {
            ContainerStatus s = initStatuses.get(i);
            ContainerState st = s.getState();
            if (SyncModel.sidecar(inits.get(i))) {
                if (st.getRunning() != null) {
                    if (!Boolean.TRUE.equals(s.getStarted())) {
                        pendingInitialization++;
                    }
                    running++;
                } else if (st.getWaiting() != null && (s.getLastState() == null || s.getLastState().getTerminated() == null)) {
                    pendingInitialization++;
                    waiting++;
                }
                continue;
            }
            if (st.getRunning() != null) {
                pendingInitialization++;
            } else if (st.getTerminated() != null) {
                if (st.getTerminated().getExitCode() != 0) {
                    failedInitialization++;
                }
            } else if (st.getWaiting() != null && s.getLastState() != null && s.getLastState().getTerminated() != null) {
                if (s.getLastState().getTerminated().getExitCode() != 0) {
                    failedInitialization++;
                }
            } else {
                pendingInitialization++;
            }
        }
        boolean anyRegularStarted = false;
        for (ContainerStatus s : statuses) {
            ContainerState st = s.getState();
            if (st.getRunning() != null) {
                running++;
                anyRegularStarted = true;
            } else if (st.getTerminated() != null) {
                stopped++;
                anyRegularStarted = true;
                if (st.getTerminated().getExitCode() == 0) {
                    succeeded++;
                }
            } else if (st.getWaiting() != null) {
                if (s.getLastState() != null && s.getLastState().getTerminated() != null) {
                    stopped++;
                    anyRegularStarted = true;
                } else {
                    waiting++;
                }
            } else {
                unknown++;
            }
        }
        String policy = SyncModel.restartPolicy(spec);
        if (failedInitialization > 0 && "Never".equals(policy)) {
            return "Failed";
        }
        if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) {
            return "Pending";
        }
        if (running > 0 && unknown == 0) {
            return "Running";
        }
        if (running == 0 && stopped > 0 && unknown == 0) {
            if (finished) {
                return stopped == succeeded ? "Succeeded" : "Failed";
            }
            if ("Always".equals(policy)) {
                return "Running";
            }
            if (stopped == succeeded) {
                return "Succeeded";
            }
            if ("Never".equals(policy)) {
                return "Failed";
            }
            return "Running";
        }
        return "Pending";
    }

    private static PodCondition initialized(PodSpec spec, List<Container> inits, List<ContainerStatus> initStatuses,
                                            List<ContainerStatus> statuses, String phase, PodStatus old, String time) {
        List<String> incomplete = new ArrayList<>();
        for (int i = 0; i < inits.size(); i++) {
            ContainerStatus s = initStatuses.get(i);
            boolean done = SyncModel.sidecar(inits.get(i)) ? Boolean.TRUE.equals(s.getStarted()) : Boolean.TRUE.equals(s.getReady());
            if (!done) {
                incomplete.add(inits.get(i).getName());
            }
        }
        if ("Succeeded".equals(phase)) {
            return condition(old, "Initialized", "True", "PodCompleted", null, time);
        }
        boolean anyRegularStarted = statuses.stream().anyMatch(s -> s.getState().getRunning() != null
                || s.getState().getTerminated() != null
                || (s.getLastState() != null && s.getLastState().getTerminated() != null));
        if (anyRegularStarted || incomplete.isEmpty()) {
            return condition(old, "Initialized", "True", null, null, time);
        }
        return condition(old, "Initialized", "False", "ContainersNotInitialized",
                "containers with incomplete status: " + goList(incomplete), time);
    }

    private static PodCondition containersReady(PodSpec spec, List<Container> inits, List<ContainerStatus> all, String phase,
                                                PodStatus old, String time) {
        if ("Succeeded".equals(phase)) {
            return condition(old, "ContainersReady", "False", "PodCompleted", null, time);
        }
        if ("Failed".equals(phase)) {
            return condition(old, "ContainersReady", "False", "PodFailed", null, time);
        }
        List<String> unready = new ArrayList<>();
        for (Container c : inits) {
            if (SyncModel.sidecar(c) && !ready(all, c.getName())) {
                unready.add(c.getName());
            }
        }
        for (Container c : spec.getContainers()) {
            if (!ready(all, c.getName())) {
                unready.add(c.getName());
            }
        }
        if (!unready.isEmpty()) {
            return condition(old, "ContainersReady", "False", "ContainersNotReady",
                    "containers with unready status: " + goList(unready), time);
        }
        return condition(old, "ContainersReady", "True", null, null, time);
    }

    private static PodCondition ready(PodSpec spec, PodCondition containersReady, List<PodCondition> conditions, PodStatus old,
                                      String time) {
        if (!"True".equals(containersReady.getStatus())) {
            return condition(old, "Ready", containersReady.getStatus(), containersReady.getReason(), containersReady.getMessage(), time);
        }
        List<String> unready = new ArrayList<>();
        if (spec.getReadinessGates() != null) {
            for (PodReadinessGate gate : spec.getReadinessGates()) {
                PodCondition c = conditions.stream().filter(x -> gate.getConditionType().equals(x.getType())).findFirst().orElse(null);
                if (c == null) {
                    unready.add("corresponding condition of pod readiness gate \"" + gate.getConditionType() + "\" does not exist.");
                } else if (!"True".equals(c.getStatus())) {
                    unready.add("the status of pod readiness gate \"" + gate.getConditionType() + "\" is not \"True\", but "
                            + c.getStatus());
                }
            }
        }
        if (!unready.isEmpty()) {
            return condition(old, "Ready", "False", "ReadinessGatesNotReady", String.join(", ", unready), time);
        }
        return condition(old, "Ready", "True", null, null, time);
    }

    private static boolean ready(List<ContainerStatus> all, String name) {
        return all.stream().anyMatch(s -> s.getName().equals(name) && Boolean.TRUE.equals(s.getReady()));
    }

    /** A condition whose lastTransitionTime moves only when its status changes. */
    private static PodCondition condition(PodStatus old, String type, String status, String reason, String message, String now) {
        String transition = now;
        if (old.getConditions() != null) {
            for (PodCondition c : old.getConditions()) {
                if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                    transition = c.getLastTransitionTime();
                }
            }
        }
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(transition).build();
    }

    /** Go's %s of a string slice: [a b]. */
    private static String goList(List<String> names) {
        return "[" + String.join(" ", names) + "]";
    }
}
