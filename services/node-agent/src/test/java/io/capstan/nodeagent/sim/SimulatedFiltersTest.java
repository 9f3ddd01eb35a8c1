package io.capstan.nodeagent.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatedFiltersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void onlyPodsOfTheseNodesThatNeedActionAreKept() throws Exception {
        Predicate<JsonNode> needs = SimulatedNodes.podNeedsAction(Set.of("sim-1"));
        assertThat(needs.test(json("{\"spec\":{\"nodeName\":\"sim-1\"},\"status\":{\"phase\":\"Pending\"}}"))).isTrue();
        assertThat(needs.test(json("{\"spec\":{\"nodeName\":\"real\"},\"status\":{\"phase\":\"Pending\"}}"))).isFalse();
        assertThat(needs.test(json("{\"spec\":{\"nodeName\":\"sim-1\"},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.1.2\","
                + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"))).as("already running").isFalse();
        assertThat(needs.test(json("{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"nodeName\":\"sim-1\"},"
                + "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.1.2\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}")))
                .as("terminating").isTrue();
        assertThat(needs.test(json("{\"spec\":{\"nodeName\":\"sim-1\"},\"status\":{\"phase\":\"Succeeded\"}}"))).isFalse();
    }

    @Test
    void onlyTheseNodesWhileNotReadyAreKept() throws Exception {
        Predicate<JsonNode> unready = SimulatedNodes.nodeNotReady(Set.of("sim-1"));
        assertThat(unready.test(json("{\"metadata\":{\"name\":\"sim-1\"},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}"))).isTrue();
        assertThat(unready.test(json("{\"metadata\":{\"name\":\"sim-1\"},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"))).isFalse();
        assertThat(unready.test(json("{\"metadata\":{\"name\":\"other\"},\"status\":{}}"))).isFalse();
    }

    @Test
    void aSimulatedPodRunsReadyWithItsIp() {
        Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u").endMetadata()
                .withNewSpec().withNodeName("sim-1").addNewContainer().withName("c").withImage("nginx").endContainer().endSpec().build();
        var status = SimulatedPodStatus.running(pod, "127.1.0.1", "10.0.1.7", "2026-01-01T00:00:00Z");
        assertThat(status.getPhase()).isEqualTo("Running");
        assertThat(status.getPodIP()).isEqualTo("10.0.1.7");
        assertThat(status.getContainerStatuses().get(0).getReady()).isTrue();
        Pod running = new PodBuilder(pod).withStatus(status).build();
        assertThat(SimulatedPodStatus.alreadyRunning(running)).isTrue();
        assertThat(SimulatedPodStatus.alreadyRunning(pod)).isFalse();
    }
}
