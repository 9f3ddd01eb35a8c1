package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.PodFiles;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the docker runtime does without a daemon: image references, options, Docker's messages, kubelet's files. */
class DockerRuntimePureTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "busybox, busybox, latest",
            "busybox:1.36, busybox, 1.36",
            "docker.io/library/busybox:1.36, docker.io/library/busybox, 1.36",
            "127.0.0.1:5000/team/app, 127.0.0.1:5000/team/app, latest",
            "127.0.0.1:5000/team/app:2, 127.0.0.1:5000/team/app, 2",
            "nginx@sha256:0123abcd, nginx, sha256:0123abcd"})
    void anImageReferenceSplitsIntoRepositoryAndTagAsThePullApiWantsIt(String image, String repository, String tag) {
        assertThat(DockerRuntime.ImageReference.parse(image)).isEqualTo(new DockerRuntime.ImageReference(repository, tag));
    }

    @Test
    void nodeNsDefaultsAreItsOwnNetworkAndSubnet() {
        DockerRuntime.Options options = DockerRuntime.Options.forNode(7);
        assertThat(options.network()).isEqualTo("capstan-node7");
        assertThat(options.subnet()).isEqualTo("198.19.7.0/24");
        assertThat(options.subnetPrefix()).isEqualTo("198.19.7");
        assertThat(options.gateway()).isEqualTo("198.19.7.1");
        assertThat(options.pullImages()).isTrue();
    }

    @Test
    void thePodSubnetMustBeASlash24() {
        assertThatThrownBy(() -> DockerRuntime.Options.forNode(1).withNetwork("pods", "10.0.0.0/16"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a /24");
    }

    @Test
    void dockersMessageIsTakenFromItsJsonAnswer() {
        var error = new InternalServerErrorException("Status 500: {\"message\":\"Get \\\"http://127.0.0.1:1/v2/\\\": "
                + "connection refused\"}\n");
        assertThat(DockerRuntime.message(error)).isEqualTo("Get \"http://127.0.0.1:1/v2/\": connection refused");
        assertThat(DockerRuntime.message(new IllegalStateException("plain"))).isEqualTo("plain");
    }

    @Test
    void aRuntimeWithoutADaemonFailsAtOnceSayingWhereItLooked(@TempDir Path state) {
        assertThatThrownBy(() -> new DockerRuntime(state, DockerRuntime.Options.forNode(1)
                .withDockerHost("unix://" + state.resolve("no-docker.sock"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("the docker runtime cannot reach the Docker daemon at unix://" + state.resolve("no-docker.sock"));
    }

    @Test
    void theHostsFileIsKubeletsWithThePodsNamesOnItsAddress() {
        PodSandboxConfig pod = new PodSandboxConfig("uid", "shop", "web-0", "web-0", "web", "198.19.1.7", null);
        assertThat(PodFiles.kubeletHosts(pod)).startsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
                .endsWith("198.19.1.7\tweb-0.web.shop.svc.cluster.local\tweb-0\n");
        PodSandboxConfig plain = new PodSandboxConfig("uid", "shop", "web-0", null, null, "198.19.1.8", null);
        assertThat(PodFiles.kubeletHosts(plain)).endsWith("\n198.19.1.8\tweb-0\n");
    }

    @Test
    void theHostnameIsCutTo63CharactersWithoutATrailingDash() {
        String long64 = "a".repeat(62) + "-b";
        PodSandboxConfig pod = new PodSandboxConfig("uid", "ns", long64, long64, null, null, null);
        assertThat(PodFiles.hostname(pod)).isEqualTo("a".repeat(62));
    }
}
