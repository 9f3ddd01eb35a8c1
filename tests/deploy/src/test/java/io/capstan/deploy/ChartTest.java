package io.capstan.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** charts/capstan rendered by real Helm with its defaults and with external etcd and Kafka. */
class ChartTest {
    private static final Path EXTERNAL = Chart.DIR.resolve("ci/external-values.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<HasMetadata> render(String valuesSet) {
        return "external".equals(valuesSet) ? Chart.objects(Chart.render(Map.of(), EXTERNAL))
                : Chart.objects(Chart.render(Map.of()));
    }

    @Test
    void lintStrictPasses() {
        LintResult lint = new Helm(Chart.DIR).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @ParameterizedTest(name = "{0} values")
    @ValueSource(strings = {"default", "external"})
    void everyObjectParsesAsItsFabric8Model(String valuesSet) {
        List<HasMetadata> objects = render(valuesSet);
        assertThat(objects).isNotEmpty();
        assertThat(objects).allSatisfy(o -> {
            assertThat(o).as(o.getKind()).isNotInstanceOf(GenericKubernetesResource.class);
            assertThat(o.getMetadata().getName()).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            assertThat(o.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
            assertThat(o.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "capstan")
                    .containsKey("app.kubernetes.io/component");
        });
        assertThat(Chart.byKindAndName(objects)).hasSameSizeAs(objects);
    }

    @ParameterizedTest(name = "{0} values")
    @ValueSource(strings = {"default", "external"})
    void everyContainerHasAnImageProbesResourcesAndANonRootSecurityContext(String valuesSet) {
        List<HasMetadata> objects = render(valuesSet);
        List<PodTemplateSpec> templates = podTemplates(objects);
        assertThat(templates).hasSizeGreaterThanOrEqualTo(4);
        for (PodTemplateSpec template : templates) {
            PodSpec pod = template.getSpec();
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            for (Container c : pod.getContainers()) {
                String what = template.getMetadata().getLabels().get("app.kubernetes.io/component") + "/" + c.getName();
                assertThat(c.getImage()).as(what).matches("[a-z0-9./-]+(:[A-Za-z0-9._-]+)");
                assertThat(c.getLivenessProbe()).as(what + " liveness").isNotNull();
                assertThat(c.getReadinessProbe()).as(what + " readiness").isNotNull();
                assertThat(c.getResources().getRequests()).as(what + " requests").containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).as(what + " limits").containsKeys("cpu", "memory");
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(what).isFalse();
                assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(what).containsExactly("ALL");
            }
        }
    }

    @Test
    void capstanRolesRunTheirOwnImagesWithQuarkusProbesOnTheirPorts() {
        Map<String, HasMetadata> objects = Chart.byKindAndName(render("default"));
        Map<String, Integer> ports = Map.of("api-server", 6443, "controller-manager", 10257, "scheduler", 10259,
                "node-agent", 10250);
        ports.forEach((role, port) -> {
            HasMetadata workload = Optional.ofNullable(objects.get("Deployment/capstan-" + role))
                    .orElse(objects.get("DaemonSet/capstan-" + role));
            assertThat(workload).as(role).isNotNull();
            Container c = podTemplates(List.of(workload)).getFirst().getSpec().getContainers().getFirst();
            assertThat(c.getImage()).isEqualTo("capstan/" + role + ":0.1.0-SNAPSHOT");
            assertThat(c.getPorts().getFirst().getContainerPort()).isEqualTo(port);
            assertThat(env(c, "QUARKUS_HTTP_PORT")).isEqualTo(String.valueOf(port));
            String ready = role.equals("api-server") ? "/readyz" : "/q/health/ready";
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo(ready);
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
        });
    }

    @Test
    void defaultsRunThreeEtcdMembersAndThreeKafkaNodesWithStableNames() {
        Map<String, HasMetadata> objects = Chart.byKindAndName(render("default"));
        StatefulSet etcd = (StatefulSet) objects.get("StatefulSet/capstan-etcd");
        StatefulSet kafka = (StatefulSet) objects.get("StatefulSet/capstan-kafka");
        assertThat(etcd.getSpec().getReplicas()).isEqualTo(3);
        assertThat(kafka.getSpec().getReplicas()).isEqualTo(3);
        assertThat(etcd.getSpec().getVolumeClaimTemplates()).hasSize(1);
        assertThat(kafka.getSpec().getVolumeClaimTemplates()).hasSize(1);
        Container etcdContainer = etcd.getSpec().getTemplate().getSpec().getContainers().getFirst();
        String domain = "capstan-etcd-headless.capstan.svc.cluster.local";
        assertThat(env(etcdContainer, "ETCD_INITIAL_CLUSTER")).isEqualTo(
                "capstan-etcd-0=http://capstan-etcd-0." + domain + ":2380,capstan-etcd-1=http://capstan-etcd-1." + domain
                        + ":2380,capstan-etcd-2=http://capstan-etcd-2." + domain + ":2380");
        Container kafkaContainer = kafka.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(env(kafkaContainer, "KAFKA_CONTROLLER_QUORUM_VOTERS")).startsWith("0@capstan-kafka-0.").contains(",2@");
        assertThat(env(kafkaContainer, "KAFKA_MIN_INSYNC_REPLICAS")).isEqualTo("2");
        Service headless = (Service) objects.get("Service/capstan-etcd-headless");
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();

        Container api = container(objects.get("Deployment/capstan-api-server"));
        assertThat(env(api, "CAPSTAN_APISERVER_ETCD_ENDPOINTS")).isEqualTo(
                "http://capstan-etcd-0." + domain + ":2379,http://capstan-etcd-1." + domain + ":2379,http://capstan-etcd-2."
                        + domain + ":2379");
        assertThat(env(api, "CAPSTAN_KAFKA_BOOTSTRAP_SERVERS")).startsWith("capstan-kafka-0.capstan-kafka-headless.capstan.svc");
    }

    @Test
    void externalValuesRunNoEtcdOrKafkaAndPointEveryRoleAtThem() {
        Map<String, HasMetadata> objects = Chart.byKindAndName(render("external"));
        assertThat(objects.keySet()).noneMatch(k -> k.startsWith("StatefulSet/"));
        for (String role : List.of("api-server", "controller-manager", "scheduler")) {
            Container c = container(objects.get("Deployment/capstan-" + role));
            String prefix = role.equals("api-server") ? "CAPSTAN_APISERVER_" : "CAPSTAN_" + role.toUpperCase().replace('-', '_') + "_";
            assertThat(env(c, prefix + "ETCD_ENDPOINTS")).isEqualTo("https://etcd-0.example.internal:2379,https://etcd-1.example.internal:2379");
            String kafka = role.equals("api-server") ? env(c, "CAPSTAN_KAFKA_BOOTSTRAP_SERVERS") : env(c, prefix + "KAFKA_BOOTSTRAP_SERVERS");
            assertThat(kafka).isEqualTo("kafka-0.example.internal:9092,kafka-1.example.internal:9092");
        }
        Container agent = container(objects.get("DaemonSet/capstan-node-agent"));
        assertThat(env(agent, "CAPSTAN_NODE_AGENT_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka-0.example.internal:9092,kafka-1.example.internal:9092");
    }

    @Test
    void externalEtcdWithoutEndpointsIsRefusedWithTheKeyToSet() {
        assertThatThrownBy(() -> Chart.render(Map.of("etcd.enabled", false)))
                .hasMessageContaining("etcd.externalEndpoints is required");
    }

    @Test
    void replicatedRolesHaveTwoReplicasAndADisruptionBudget() {
        List<HasMetadata> objects = render("default");
        Map<String, HasMetadata> byName = Chart.byKindAndName(objects);
        for (String role : List.of("api-server", "controller-manager", "scheduler")) {
            Deployment d = (Deployment) byName.get("Deployment/capstan-" + role);
            assertThat(d.getSpec().getReplicas()).as(role).isEqualTo(2);
            assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        }
        Set<String> budgeted = objects.stream().filter(PodDisruptionBudget.class::isInstance)
                .map(o -> ((PodDisruptionBudget) o).getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(budgeted).containsExactly("api-server", "controller-manager", "etcd", "kafka", "scheduler");
        assertThat(byName).containsKey("DaemonSet/capstan-node-agent");
        Service api = (Service) byName.get("Service/capstan-api-server");
        assertThat(api.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(api.getSpec().getPorts().getFirst().getPort()).isEqualTo(6443);
    }

    @Test
    void monitoringObjectsCarryTheObservabilityRulesAndDashboards() throws IOException {
        List<HasMetadata> objects = Chart.objects(Chart.render(Map.of("monitoring.serviceMonitor.enabled", true,
                "monitoring.prometheusRule.enabled", true, "monitoring.grafanaDashboards.enabled", true)));
        List<ServiceMonitor> monitors = objects.stream().filter(ServiceMonitor.class::isInstance).map(ServiceMonitor.class::cast).toList();
        assertThat(monitors).extracting(m -> m.getSpec().getEndpoints().getFirst().getRelabelings().getFirst().getReplacement())
                .containsExactlyInAnyOrder("capstan-api-server", "capstan-controller-manager", "capstan-scheduler",
                        "capstan-node-agent", "etcd");
        PrometheusRule rule = objects.stream().filter(PrometheusRule.class::isInstance).map(PrometheusRule.class::cast)
                .findFirst().orElseThrow();
        JsonNode rulesFile = YAML.readTree(Repo.path("observability/prometheus/rules/capstan-alerts.yml").toFile());
        assertThat(rule.getSpec().getGroups()).extracting(g -> g.getName())
                .containsExactlyElementsOf(names(rulesFile.get("groups")));
        ConfigMap dashboards = objects.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
                .findFirst().orElseThrow();
        assertThat(dashboards.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        try (var files = Files.list(Repo.path("observability/grafana/dashboards"))) {
            assertThat(dashboards.getData().keySet()).containsExactlyInAnyOrderElementsOf(
                    files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"meshControlPlane", "proxy", "metrics"})
    void rolesOfLaterIssuesAreReservedAndRefused(String role) {
        assertThatThrownBy(() -> Chart.render(Map.of(role + ".enabled", true)))
                .hasMessageContaining(role + ".enabled: this Capstan role does not exist yet");
    }

    @Test
    void notesTellHowToReachTheApiServer() {
        String notes = new Helm(Chart.DIR).install().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
                .dryRun().clientOnly().call().getOutput();
        assertThat(notes).contains("kubectl -n capstan port-forward svc/capstan-api-server 6443:6443")
                .contains("export CAPSTAN_API=http://127.0.0.1:6443")
                .contains("kubectl -n capstan rollout status deployment/capstan-api-server");
    }

    @Test
    void everyValueIsDocumentedInTheChartReadme() throws IOException {
        JsonNode values = YAML.readTree(Chart.DIR.resolve("values.yaml").toFile());
        String readme = Files.readString(Chart.DIR.resolve("README.md"));
        List<String> keys = new ArrayList<>();
        leafKeys("", values, keys);
        assertThat(keys).hasSizeGreaterThan(50).allSatisfy(k -> assertThat(readme).as(k).contains("`" + k + "`"));
    }

    private static void leafKeys(String prefix, JsonNode node, List<String> keys) {
        if (node.isObject() && !node.isEmpty() && !prefix.endsWith("resources") && !prefix.endsWith("SecurityContext")
                && !prefix.equals("securityContext") && !prefix.endsWith("labels")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                leafKeys(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), keys);
            }
        } else {
            keys.add(prefix);
        }
    }

    private static List<String> names(JsonNode groups) {
        List<String> names = new ArrayList<>();
        groups.forEach(g -> names.add(g.get("name").asText()));
        return names;
    }

    static List<PodTemplateSpec> podTemplates(List<HasMetadata> objects) {
        List<PodTemplateSpec> templates = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof Deployment d) {
                templates.add(d.getSpec().getTemplate());
            } else if (o instanceof StatefulSet s) {
                templates.add(s.getSpec().getTemplate());
            } else if (o instanceof DaemonSet d) {
                templates.add(d.getSpec().getTemplate());
            }
        }
        return templates;
    }

    private static Container container(HasMetadata workload) {
        return podTemplates(List.of(workload)).getFirst().getSpec().getContainers().getFirst();
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no " + name));
    }
}
