package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DockerNamesTest {
    private static final Path STATE = Path.of("/var/lib/capstan/node-1/runtime");
    private static final PodSandboxConfig POD = new PodSandboxConfig("7d1c2c4e-0000-4000-8000-000000000001", "shop",
            "web-0", "web-0", null, "198.19.1.7", null);

    @Test
    void theInstanceIsAStableHashOfTheStateDirectory() {
        assertThat(DockerNames.instance(STATE)).hasSize(12).matches("[0-9a-f]{12}")
                .isEqualTo(DockerNames.instance(Path.of("/var/lib/capstan/node-1/./runtime")))
                .isNotEqualTo(DockerNames.instance(Path.of("/var/lib/capstan/node-2/runtime")));
    }

    @Test
    void namesAreDeterministicAndTheSandboxCannotClashWithAContainer() {
        ContainerId id = new ContainerId(POD.podUid(), "pod", 3);
        assertThat(DockerNames.containerName("abc", id)).isEqualTo("capstan-abc_pod_" + POD.podUid() + "_3");
        assertThat(DockerNames.sandboxName("abc", POD.podUid())).isEqualTo("capstan-abc_POD_" + POD.podUid());
    }

    @Test
    void aContainersLabelsGiveItsIdBack() {
        ContainerId id = new ContainerId(POD.podUid(), "nginx", 2);
        Map<String, String> labels = DockerNames.containerLabels("abc", STATE, id, POD, "nginx:1.27");
        assertThat(labels).containsEntry(DockerNames.RUNTIME, "abc").containsEntry(DockerNames.POD_NAMESPACE, "shop")
                .containsEntry(DockerNames.POD_NAME, "web-0").containsEntry(DockerNames.IMAGE, "nginx:1.27");
        assertThat(DockerNames.containerId(labels)).contains(id);
    }

    @Test
    void aSandboxOrAForeignContainerHasNoContainerId() {
        assertThat(DockerNames.containerId(DockerNames.sandboxLabels("abc", STATE, POD))).isEmpty();
        assertThat(DockerNames.containerId(Map.of("maintainer", "someone"))).isEmpty();
        assertThat(DockerNames.containerId(null)).isEmpty();
        assertThat(DockerNames.containerId(Map.of(DockerNames.TYPE, DockerNames.CONTAINER, DockerNames.POD_UID, "u",
                DockerNames.CONTAINER_NAME, "c", DockerNames.ATTEMPT, "x"))).isEmpty();
    }
}
