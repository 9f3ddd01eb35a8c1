package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The container, the kubelet address and the kubelet query, as kube-apiserver's pod strategy computes them. */
class KubeletLocationTest {

    private static JsonNode json(String s) throws Exception {
        return KubeJson.MAPPER.readTree(s);
    }

    private static MultiMap query(String q) {
        MultiMap m = MultiMap.caseInsensitiveMultiMap();
        for (String pair : q.isEmpty() ? new String[0] : q.split("&")) {
            String[] kv = pair.split("=", 2);
            m.add(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return m;
    }

    private static final String POD = """
            {"metadata":{"name":"web"},"spec":{"nodeName":"n1","containers":[{"name":"app"},{"name":"side"}],
             "initContainers":[{"name":"init"}],"ephemeralContainers":[{"name":"debug"}]}}""";

    @Test
    void aNamedContainerMustBeInThePod() throws Exception {
        JsonNode pod = json(POD);
        assertThat(KubeletLocation.container(pod, "side")).isEqualTo("side");
        assertThat(KubeletLocation.container(pod, "init")).isEqualTo("init");
        assertThat(KubeletLocation.container(pod, "debug")).isEqualTo("debug");
        assertThatThrownBy(() -> KubeletLocation.container(pod, "nope"))
                .isInstanceOf(ApiException.class).hasMessage("container nope is not valid for pod web")
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(400));
    }

    @Test
    void withoutANameOnlyASingleContainerIsChosen() throws Exception {
        assertThat(KubeletLocation.container(json("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"only\"}]}}"), null))
                .isEqualTo("only");
        assertThatThrownBy(() -> KubeletLocation.container(json(POD), ""))
                .hasMessage("a container name must be specified for pod web, choose one of: [app side] or one of the init containers: [init]");
    }

    @Test
    void theKubeletIsAtThePreferredAddressAndTheReportedPort() throws Exception {
        JsonNode node = json("""
                {"status":{"addresses":[{"type":"Hostname","address":"box"},{"type":"InternalIP","address":"127.0.1.3"}],
                 "daemonEndpoints":{"kubeletEndpoint":{"Port":10251}}}}""");
        assertThat(KubeletLocation.endpoint(node)).isEqualTo(new KubeletLocation.Endpoint("127.0.1.3", 10251));
        assertThat(KubeletLocation.endpoint(json("{\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"box\"}]}}")))
                .isEqualTo(new KubeletLocation.Endpoint("box", 10250));
        assertThatThrownBy(() -> KubeletLocation.endpoint(json("{\"status\":{}}")))
                .hasMessage("no preferred addresses found; known addresses: []");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "nothing          |                                            | ''",
            "follow           | follow=true&container=app                  | follow=true",
            "false flags      | follow=false&previous=0                    | ''",
            "everything       | previous=1&timestamps=true&tailLines=5&limitBytes=10&sinceSeconds=3 | previous=true&timestamps=true&sinceSeconds=3&tailLines=5&limitBytes=10",
            "since time       | sinceTime=2024-01-02T03:04:05Z             | sinceTime=2024-01-02T03%3A04%3A05Z",
    })
    void logOptionsBecomeTheKubeletQuery(String name, String in, String out) {
        assertThat(KubeletLocation.logQuery(query(in == null ? "" : in), "web")).isEqualTo(out);
    }

    @Test
    void invalidLogOptionsAreA422ForPodLogOptions() {
        assertThatThrownBy(() -> KubeletLocation.logQuery(query("tailLines=-1&limitBytes=0"), "web"))
                .isInstanceOf(ApiException.class)
                .hasMessage("PodLogOptions \"web\" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, "
                        + "limitBytes: Invalid value: 0: must be greater than 0]");
        assertThatThrownBy(() -> KubeletLocation.logQuery(query("sinceSeconds=1&sinceTime=2024-01-02T03:04:05Z"), "web"))
                .hasMessageContaining("at most one of `sinceTime` or `sinceSeconds` may be specified");
        assertThatThrownBy(() -> KubeletLocation.logQuery(query("tailLines=ten"), "web"))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(400));
    }

    @Test
    void execOptionsBecomeTheKubeletsParameters() {
        MultiMap params = query("command=sh&command=-c&stdin=true&stdout=true&stderr=false&tty=true&container=app");
        params.add("command", "echo a&b");
        assertThat(KubeletLocation.commandQuery(params)).isEqualTo("command=sh&command=-c&command=echo+a%26b&input=1&output=1&tty=1");
    }

    @Test
    void kubeletRefusalsOfLogsBecomeStatusesAsKubeApiserverWordsThem() {
        assertThat(NodeConnections.kubeletRefusal(400, "container \"a\" in pod \"web\" is waiting to start: ContainerCreating", "web").toStatus()
                .path("message").asText()).isEqualTo("container \"a\" in pod \"web\" is waiting to start: ContainerCreating");
        ApiException notFound = NodeConnections.kubeletRefusal(404, "pod \"web\" does not exist", "web");
        assertThat(notFound.code()).isEqualTo(404);
        assertThat(notFound.getMessage()).isEqualTo("the server could not find the requested resource ( pods/log web)");
        assertThat(NodeConnections.kubeletRefusal(500, "boom", "web").getMessage()).isEqualTo("Internal error occurred: boom");
    }
}
