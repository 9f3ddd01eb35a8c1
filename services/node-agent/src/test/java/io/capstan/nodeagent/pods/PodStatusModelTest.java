package io.capstan.nodeagent.pods;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.capstan.nodeagent.pods.Runs.container;
import static io.capstan.nodeagent.pods.Runs.exited;
import static io.capstan.nodeagent.pods.Runs.running;
import static io.capstan.nodeagent.pods.Runs.view;
import static io.capstan.nodeagent.pods.Runs.views;
import static org.assertj.core.api.Assertions.assertThat;

class PodStatusModelTest {
    private static final Instant NOW = Instant.parse("2026-01-01T10:05:00Z");
    private static final PodStatusModel.Inputs RUNNING = new PodStatusModel.Inputs("process", "127.244.1.5", "127.0.1.1",
            "2026-01-01T10:00:00Z", true, false, null, null);

    private static PodStatus build(Pod pod, Map<String, ContainerView> views, PodStatusModel.Inputs in) {
        return PodStatusModel.build(pod, views, in, NOW);
    }

    private static PodCondition condition(PodStatus s, String type) {
        return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void aRunningReadyPodLooksLikeTheKubeletsOne() {
        Pod pod = Runs.pod("Always", List.of(), List.of(container("web")));
        PodStatus s = build(pod, views(view("web", running("web", 0))), RUNNING);
        assertThat(s.getPhase()).isEqualTo("Running");
        assertThat(s.getPodIP()).isEqualTo("127.244.1.5");
        assertThat(s.getPodIPs()).extracting("ip").containsExactly("127.244.1.5");
        assertThat(s.getHostIP()).isEqualTo("127.0.1.1");
        assertThat(s.getStartTime()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(s.getQosClass()).isEqualTo("BestEffort");
        assertThat(s.getConditions()).extracting(PodCondition::getType)
                .containsExactly("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled");
        assertThat(s.getConditions()).extracting(PodCondition::getStatus).containsOnly("True");
        ContainerStatus cs = s.getContainerStatuses().get(0);
        assertThat(cs.getReady()).isTrue();
        assertThat(cs.getStarted()).isTrue();
        assertThat(cs.getContainerID()).isEqualTo("process://uid-1/web/0");
        assertThat(cs.getState().getRunning().getStartedAt()).isEqualTo("2026-01-01T10:00:00Z");
    }

    @Test
    void aCrashLoopShowsWaitingWithTheLastTerminationAndTheRestartCount() {
        Pod pod = Runs.pod("Always", List.of(), List.of(container("c")));
        ContainerView v = new ContainerView("c", exited("c", 3, 1), exited("c", 2, 1),
                new Waiting("CrashLoopBackOff", "back-off 40s restarting failed container=c pod=p_ns(uid-1)"), false, false, null);
        PodStatus s = build(pod, views(v), RUNNING);
        ContainerStatus cs = s.getContainerStatuses().get(0);
        assertThat(cs.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
        assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(1);
        assertThat(cs.getLastState().getTerminated().getReason()).isEqualTo("Error");
        assertThat(cs.getRestartCount()).isEqualTo(3);
        assertThat(s.getPhase()).isEqualTo("Running");
        assertThat(condition(s, "Ready").getReason()).isEqualTo("ContainersNotReady");
        assertThat(condition(s, "Ready").getMessage()).isEqualTo("containers with unready status: [c]");
    }

    @Test
    void phasesFollowTheRestartPolicy() {
        var ok = views(view("c", exited("c", 0, 0)));
        var failed = views(view("c", exited("c", 0, 2)));
        PodStatusModel.Inputs done = new PodStatusModel.Inputs("process", null, "127.0.1.1", "2026-01-01T10:00:00Z", false, true, null, null);
        assertThat(build(Runs.pod("Never", List.of(), List.of(container("c"))), ok, done).getPhase()).isEqualTo("Succeeded");
        assertThat(build(Runs.pod("Never", List.of(), List.of(container("c"))), failed, done).getPhase()).isEqualTo("Failed");
        assertThat(build(Runs.pod("OnFailure", List.of(), List.of(container("c"))), ok, done).getPhase()).isEqualTo("Succeeded");
        assertThat(build(Runs.pod("Never", List.of(), List.of(container("c"))), views(), RUNNING).getPhase()).isEqualTo("Pending");
        PodStatus succeeded = build(Runs.pod("Never", List.of(), List.of(container("c"))), ok, done);
        assertThat(condition(succeeded, "Ready").getReason()).isEqualTo("PodCompleted");
        assertThat(condition(succeeded, "PodReadyToStartContainers").getStatus()).isEqualTo("False");
        assertThat(succeeded.getContainerStatuses().get(0).getState().getTerminated().getReason()).isEqualTo("Completed");
    }

    @Test
    void initContainersKeepThePodPendingAndInitializing() {
        Pod pod = Runs.pod("Always", List.of(container("init")), List.of(container("web")));
        PodStatus s = build(pod, views(view("init", running("init", 0))), RUNNING);
        assertThat(s.getPhase()).isEqualTo("Pending");
        assertThat(condition(s, "Initialized").getStatus()).isEqualTo("False");
        assertThat(condition(s, "Initialized").getMessage()).isEqualTo("containers with incomplete status: [init]");
        assertThat(s.getContainerStatuses().get(0).getState().getWaiting().getReason()).isEqualTo("PodInitializing");
        PodStatus after = build(pod, views(view("init", exited("init", 0, 0)), view("web", running("web", 0))), RUNNING);
        assertThat(after.getPhase()).isEqualTo("Running");
        assertThat(after.getInitContainerStatuses().get(0).getReady()).isTrue();
        assertThat(condition(after, "Initialized").getStatus()).isEqualTo("True");
    }

    @Test
    void transitionTimesMoveOnlyWhenAConditionFlipsAndForeignConditionsStay() {
        Pod pod = new PodBuilder(Runs.pod("Always", List.of(), List.of(container("web")))).editStatus()
                .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime("2026-01-01T09:00:00Z").endCondition()
                .addNewCondition().withType("DisruptionTarget").withStatus("True").withReason("x").endCondition()
                .withPhase("Running").endStatus().build();
        PodStatus s = build(pod, views(view("web", running("web", 0))), RUNNING);
        assertThat(condition(s, "Ready").getLastTransitionTime()).isEqualTo("2026-01-01T09:00:00Z");
        assertThat(condition(s, "ContainersReady").getLastTransitionTime()).isEqualTo("2026-01-01T10:05:00Z");
        assertThat(condition(s, "DisruptionTarget").getReason()).isEqualTo("x");
    }

    @Test
    void aTerminalPhaseNeverChanges() {
        Pod pod = new PodBuilder(Runs.pod("Always", List.of(), List.of(container("c")))).editStatus().withPhase("Failed").endStatus().build();
        assertThat(build(pod, views(view("c", running("c", 1))), RUNNING).getPhase()).isEqualTo("Failed");
    }

    @Test
    void qosClassesFollowRequestsAndLimits() {
        var guaranteed = new ContainerBuilder().withName("a").withNewResources()
                .addToLimits("cpu", new Quantity("1")).addToLimits("memory", new Quantity("1Gi"))
                .addToRequests("cpu", new Quantity("1000m")).addToRequests("memory", new Quantity("1024Mi")).endResources().build();
        var burstable = new ContainerBuilder().withName("b").withNewResources().addToRequests("cpu", new Quantity("100m")).endResources().build();
        var limitsOnly = new ContainerBuilder().withName("c").withNewResources()
                .addToLimits("cpu", new Quantity("1")).addToLimits("memory", new Quantity("1Gi")).endResources().build();
        assertThat(QosClass.of(Runs.pod("Always", List.of(), List.of(guaranteed)).getSpec())).isEqualTo("Guaranteed");
        assertThat(QosClass.of(Runs.pod("Always", List.of(), List.of(limitsOnly)).getSpec())).isEqualTo("Guaranteed");
        assertThat(QosClass.of(Runs.pod("Always", List.of(), List.of(guaranteed, burstable)).getSpec())).isEqualTo("Burstable");
        assertThat(QosClass.of(Runs.pod("Always", List.of(), List.of(container("d"))).getSpec())).isEqualTo("BestEffort");
    }

    @Test
    void goDurationsReadLikeTheKubeletsMessages() {
        assertThat(PodWorker.goDuration(java.time.Duration.ofSeconds(10))).isEqualTo("10s");
        assertThat(PodWorker.goDuration(java.time.Duration.ofSeconds(80))).isEqualTo("1m20s");
        assertThat(PodWorker.goDuration(java.time.Duration.ofMinutes(5))).isEqualTo("5m0s");
    }
}
