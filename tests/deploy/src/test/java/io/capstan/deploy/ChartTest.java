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

    private static final Map<String, Object> ENVOY = Map.of("envoy.enabled", true, "proxy.enabled", false);
    private static final Set<String> NODE_DATA_PLANES = Set.of("proxy", "envoy");
    private static final String XDS_ADDRESS = "capstan-mesh-control-plane.capstan.svc.cluster.local:15010";

    private static List<HasMetadata> render(String valuesSet) {
        return switch (valuesSet) {
            case "external" -> Chart.objects(Chart.render(Map.of(), EXTERNAL));
            case "envoy" -> Chart.objects(Chart.render(ENVOY));
            default -> Chart.objects(Chart.render(Map.of()));
        };
    }

    @Test
    void lintStrictPasses() {
        LintResult lint = new Helm(Chart.DIR).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @ParameterizedTest(name = "{0} values")
    @ValueSource(strings = {"default", "external", "envoy"})
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
    @ValueSource(strings = {"default", "external", "envoy"})
    void everyContainerHasAnImageProbesResourcesAndANonRootSecurityContext(String valuesSet) {
        List<HasMetadata> objects = render(valuesSet);
        List<PodTemplateSpec> templates = podTemplates(objects);
        assertThat(templates).hasSizeGreaterThanOrEqualTo(4);
        for (PodTemplateSpec template : templates) {
            PodSpec pod = template.getSpec();
            String component = template.getMetadata().getLabels().get("app.kubernetes.io/component");
            boolean nodeDataPlane = NODE_DATA_PLANES.contains(component);
            if (nodeDataPlane) {
                // Root for ports below 1024 in the host's network namespace, with no capability but that one (chart README "Mesh").
                assertThat(pod.getSecurityContext().getRunAsUser()).as(component).isZero();
                assertThat(pod.getHostNetwork()).as(component).isTrue();
            } else {
                assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
                assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
            }
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            for (Container c : pod.getContainers()) {
                String what = component + "/" + c.getName();
                if (nodeDataPlane) {
                    assertThat(c.getSecurityContext().getCapabilities().getAdd()).as(what).containsExactly("NET_BIND_SERVICE");
                    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(what).isTrue();
                } else {
                    assertThat(c.getSecurityContext().getCapabilities().getAdd()).as(what).isNullOrEmpty();
                }
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
                "node-agent", 10250, "mesh-control-plane", 15014, "proxy", 10256);
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
        Container mesh = container(objects.get("Deployment/capstan-mesh-control-plane"));
        assertThat(env(mesh, "CAPSTAN_MESH_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka-0.example.internal:9092,kafka-1.example.internal:9092");
    }

    @Test
    void eachNodeAgentAdvertisesItsPodIpWhereTheApiServerReachesItsKubeletApi() {
        Container agent = container(Chart.byKindAndName(render("default")).get("DaemonSet/capstan-node-agent"));
        var nodeIp = agent.getEnv().stream().filter(e -> e.getName().equals("CAPSTAN_NODE_AGENT_NODE_IP")).findFirst().orElseThrow();
        assertThat(nodeIp.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        var nodeName = agent.getEnv().stream().filter(e -> e.getName().equals("CAPSTAN_NODE_AGENT_NODE_NAME")).findFirst().orElseThrow();
        assertThat(nodeName.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
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
        for (String role : List.of("api-server", "controller-manager", "scheduler", "mesh-control-plane")) {
            Deployment d = (Deployment) byName.get("Deployment/capstan-" + role);
            assertThat(d.getSpec().getReplicas()).as(role).isEqualTo(2);
            assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        }
        Set<String> budgeted = objects.stream().filter(PodDisruptionBudget.class::isInstance)
                .map(o -> ((PodDisruptionBudget) o).getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(budgeted).containsExactly("api-server", "controller-manager", "etcd", "kafka", "mesh-control-plane", "scheduler");
        assertThat(byName).containsKeys("DaemonSet/capstan-node-agent", "DaemonSet/capstan-proxy");
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
                        "capstan-node-agent", "capstan-mesh-control-plane", "capstan-proxy", "etcd");
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

    @Test
    void everyMonitorScrapesAPortOfItsServiceAndEveryJobTheRulesAndDashboardsSelectHasOne() {
        Map<String, Object> values = new java.util.HashMap<>(ENVOY);
        values.put("proxy.enabled", true);
        values.put("envoy.nodeSelector.capstan\\.io/data-plane", "envoy");
        values.put("monitoring.serviceMonitor.enabled", true);
        Map<String, HasMetadata> objects = Chart.byKindAndName(Chart.objects(Chart.render(values)));
        Set<String> jobs = new TreeSet<>();
        objects.values().stream().filter(ServiceMonitor.class::isInstance).map(ServiceMonitor.class::cast).forEach(m -> {
            var endpoint = m.getSpec().getEndpoints().getFirst();
            jobs.add(endpoint.getRelabelings().getFirst().getReplacement());
            Map<String, String> selector = m.getSpec().getSelector().getMatchLabels();
            List<Service> services = objects.values().stream().filter(Service.class::isInstance).map(Service.class::cast)
                    .filter(svc -> svc.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
            assertThat(services).as(m.getMetadata().getName()).isNotEmpty().allSatisfy(svc ->
                    assertThat(svc.getSpec().getPorts()).as(svc.getMetadata().getName()).anyMatch(p -> p.getName().equals(endpoint.getPort())));
        });
        assertThat(jobs).contains("envoy");
        Set<String> selected = new TreeSet<>();
        Observability.allQueries().forEach(q -> selected.addAll(PromQl.namesByJob(q.expr()).keySet()));
        assertThat(jobs).containsAll(selected);
    }

    @Test
    void meshControlPlaneServesXdsAndMonitoringThroughItsService() {
        Map<String, HasMetadata> objects = Chart.byKindAndName(render("default"));
        Service service = (Service) objects.get("Service/capstan-mesh-control-plane");
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getName() + "=" + p.getPort() + "/" + p.getTargetPort().getStrVal())
                .containsExactly("http-monitoring=15014/http-monitoring", "grpc-xds=15010/grpc-xds");
        assertThat(service.getSpec().getPorts().get(1).getAppProtocol()).isEqualTo("grpc");
        Container c = container(objects.get("Deployment/capstan-mesh-control-plane"));
        assertThat(c.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort())
                .containsExactly("http-monitoring=15014", "grpc-xds=15010");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(env(c, "CAPSTAN_MESH_XDS_PORT")).isEqualTo("15010");
        assertThat(env(c, "CAPSTAN_MESH_API_SERVER_URL")).isEqualTo("http://capstan-api-server.capstan.svc.cluster.local:6443");
        assertThat(env(c, "CAPSTAN_MESH_KAFKA_BOOTSTRAP_SERVERS")).startsWith("capstan-kafka-0.capstan-kafka-headless.capstan.svc");
    }

    @Test
    void nodeProxyRunsOnEveryNodeInTheHostNetworkWithItsNodeFromTheDownwardApi() {
        Map<String, HasMetadata> objects = Chart.byKindAndName(render("default"));
        DaemonSet proxy = (DaemonSet) objects.get("DaemonSet/capstan-proxy");
        PodSpec pod = proxy.getSpec().getTemplate().getSpec();
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
        Container c = pod.getContainers().getFirst();
        assertThat(fieldRef(c, "CAPSTAN_PROXY_NODE_NAME")).isEqualTo("spec.nodeName");
        assertThat(fieldRef(c, "CAPSTAN_PROXY_NODE_IP")).isEqualTo("status.hostIP");
        assertThat(env(c, "CAPSTAN_PROXY_XDS_ADDRESS")).isEqualTo(XDS_ADDRESS);
        assertThat(env(c, "CAPSTAN_PROXY_DNS_PORT")).isEqualTo("53");
        assertThat(c.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort() + "/" + p.getProtocol())
                .contains("dns-udp=53/UDP", "dns-tcp=53/TCP");
        assertThat(((Service) objects.get("Service/capstan-proxy")).getSpec().getClusterIP()).isEqualTo("None");
        assertThat(objects).doesNotContainKey("DaemonSet/capstan-envoy");

        Container external = container(Chart.byKindAndName(render("external")).get("DaemonSet/capstan-proxy"));
        assertThat(env(external, "CAPSTAN_PROXY_XDS_ADDRESS")).isEqualTo(XDS_ADDRESS);
        Container elsewhere = container(Chart.byKindAndName(Chart.objects(Chart.render(Map.of("meshControlPlane.enabled", false,
                "proxy.xdsAddress", "istiod.istio-system.svc:15010")))).get("DaemonSet/capstan-proxy"));
        assertThat(env(elsewhere, "CAPSTAN_PROXY_XDS_ADDRESS")).isEqualTo("istiod.istio-system.svc:15010");
    }

    @Test
    void proxyWithoutAMeshControlPlaneOrAnAddressIsRefused() {
        assertThatThrownBy(() -> Chart.render(Map.of("meshControlPlane.enabled", false)))
                .hasMessageContaining("proxy.xdsAddress is required when meshControlPlane.enabled is false");
    }

    @Test
    void envoyIsTheOptionalNodeDataPlaneWithTheMeshBootstrapFilledInForItsNode() throws IOException {
        Map<String, HasMetadata> objects = Chart.byKindAndName(render("envoy"));
        assertThat(objects).doesNotContainKey("DaemonSet/capstan-proxy");
        DaemonSet envoy = (DaemonSet) objects.get("DaemonSet/capstan-envoy");
        PodSpec pod = envoy.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().getFirst();
        assertThat(c.getImage()).isEqualTo("envoyproxy/envoy:v1.34.0");
        assertThat(fieldRef(c, "NODE_NAME")).isEqualTo("spec.nodeName");
        assertThat(fieldRef(c, "NODE_IP")).isEqualTo("status.hostIP");
        assertThat(env(c, "XDS_HOST") + ":" + env(c, "XDS_PORT")).isEqualTo(XDS_ADDRESS);
        String script = String.join(" ", c.getCommand());
        assertThat(script).contains("exec envoy --config-path /tmp/bootstrap.yaml",
                "--config-yaml \"$(cat /etc/envoy/stats-listeners.yaml)\"", "--disable-hot-restart");
        ConfigMap config = (ConfigMap) objects.get("ConfigMap/capstan-envoy-bootstrap");
        assertThat(pod.getVolumes()).anyMatch(v -> v.getConfigMap() != null
                && v.getConfigMap().getName().equals(config.getMetadata().getName()));
        String bootstrap = Repo.read("mesh/envoy/bootstrap.yaml");
        assertThat(YAML.readTree(config.getData().get("bootstrap.yaml"))).isEqualTo(YAML.readTree(bootstrap));
        assertThat(YAML.readTree(config.getData().get("stats-listeners.yaml")))
                .isEqualTo(YAML.readTree(Repo.read("observability/envoy/stats-listeners.yaml")));
        // Every placeholder of the bootstrap is set in the container and filled in before Envoy starts.
        Set<String> placeholders = placeholders(bootstrap);
        assertThat(placeholders).contains("NODE_NAME", "NODE_IP", "XDS_HOST", "XDS_PORT");
        for (String name : placeholders) {
            assertThat(c.getEnv()).as(name).anyMatch(e -> e.getName().equals(name));
            assertThat(script).as(name).contains("s|[$]{" + name + "}|$" + name + "|g");
        }
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz/ready");
        assertThat(c.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort())
                .containsExactly("http-envoy-prom=15090", "http-health=15021");
    }

    static Set<String> placeholders(String text) {
        Set<String> names = new TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([A-Z_]+)}").matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void envoyAndTheProxyOnTheSameNodesAreRefused() {
        assertThatThrownBy(() -> Chart.render(Map.of("envoy.enabled", true)))
                .hasMessageContaining("envoy.enabled and proxy.enabled: both bind every Service address on the same nodes");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"metrics"})
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

    private static String fieldRef(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(e -> e.getValueFrom().getFieldRef().getFieldPath())
                .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no " + name));
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no " + name));
    }
}
