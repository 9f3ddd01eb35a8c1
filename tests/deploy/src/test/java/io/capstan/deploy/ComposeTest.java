package io.capstan.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docker-compose.yml as apt's docker-compose 1.29 reads it, compared with how ./capstan runs each role. */
class ComposeTest {
    private static final Pattern CAPSTAN_PROPERTY = Pattern.compile("-D(capstan\\.([a-z-]+)\\.[a-z.-]+)=");
    private static JsonNode compose;

    @BeforeAll
    static void config() throws IOException {
        Commands.Result config = Commands.run(Duration.ofSeconds(60), Commands.require("docker-compose"),
                "-f", "docker-compose.yml", "config").orFail();
        compose = new ObjectMapper(new YAMLFactory()).readTree(config.output());
    }

    private static JsonNode service(String name) {
        JsonNode service = compose.at("/services/" + name);
        assertThat(service.isMissingNode()).as("service %s", name).isFalse();
        return service;
    }

    @Test
    void composeRunsEtcdKafkaEveryRoleAndMonitoring() {
        List<String> names = new ArrayList<>();
        compose.get("services").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("etcd", "kafka", "api-server", "controller-manager", "scheduler",
                "mesh-control-plane", "node-agent-1", "node-agent-2", "envoy-1", "proxy-2", "prometheus", "grafana");
    }

    @Test
    void everyRoleGetsTheSettingsCapstanUpGivesIt() {
        Map<String, List<String>> byRole = capstanUpSettings();
        assertThat(byRole).containsOnlyKeys("api-server", "controller-manager", "scheduler", "node-agent", "mesh", "proxy");
        byRole.forEach((role, properties) -> {
            // node-1's data plane is Envoy (envoyDataPlane...), so Capstan's proxy runs on node-2 only.
            List<String> services = switch (role) {
                case "node-agent" -> List.of("node-agent-1", "node-agent-2");
                case "mesh" -> List.of("mesh-control-plane");
                case "proxy" -> List.of("proxy-2");
                default -> List.of(role);
            };
            for (String name : services) {
                JsonNode env = service(name).get("environment");
                for (String property : properties) {
                    String variable = property.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_");
                    assertThat(env.has(variable)).as("%s sets %s (./capstan: -D%s)", name, variable, property).isTrue();
                }
            }
        });
        assertThat(service("node-agent-2").at("/environment/CAPSTAN_NODE_AGENT_NODE_NAME").asText()).isEqualTo("node-2");
    }

    @Test
    void nodeAgentsRunPodsOnTheMachinesDockerInTheirOwnNetworkNamespace() {
        for (String name : List.of("node-agent-1", "node-agent-2")) {
            JsonNode agent = service(name);
            JsonNode env = agent.get("environment");
            assertThat(env.get("CAPSTAN_NODE_AGENT_RUNTIME").asText()).as(name).isEqualTo("docker");
            // Pods join this container's namespace, where the node's data plane serves the Service IPs.
            assertThat(env.get("CAPSTAN_NODE_AGENT_DOCKER_NETWORK").asText()).as(name)
                    .isEqualTo("container:" + agent.get("container_name").asText());
            List<String> volumes = new ArrayList<>();
            agent.get("volumes").forEach(v -> volumes.add(v.isTextual() ? v.asText() : v.get("source").asText() + ":" + v.get("target").asText()));
            String socket = env.get("CAPSTAN_NODE_AGENT_DOCKER_HOST").asText().replaceFirst("^unix://", "");
            assertThat(volumes).as(name).anyMatch(v -> v.startsWith(socket + ":" + socket));
            // The daemon bind-mounts pod directories by their host path: the same path on both sides.
            String state = env.get("CAPSTAN_NODE_AGENT_STATE_DIR").asText();
            assertThat(volumes).as(name).anyMatch(v -> v.startsWith(state + ":" + state));
            assertThat(agent.get("user").asText()).as("%s reaches the Docker socket", name).isEqualTo("0");
        }
    }

    @Test
    void rolesWaitForWhatTheyNeedAndReportTheirHealthOnTheirPort() {
        assertThat(service("api-server").at("/depends_on/etcd/condition").asText()).isEqualTo("service_healthy");
        assertThat(service("api-server").at("/depends_on/kafka/condition").asText()).isEqualTo("service_healthy");
        for (String name : List.of("api-server", "controller-manager", "scheduler", "mesh-control-plane", "node-agent-1",
                "node-agent-2", "proxy-2")) {
            JsonNode service = service(name);
            String port = service.at("/environment/QUARKUS_HTTP_PORT").asText();
            assertThat(service.at("/healthcheck/test").toString()).as(name).contains("http://127.0.0.1:" + port + "/");
            assertThat(service.get("image").asText()).as(name).startsWith("capstan/" + name.replaceAll("-\\d$", "") + ":");
            assertThat(service.get("read_only").asBoolean()).as(name).isTrue();
            String needs = switch (name) {
                case "api-server" -> "etcd";
                case "proxy-2" -> "mesh-control-plane";
                default -> "api-server";
            };
            assertThat(service.at("/depends_on/" + needs + "/condition").asText()).as(name).isEqualTo("service_healthy");
        }
    }

    @Test
    void publishedPortsStayOnLoopback() {
        for (Iterator<JsonNode> it = compose.get("services").elements(); it.hasNext(); ) {
            it.next().path("ports").forEach(p -> assertThat(p.asText()).startsWith("127.0.0.1:"));
        }
    }

    @Test
    void prometheusAndGrafanaMountTheObservabilityFiles() {
        List<String> sources = new ArrayList<>();
        for (String name : List.of("prometheus", "grafana")) {
            service(name).get("volumes").forEach(v -> {
                String source = v.isTextual() ? v.asText().split(":")[0] : v.path("source").asText();
                if (source.startsWith("/")) {
                    sources.add(source);
                }
            });
        }
        assertThat(sources).containsExactlyInAnyOrder(Repo.path("observability/prometheus").toString(),
                Repo.path("observability/grafana/provisioning").toString(),
                Repo.path("observability/grafana/dashboards").toString());
        assertThat(sources).allSatisfy(s -> assertThat(Files.isDirectory(Path.of(s))).as(s).isTrue());
    }

    @Test
    void envoyDataPlaneOfNodeOneIsFedByTheMeshControlPlaneWithTheMountedBootstrap() {
        JsonNode envoy = service("envoy-1");
        assertThat(envoy.get("image").asText()).startsWith("envoyproxy/envoy:v");
        assertThat(envoy.get("network_mode").asText()).isEqualTo("service:node-agent-1");
        assertThat(envoy.at("/depends_on/mesh-control-plane/condition").asText()).isEqualTo("service_healthy");
        List<String> volumes = new ArrayList<>();
        envoy.get("volumes").forEach(v -> volumes.add(v.isTextual() ? v.asText()
                : v.path("source").asText() + ":" + v.path("target").asText() + (v.path("read_only").asBoolean() ? ":ro" : "")));
        assertThat(volumes).containsExactlyInAnyOrder(Repo.path("mesh/envoy/bootstrap.yaml") + ":/etc/envoy/bootstrap.yaml:ro",
                Repo.path("observability/envoy/stats-listeners.yaml") + ":/etc/envoy/stats-listeners.yaml:ro");
        List<String> command = new ArrayList<>();
        envoy.get("command").forEach(a -> command.add(a.asText()));
        String script = String.join(" ", command);
        assertThat(script).contains("/etc/envoy/bootstrap.yaml > /tmp/bootstrap.yaml", "exec envoy --config-path /tmp/bootstrap.yaml",
                "cat /etc/envoy/stats-listeners.yaml");

        JsonNode env = envoy.get("environment");
        JsonNode agent = service("node-agent-1").get("environment");
        assertThat(env.get("NODE_NAME").asText()).isEqualTo(agent.get("CAPSTAN_NODE_AGENT_NODE_NAME").asText());
        assertThat(env.get("NODE_IP").asText()).isEqualTo("127.0.1." + agent.get("CAPSTAN_NODE_AGENT_NODE_INDEX").asText());
        assertThat(env.get("XDS_HOST").asText() + ":" + env.get("XDS_PORT").asText())
                .isEqualTo("mesh-control-plane:" + service("mesh-control-plane").at("/environment/CAPSTAN_MESH_XDS_PORT").asText());
        Set<String> placeholders = ChartTest.placeholders(Repo.read("mesh/envoy/bootstrap.yaml"));
        assertThat(placeholders).isNotEmpty().allSatisfy(name -> {
            assertThat(env.has(name)).as("envoy-1 sets %s", name).isTrue();
            assertThat(script).as(name).contains("]{" + name + "}|");
        });
    }

    @Test
    void capstanProxyOfNodeTwoSharesItsNodeAgentsNetworkAndAddress() {
        JsonNode proxy = service("proxy-2");
        assertThat(proxy.get("network_mode").asText()).isEqualTo("service:node-agent-2");
        JsonNode agent = service("node-agent-2").get("environment");
        assertThat(proxy.at("/environment/CAPSTAN_PROXY_NODE_NAME").asText()).isEqualTo(agent.get("CAPSTAN_NODE_AGENT_NODE_NAME").asText());
        assertThat(proxy.at("/environment/CAPSTAN_PROXY_NODE_IP").asText()).isEqualTo("127.0.1." + agent.get("CAPSTAN_NODE_AGENT_NODE_INDEX").asText());
        assertThat(proxy.at("/environment/CAPSTAN_PROXY_XDS_ADDRESS").asText())
                .isEqualTo("mesh-control-plane:" + service("mesh-control-plane").at("/environment/CAPSTAN_MESH_XDS_PORT").asText());
        // The data planes bind Service ports below 1024 and DNS on 53 as non-root users.
        for (String node : List.of("node-agent-1", "node-agent-2")) {
            assertThat(service(node).at("/sysctls/net.ipv4.ip_unprivileged_port_start").asText()).as(node).isEqualTo("0");
        }
    }

    @Test
    void prometheusScrapesTheMeshControlPlaneAndBothNodeDataPlanesWhereTheyListen() {
        Map<String, String> targets = new TreeMap<>();
        Observability.yaml(Repo.path("observability/prometheus/prometheus.yml")).get("scrape_configs")
                .forEach(j -> targets.put(j.get("job_name").asText(), j.at("/static_configs/0/targets").toString()));
        assertThat(targets.get("capstan-mesh-control-plane"))
                .contains("mesh-control-plane:" + service("mesh-control-plane").at("/environment/QUARKUS_HTTP_PORT").asText());
        assertThat(targets.get("capstan-proxy")).contains("node-agent-2:" + service("proxy-2").at("/environment/QUARKUS_HTTP_PORT").asText());
        assertThat(targets.get("envoy")).contains("node-agent-1:15090");
    }

    /** The capstan.* properties ./capstan passes each role, by role (capstan.kafka.* is the api-server's feed). */
    private static Map<String, List<String>> capstanUpSettings() {
        Map<String, List<String>> byRole = new TreeMap<>();
        Matcher m = CAPSTAN_PROPERTY.matcher(Repo.read("capstan"));
        while (m.find()) {
            String role = switch (m.group(2)) {
                case "apiserver", "kafka" -> "api-server";
                default -> m.group(2);
            };
            byRole.computeIfAbsent(role, r -> new ArrayList<>()).add(m.group(1));
        }
        byRole.values().forEach(list -> list.add("quarkus.http.port"));
        return byRole;
    }
}
