package io.capstan.nodeagent.pods;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.capstan.nodeagent.pods.Runs.container;
import static io.capstan.nodeagent.pods.Runs.exited;
import static io.capstan.nodeagent.pods.Runs.running;
import static io.capstan.nodeagent.pods.Runs.view;
import static io.capstan.nodeagent.pods.Runs.views;
import static org.assertj.core.api.Assertions.assertThat;

class SyncModelTest {
    private static PodSpec spec(String policy, List<Container> inits, List<Container> containers) {
        return Runs.pod(policy, inits, containers).getSpec();
    }

    @Test
    void initContainersRunOneAtATimeInOrderBeforeTheContainers() {
        PodSpec spec = spec("Always", List.of(container("init-1"), container("init-2")), List.of(container("web"), container("side")));
        assertThat(SyncModel.decide(spec, views(), false).starts()).containsExactly("init-1");
        assertThat(SyncModel.decide(spec, views(view("init-1", running("init-1", 0))), false).starts()).isEmpty();
        assertThat(SyncModel.decide(spec, views(view("init-1", exited("init-1", 0, 0))), false).starts()).containsExactly("init-2");
        assertThat(SyncModel.decide(spec, views(view("init-1", exited("init-1", 0, 0)), view("init-2", exited("init-2", 0, 0))), false)
                .starts()).containsExactly("web", "side");
    }

    @Test
    void aFailedInitContainerIsRetriedOrFailsThePodUnderNever() {
        List<Container> inits = List.of(container("init"));
        List<Container> containers = List.of(container("web"));
        var failed = views(view("init", exited("init", 2, 1)));
        assertThat(SyncModel.decide(spec("OnFailure", inits, containers), failed, false).starts()).containsExactly("init");
        SyncModel.Plan never = SyncModel.decide(spec("Never", inits, containers), failed, false);
        assertThat(never.finished()).isTrue();
        assertThat(never.starts()).isEmpty();
    }

    @Test
    void exitedContainersRestartByThePolicy() {
        List<Container> one = List.of(container("c"));
        var ok = views(view("c", exited("c", 0, 0)));
        var failed = views(view("c", exited("c", 0, 3)));
        assertThat(SyncModel.decide(spec("Always", List.of(), one), ok, false).starts()).containsExactly("c");
        assertThat(SyncModel.decide(spec("OnFailure", List.of(), one), ok, false).finished()).isTrue();
        assertThat(SyncModel.decide(spec("OnFailure", List.of(), one), failed, false).starts()).containsExactly("c");
        assertThat(SyncModel.decide(spec("Never", List.of(), one), failed, false).finished()).isTrue();
    }

    @Test
    void aLivenessFailureKillsAndTheRestartWaitsForTheExit() {
        PodSpec spec = spec("Always", List.of(), List.of(container("c")));
        ContainerView unhealthy = new ContainerView("c", running("c", 0), null, null, true, true, "Container c failed liveness probe, will be restarted");
        SyncModel.Plan plan = SyncModel.decide(spec, views(unhealthy), false);
        assertThat(plan.kills()).extracting(SyncModel.Kill::message).containsExactly("Container c failed liveness probe, will be restarted");
        assertThat(plan.starts()).isEmpty();
        assertThat(plan.finished()).isFalse();
    }

    @Test
    void whenTheContainersAreDoneSidecarsAreStoppedAndThePodFinishes() {
        Container sidecar = new ContainerBuilder().withName("proxy").withImage("busybox").withRestartPolicy("Always").build();
        PodSpec spec = spec("Never", List.of(sidecar), List.of(container("job")));
        assertThat(SyncModel.decide(spec, views(), false).starts()).containsExactly("proxy");
        ContainerView notStarted = new ContainerView("proxy", running("proxy", 0), null, null, false, false, null);
        assertThat(SyncModel.decide(spec, views(notStarted), false).starts()).as("waits for the sidecar to start").isEmpty();
        SyncModel.Plan running = SyncModel.decide(spec, views(view("proxy", running("proxy", 0))), false);
        assertThat(running.starts()).containsExactly("job");
        SyncModel.Plan done = SyncModel.decide(spec, views(view("proxy", running("proxy", 0)), view("job", exited("job", 0, 0))), false);
        assertThat(done.finished()).isTrue();
        assertThat(done.kills()).extracting(SyncModel.Kill::container).containsExactly("proxy");
    }

    @Test
    void aFinishedPodStartsNothingAndStopsWhatRuns() {
        PodSpec spec = spec("Always", List.of(), List.of(container("c")));
        SyncModel.Plan plan = SyncModel.decide(spec, views(view("c", running("c", 0))), true);
        assertThat(plan.starts()).isEmpty();
        assertThat(plan.kills()).hasSize(1);
    }
}
