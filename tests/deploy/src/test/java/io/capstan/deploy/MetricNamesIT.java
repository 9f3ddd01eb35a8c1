package io.capstan.deploy;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.Containers;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.KafkaProcess;
import io.capstan.testkit.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every metric a dashboard or an alert reads is one a running Capstan role exports: etcd, Kafka,
 * the packaged api-server, controller-manager, scheduler and a node-agent run as real processes,
 * get a little traffic, and their /q/metrics (etcd's /metrics) are compared with the names in
 * observability/. Names for roles that do not export them yet are listed in {@link #PENDING} with
 * the role that will; that list may only shrink (a pending name that is now exported fails).
 */
class MetricNamesIT {
    /** Names the dashboards and alerts use ahead of the roles that will export them. */
    static final Map<String, String> PENDING = Map.ofEntries(
            // kube-state-metrics' names, for the metrics role (issue 5 and later), which does not exist yet
            entry("kube_node_status_condition", "metrics (issue 5+)"),
            entry("kube_pod_container_status_waiting_reason", "metrics (issue 5+)"));
    /** Made by Prometheus at scrape time, exported by nobody. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");
    private static final List<String> SERVICE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static EtcdProcess etcd;
    private static KafkaProcess kafka;
    private static ApiServerProcess apiServer;
    private static final List<ServiceProcess> services = new ArrayList<>();
    private static final Map<String, String> scrapeUrls = new LinkedHashMap<>();
    private static Path stateDir;

    @BeforeAll
    static void startEveryRole() throws IOException {
        stateDir = Files.createTempDirectory("capstan-metrics");
        etcd = EtcdProcess.start();
        kafka = KafkaProcess.start();
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        ServiceProcess cm = start("controller-manager", "127.0.0.1", Map.of(
                "capstan.controller-manager.api-server-url", apiServer.url(),
                "capstan.controller-manager.etcd-endpoints", etcd.endpoint(),
                "capstan.controller-manager.kafka-bootstrap-servers", kafka.bootstrapServers(),
                "capstan.controller-manager.data-dir", stateDir.resolve("controller-manager").toString()));
        ServiceProcess scheduler = start("scheduler", "127.0.0.1", Map.of(
                "capstan.scheduler.api-server-url", apiServer.url(),
                "capstan.scheduler.etcd-endpoints", etcd.endpoint(),
                "capstan.scheduler.kafka-bootstrap-servers", kafka.bootstrapServers()));
        int index = 241 + ThreadLocalRandom.current().nextInt(14);
        ServiceProcess agent = start("node-agent", "127.0.1." + index, Map.of(
                "capstan.node-agent.node-name", "metrics-node-" + index,
                "capstan.node-agent.node-index", Integer.toString(index),
                "capstan.node-agent.api-server-url", apiServer.url(),
                "capstan.node-agent.kafka-bootstrap-servers", kafka.bootstrapServers(),
                "capstan.node-agent.state-dir", stateDir.resolve("node").toString()));
        int xdsPort = FreePorts.next();
        ServiceProcess mesh = ServiceProcess.start("mesh", "mesh/control-plane", "127.0.0.1", FreePorts.next(), Map.of(
                "capstan.mesh.api-server-url", apiServer.url(),
                "capstan.mesh.kafka-bootstrap-servers", kafka.bootstrapServers(),
                "capstan.mesh.xds-port", Integer.toString(xdsPort)), SERVICE_JVM, "/q/health/ready");
        services.add(mesh);
        ServiceProcess proxy = ServiceProcess.start("proxy", "services/proxy", "127.0.1." + index, FreePorts.next(), Map.of(
                "capstan.proxy.node-name", "metrics-node-" + index,
                "capstan.proxy.node-ip", "127.0.1." + index,
                "capstan.proxy.xds-address", "127.0.0.1:" + xdsPort,
                "capstan.proxy.dns-port", Integer.toString(FreePorts.next())), SERVICE_JVM);
        services.add(proxy);
        scrapeUrls.put("capstan-api-server", apiServer.url() + "/q/metrics");
        scrapeUrls.put("capstan-mesh-control-plane", mesh.url() + "/q/metrics");
        scrapeUrls.put("capstan-proxy", proxy.url() + "/q/metrics");
        scrapeUrls.put("capstan-controller-manager", cm.url() + "/q/metrics");
        scrapeUrls.put("capstan-scheduler", scheduler.url() + "/q/metrics");
        scrapeUrls.put("capstan-node-agent", agent.url() + "/q/metrics");
        scrapeUrls.put("etcd", etcd.endpoint() + "/metrics");
        driveTheApi();
        driveTheProxy();
    }

    /**
     * An echo pod behind two Services, one HTTP (port named http) and one TCP, each asked through
     * the node proxy at its cluster IP until it answers, so the proxy's request and connection
     * meters and the control plane's push and convergence meters exist.
     */
    private static void driveTheProxy() {
        String api = apiServer.url();
        post(api + "/api/v1/namespaces/metrics-it/pods", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"echo","labels":{"app":"echo"}},
                 "spec":{"containers":[{"name":"echo","image":"capstan/echo:1.0","args":["--text=hi","--listen=:8080"],
                   "readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":1}}]}}""");
        for (String[] svc : new String[][] {{"echo-http", "http"}, {"echo-tcp", "raw"}}) {
            post(api + "/api/v1/namespaces/metrics-it/services", """
                    {"apiVersion":"v1","kind":"Service","metadata":{"name":"%s"},
                     "spec":{"selector":{"app":"echo"},"ports":[{"name":"%s","port":80,"targetPort":8080}]}}""".formatted(svc[0], svc[1]));
        }
        for (String svc : List.of("echo-http", "echo-tcp")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            boolean answered = false;
            while (!answered && System.nanoTime() < deadline) {
                String service = send(HttpRequest.newBuilder(URI.create(api + "/api/v1/namespaces/metrics-it/services/" + svc)).build());
                String ip = service.replaceAll("(?s).*\"clusterIP\":\"([0-9.]+)\".*", "$1");
                HttpResponse<String> r = ip.matches("[0-9.]+") ? trySend(HttpRequest.newBuilder(URI.create("http://" + ip + "/"))
                        .timeout(Duration.ofSeconds(2)).build()) : null;
                answered = r != null && r.statusCode() == 200 && r.body().equals("hi\n");
                if (!answered) {
                    sleep(500);
                }
            }
            assertThat(answered).as("%s answers through the node proxy", svc).isTrue();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ServiceProcess start(String role, String host, Map<String, String> properties) {
        ServiceProcess service = ServiceProcess.start(role, "services/" + role, host, FreePorts.next(), properties, SERVICE_JVM);
        services.add(service);
        return service;
    }

    /**
     * Requests of every kind the api-server counts (reads, a 404, creates, a watch), and two pods:
     * one the scheduler binds and the node-agent starts, one whose image no runtime has, so the
     * meters that appear with their first event exist.
     */
    private static void driveTheApi() {
        String api = apiServer.url();
        send(HttpRequest.newBuilder(URI.create(api + "/api/v1/namespaces")).build());
        send(HttpRequest.newBuilder(URI.create(api + "/api/v1/namespaces/metrics-it-missing")).build());
        post(api + "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"metrics-it\"}}");
        post(api + "/api/v1/namespaces/metrics-it/configmaps",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"b\"}}");
        send(HttpRequest.newBuilder(URI.create(api + "/api/v1/configmaps?watch=true&timeoutSeconds=1"))
                .timeout(Duration.ofSeconds(10)).build());
        for (String[] pod : new String[][] {{"runs", "busybox:1.36"}, {"cannot-pull", "capstan.invalid/no-such-image:1"}}) {
            post(api + "/api/v1/namespaces/metrics-it/pods", """
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},
                     "spec":{"containers":[{"name":"main","image":"%s","command":["sleep","3600"]}]}}""".formatted(pod[0], pod[1]));
        }
    }

    private static void post(String url, String json) {
        send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    @AfterAll
    static void stopEveryRole() {
        services.forEach(ServiceProcess::close);
        for (AutoCloseable c : new AutoCloseable[] {apiServer, kafka, etcd}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort teardown
            }
        }
        if (stateDir != null) {
            Containers.killUnder(stateDir); // the node-agent's pods outlive it by design
        }
    }

    @Test
    void everyMetricOfTheDashboardsAndAlertsIsExported() throws InterruptedException {
        Set<String> used = usedNames();
        Map<String, Set<String>> missing = Map.of();
        // Some meters appear with their first event (a reconcile, a binding, a failed pull): wait for them, bounded.
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            missing = missing(used, scrapeAll());
            if (missing.isEmpty()) {
                break;
            }
            Thread.sleep(1000);
        }
        assertThat(missing).as("metrics used in observability/ but not exported (where: names); the pods that should "
                + "have made them appear: %s", podStates()).isEmpty();
    }

    @Test
    void metricsSelectedByJobAreExportedByThatJob() {
        Map<String, Set<String>> exported = scrapeAll();
        Map<String, Set<String>> wrong = new TreeMap<>();
        for (Observability.Query q : Observability.allQueries()) {
            PromQl.namesByJob(q.expr()).forEach((job, names) -> {
                for (String name : names) {
                    if (PROMETHEUS_OWN.contains(name) || PENDING.containsKey(name)) {
                        continue;
                    }
                    assertThat(exported).as("job %s in %s", job, q.where()).containsKey(job);
                    if (!exported.get(job).contains(name)) {
                        wrong.computeIfAbsent(q.where(), w -> new TreeSet<>()).add(job + ":" + name);
                    }
                }
            });
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void pendingNamesAreUsedAndStillMissing() {
        Set<String> exported = new TreeSet<>();
        scrapeAll().values().forEach(exported::addAll);
        assertThat(usedNames()).as("PENDING lists only names observability/ uses").containsAll(PENDING.keySet());
        assertThat(exported).as("now exported: remove these from MetricNamesIT.PENDING").doesNotContainAnyElementsOf(PENDING.keySet());
        System.out.println("Metric names used ahead of their roles: " + new TreeMap<>(PENDING));
    }

    /** Each pod of the test as "name phase node waiting-reason", for failure messages. */
    private static List<String> podStates() {
        List<String> states = new ArrayList<>();
        try {
            var pods = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    send(HttpRequest.newBuilder(URI.create(apiServer.url() + "/api/v1/namespaces/metrics-it/pods")).build()));
            pods.path("items").forEach(p -> states.add(p.at("/metadata/name").asText() + " " + p.at("/status/phase").asText()
                    + " " + p.at("/spec/nodeName").asText("-") + " "
                    + p.at("/status/containerStatuses/0/state/waiting/reason").asText("-")));
        } catch (IOException e) {
            states.add(e.toString());
        }
        return states;
    }

    private static Set<String> usedNames() {
        Set<String> used = new TreeSet<>();
        Observability.allQueries().forEach(q -> used.addAll(PromQl.metricNames(q.expr())));
        used.removeAll(Observability.recordedNames());
        return used;
    }

    private static Map<String, Set<String>> missing(Set<String> used, Map<String, Set<String>> exported) {
        Set<String> all = new TreeSet<>();
        exported.values().forEach(all::addAll);
        Map<String, Set<String>> missing = new TreeMap<>();
        for (Observability.Query q : Observability.allQueries()) {
            for (String name : PromQl.metricNames(q.expr())) {
                if (used.contains(name) && !all.contains(name) && !PENDING.containsKey(name) && !PROMETHEUS_OWN.contains(name)) {
                    missing.computeIfAbsent(q.where(), w -> new TreeSet<>()).add(name);
                }
            }
        }
        return missing;
    }

    private static Map<String, Set<String>> scrapeAll() {
        Map<String, Set<String>> byJob = new TreeMap<>();
        scrapeUrls.forEach((job, url) -> byJob.put(job, names(send(HttpRequest.newBuilder(URI.create(url)).build()))));
        return byJob;
    }

    /** The sample names of a Prometheus text exposition. */
    static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int end = line.indexOf('{');
                names.add((end < 0 ? line.substring(0, line.indexOf(' ')) : line.substring(0, end)).strip());
            }
        }
        return names;
    }

    /** The response, or null when the connection fails. */
    private static HttpResponse<String> trySend(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException e) {
            throw new AssertionError(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
