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
                "node-agent-1", "node-agent-2", "prometheus", "grafana");
    }

    @Test
    void everyRoleGetsTheSettingsCapstanUpGivesIt() {
        Map<String, List<String>> byRole = capstanUpSettings();
        assertThat(byRole).containsOnlyKeys("api-server", "controller-manager", "scheduler", "node-agent");
        byRole.forEach((role, properties) -> {
            List<String> services = role.equals("node-agent") ? List.of("node-agent-1", "node-agent-2") : List.of(role);
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
    void rolesWaitForWhatTheyNeedAndReportTheirHealthOnTheirPort() {
        assertThat(service("api-server").at("/depends_on/etcd/condition").asText()).isEqualTo("service_healthy");
        assertThat(service("api-server").at("/depends_on/kafka/condition").asText()).isEqualTo("service_healthy");
        for (String name : List.of("api-server", "controller-manager", "scheduler", "node-agent-1", "node-agent-2")) {
            JsonNode service = service(name);
            String port = service.at("/environment/QUARKUS_HTTP_PORT").asText();
            assertThat(service.at("/healthcheck/test").toString()).as(name).contains("http://127.0.0.1:" + port + "/");
            assertThat(service.get("image").asText()).as(name).startsWith("capstan/" + name.replaceAll("-\\d$", "") + ":");
            assertThat(service.get("read_only").asBoolean()).as(name).isTrue();
            if (!name.startsWith("api-server")) {
                assertThat(service.at("/depends_on/api-server/condition").asText()).as(name).isEqualTo("service_healthy");
            }
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
