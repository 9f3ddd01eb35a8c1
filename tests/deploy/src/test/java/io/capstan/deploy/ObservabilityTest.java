package io.capstan.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Prometheus' config, rules and rule unit tests through the real promtool; the dashboards' shape and PromQL. */
class ObservabilityTest {
    private static final Path PROMETHEUS = Repo.path("observability/prometheus");
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private static Commands.Result promtool(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(Commands.require("promtool")));
        command.addAll(List.of(args));
        return Commands.run(LIMIT, PROMETHEUS, Map.of(), command);
    }

    @Test
    void promtoolAcceptsTheScrapeConfigAndTheRulesItLoads() {
        assertThat(promtool("check", "config", "prometheus.yml").orFail().output())
                .contains("SUCCESS: 1 rule files found").contains("rules/capstan-alerts.yml");
    }

    @Test
    void promtoolAcceptsTheRules() {
        assertThat(promtool("check", "rules", "rules/capstan-alerts.yml").orFail().output()).contains("SUCCESS");
    }

    @Test
    void alertsFireOnTheSeriesOfTheirUnitTests() {
        assertThat(promtool("test", "rules", "tests/capstan-alerts-test.yml").orFail().output()).contains("SUCCESS");
    }

    @Test
    void everyDashboardQueryIsValidPromQl(@TempDir Path dir) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode file = yaml.createObjectNode();
        ArrayNode rules = file.putArray("groups").addObject().put("name", "dashboards").putArray("rules");
        List<Observability.Query> queries = Observability.dashboardQueries();
        for (int i = 0; i < queries.size(); i++) {
            rules.addObject().put("record", "dashboard:query_" + i).put("expr", queries.get(i).expr());
        }
        Path rulesFile = dir.resolve("dashboards.yml");
        yaml.writeValue(rulesFile.toFile(), file);
        assertThat(queries).hasSizeGreaterThan(40);
        assertThat(promtool("check", "rules", rulesFile.toString()).orFail().output())
                .contains("SUCCESS: " + queries.size() + " rules found");
    }

    @Test
    void dashboardsHaveUniqueIdsAndUseTheDataSourceVariable() {
        Set<String> uids = new HashSet<>();
        for (Path file : Observability.dashboardFiles()) {
            JsonNode dashboard = Observability.dashboard(file);
            assertThat(uids.add(dashboard.get("uid").asText())).as("uid of %s", file).isTrue();
            assertThat(dashboard.get("title").asText()).startsWith("Capstan / ");
            assertThat(dashboard.at("/templating/list/0/name").asText()).isEqualTo("datasource");
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : dashboard.get("panels")) {
                String what = file.getFileName() + " / " + panel.get("title").asText();
                assertThat(ids.add(panel.get("id").asInt())).as(what).isTrue();
                JsonNode grid = panel.get("gridPos");
                assertThat(grid.get("x").asInt() + grid.get("w").asInt()).as(what).isLessThanOrEqualTo(24);
                if (panel.has("targets")) {
                    assertThat(panel.get("targets")).as(what).isNotEmpty();
                    assertThat(panel.at("/datasource/uid").asText()).as(what).isEqualTo("${datasource}");
                    panel.get("targets").forEach(t -> assertThat(t.get("expr").asText()).as(what).isNotBlank());
                }
            }
        }
        assertThat(uids).containsExactlyInAnyOrder("capstan-overview", "capstan-api-server", "capstan-scheduler",
                "capstan-node-agents", "capstan-mesh");
    }

    @Test
    void everyJobTheRulesAndDashboardsSelectIsScrapedByTheComposePrometheus() {
        Set<String> scraped = new java.util.TreeSet<>();
        Observability.yaml(PROMETHEUS.resolve("prometheus.yml")).get("scrape_configs")
                .forEach(j -> scraped.add(j.get("job_name").asText()));
        assertThat(scraped).contains("capstan-mesh-control-plane", "capstan-proxy", "envoy");
        Set<String> selected = new java.util.TreeSet<>();
        Observability.allQueries().forEach(q -> selected.addAll(PromQl.namesByJob(q.expr()).keySet()));
        assertThat(scraped).containsAll(selected);
    }

    @Test
    void meshTrafficIsShownWithIstiosMetricNamesAndTheControlPlanesXds() {
        Set<String> names = new java.util.TreeSet<>();
        for (Observability.Query q : Observability.dashboardQueries()) {
            if (q.where().startsWith("capstan-mesh.json")) {
                names.addAll(PromQl.metricNames(q.expr()));
            }
        }
        assertThat(names).contains("istio_requests_total", "istio_request_duration_milliseconds_bucket",
                "istio_tcp_connections_opened_total", "istio_tcp_sent_bytes_total", "capstan_mesh_xds_pushes_total",
                "capstan_mesh_xds_rejects_total", "capstan_mesh_xds_connected_proxies",
                "capstan_mesh_proxy_convergence_seconds_bucket");
        Set<String> alerts = new java.util.TreeSet<>();
        Observability.ruleQueries().forEach(q -> alerts.add(q.where().substring(q.where().indexOf(" / ") + 3)));
        assertThat(alerts).contains("CapstanMeshXdsRejected", "CapstanMeshNoProxiesConnected", "CapstanMeshConvergenceSlow",
                "CapstanServiceErrors", "CapstanMeshControlPlaneDown");
    }

    @Test
    void grafanaIsProvisionedWithPrometheusAndTheDashboardsFolder() {
        JsonNode source = Observability.yaml(Repo.path("observability/grafana/provisioning/datasources/prometheus.yml"));
        assertThat(source.at("/datasources/0/url").asText()).isEqualTo("http://prometheus:9090");
        assertThat(source.at("/datasources/0/isDefault").asBoolean()).isTrue();
        JsonNode provider = Observability.yaml(Repo.path("observability/grafana/provisioning/dashboards/capstan.yml"));
        assertThat(provider.at("/providers/0/options/path").asText()).isEqualTo("/var/lib/grafana/dashboards");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "sum(rate(apiserver_request_total{code=~\"5..\"}[5m])) / sum(rate(apiserver_request_total[5m])) ; apiserver_request_total",
            "histogram_quantile(0.99, sum by (le, verb) (rate(x_bucket{verb!~\"WATCH|CONNECT\"}[5m]))) ; x_bucket",
            "max(a{job=\"etcd\"}) - max(b) ; a b",
            "absent(up{job=\"capstan-api-server\"} == 1) ; up",
            "sum(c) != 1 and on (job) d offset 5m ; c d",
            "topk(10, sum without (instance) (e)) > bool 0 ; e"})
    void promQlNamesAreFoundWithoutFunctionsLabelsOrKeywords(String expr, String names) {
        assertThat(PromQl.metricNames(expr)).containsExactlyInAnyOrder(names.split(" "));
    }
}
