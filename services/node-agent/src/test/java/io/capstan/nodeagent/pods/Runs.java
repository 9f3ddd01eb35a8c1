package io.capstan.nodeagent.pods;

import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Container runs and pods for the table tests of the pure pod models. */
final class Runs {
    static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    private Runs() {
    }

    static ContainerInfo running(String name, int attempt) {
        return new ContainerInfo(new ContainerId("uid-1", name, attempt), "busybox", ContainerInfo.State.RUNNING, 42,
                T0.plusSeconds(attempt), null, null, null, null, null, true);
    }

    static ContainerInfo exited(String name, int attempt, int exitCode) {
        return new ContainerInfo(new ContainerId("uid-1", name, attempt), "busybox", ContainerInfo.State.EXITED, 42,
                T0.plusSeconds(attempt), T0.plusSeconds(attempt + 1), exitCode, null, null, null, true);
    }

    static ContainerView view(String name, ContainerInfo latest) {
        boolean running = latest != null && latest.running();
        return new ContainerView(name, latest, null, null, running, running, null);
    }

    static Map<String, ContainerView> views(ContainerView... views) {
        Map<String, ContainerView> map = new LinkedHashMap<>();
        for (ContainerView v : views) {
            map.put(v.name(), v);
        }
        return map;
    }

    static Container container(String name) {
        return new ContainerBuilder().withName(name).withImage("busybox").build();
    }

    static Pod pod(String restartPolicy, List<Container> inits, List<Container> containers) {
        return new PodBuilder().withNewMetadata().withNamespace("ns").withName("p").withUid("uid-1").endMetadata()
                .withNewSpec().withRestartPolicy(restartPolicy).withInitContainers(inits).withContainers(containers).endSpec()
                .withNewStatus().withPhase("Pending").endStatus().build();
    }
}
