package io.capstan.apiserver;

import io.capstan.testkit.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real kubectl (1.27, 1.30, 1.32, 1.33) against a running api-server on a real etcd: the
 * commands users type every day, each version in its own namespace.
 */
@QuarkusTest
@QuarkusTestResource(EtcdTestResource.class)
@TestMethodOrder(MethodOrderer.MethodName.class)
class KubectlCompatibilityIT {
    static final Path FIXTURES = Path.of(System.getProperty("capstan.fixtures", "../../../shared/fixtures/k8s"));

    @TestHTTPResource("/")
    URL url;

    static Stream<String> versions() {
        return Kubectl.VERSIONS.stream();
    }

    private Kubectl kubectl(String version) {
        return new Kubectl(version, url.toString().replaceAll("/$", ""));
    }

    private static String ns(String version, String test) {
        return test + "-" + version.replace(".", "");
    }

    private static List<Path> fixtures() throws IOException {
        try (Stream<Path> files = Files.list(FIXTURES)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void applyCreatesEveryFixtureThenReportsUnchangedThenConfigured(String version) throws IOException {
        Kubectl k = kubectl(version);
        String ns = ns(version, "fixtures");
        k.run("create", "namespace", ns).ok();
        try {
            for (Path f : fixtures()) {
                Kubectl.Result r = k.run("apply", "-n", ns, "-f", f.toString());
                assertThat(r.exitCode()).as("apply %s: %s", f.getFileName(), r.stderr()).isZero();
                assertThat(r.stdout()).as(f.getFileName().toString()).containsAnyOf("created", "unchanged");
            }
            for (Path f : fixtures()) {
                // A re-apply writes nothing. kubectl still prints "configured" for a StatefulSet, as against
                // Kubernetes: its atomic volumeClaimTemplates list differs from the stored, defaulted one.
                String before = versionsOf(k, ns, f);
                Kubectl.Result r = k.run("apply", "-n", ns, "-f", f.toString()).ok();
                assertThat(r.stdout()).as("second apply of %s", f.getFileName()).doesNotContain("created");
                if (!f.getFileName().toString().startsWith("08-")) {
                    assertThat(r.stdout()).as("second apply of %s", f.getFileName()).doesNotContain("configured");
                }
                assertThat(versionsOf(k, ns, f)).as("resourceVersions after re-applying %s", f.getFileName()).isEqualTo(before);
            }
            Path changed = k.home().resolve("deployment-v2.yaml");
            Files.writeString(changed, Files.readString(FIXTURES.resolve("05-deployment.yaml"))
                    .replace("replicas: 3", "replicas: 4").replace("version 1", "version 2"));
            assertThat(k.run("apply", "-n", ns, "-f", changed.toString()).ok().stdout())
                    .contains("deployment.apps/deploy-example configured");
            String spec = k.run("get", "-n", ns, "deployment", "deploy-example", "-o",
                    "jsonpath={.spec.replicas} {.metadata.generation} {.spec.template.spec.containers[0].args[0]} {.spec.strategy.rollingUpdate.maxSurge}").ok().stdout();
            assertThat(spec).isEqualTo("4 2 --text=version 2 1");
            String svc = k.run("get", "-n", ns, "svc", "web-public", "-o", "jsonpath={.spec.ports[0].nodePort} {.spec.type} {.spec.clusterIP}").ok().stdout();
            assertThat(svc).startsWith("30080 NodePort 127.96.");
            String headless = k.run("get", "-n", ns, "svc", "app", "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
            assertThat(headless).isEqualTo("None");
        } finally {
            // NodePort 30080 is fixed in the fixture; give it back for the next kubectl version.
            k.run("delete", "-n", ns, "-f", FIXTURES.resolve("07-service-nodeport.yaml").toString(), "--ignore-not-found");
        }
    }

    private static String versionsOf(Kubectl k, String ns, Path file) {
        return k.run("get", "-n", ns, "-f", file.toString(), "-o", "jsonpath={..metadata.resourceVersion}").ok().stdout();
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void getPrintsTheFamiliarColumnsAndFormats(String version) throws IOException {
        Kubectl k = kubectl(version);
        String ns = ns(version, "get");
        k.run("create", "namespace", ns).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("02-pod.yaml").toString()).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("05-deployment.yaml").toString()).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("06-service-clusterip.yaml").toString()).ok();

        assertThat(k.run("get", "-n", ns, "pods").ok().stdout())
                .contains("NAME", "READY", "STATUS", "RESTARTS", "AGE").contains("nginx-pod", "0/1", "Pending");
        assertThat(k.run("get", "-n", ns, "pods", "-o", "wide").ok().stdout()).contains("IP", "NODE", "NOMINATED NODE");
        assertThat(k.run("get", "-n", ns, "deploy").ok().stdout()).contains("UP-TO-DATE", "AVAILABLE", "deploy-example");
        assertThat(k.run("get", "-n", ns, "svc", "web").ok().stdout()).contains("CLUSTER-IP", "80/TCP");
        assertThat(k.run("get", "-n", ns, "pod", "nginx-pod", "-o", "yaml").ok().stdout())
                .contains("kind: Pod", "restartPolicy: Always", "terminationGracePeriodSeconds: 30", "uid:", "resourceVersion:");
        assertThat(k.run("get", "-n", ns, "pod", "nginx-pod", "-o", "json").ok().stdout()).contains("\"kind\": \"Pod\"");
        assertThat(k.run("get", "-n", ns, "pods,deploy", "-o", "name").ok().stdout())
                .contains("pod/nginx-pod", "deployment.apps/deploy-example");
        assertThat(k.run("get", "-n", ns, "pods", "-l", "app=nginx,env in (prod)").ok().stdout()).contains("nginx-pod");
        assertThat(k.run("get", "-n", ns, "pods", "-l", "app!=nginx").ok().stderr()).contains("No resources found");
        assertThat(k.run("get", "-n", ns, "pods", "--field-selector", "metadata.name=nginx-pod,status.phase=Pending").ok().stdout())
                .contains("nginx-pod");
        assertThat(k.run("get", "-n", ns, "pods", "--show-labels").ok().stdout()).contains("LABELS", "app=nginx,env=prod");
        assertThat(k.run("get", "pods", "-A").ok().stdout()).contains("NAMESPACE", ns);
        assertThat(k.run("get", "-n", ns, "all").ok().stdout()).contains("pod/nginx-pod", "service/web", "deployment.apps/deploy-example");
        String sorted = k.run("get", "-n", ns, "svc", "--sort-by=.metadata.name", "-o", "name").ok().stdout();
        assertThat(sorted.trim()).isEqualTo("service/web");
        assertThat(k.run("get", "ns", ns).ok().stdout()).contains("Active");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void describeShowsTheObject(String version) {
        Kubectl k = kubectl(version);
        String ns = ns(version, "describe");
        k.run("create", "namespace", ns).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("05-deployment.yaml").toString()).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("02-pod.yaml").toString()).ok();
        assertThat(k.run("describe", "-n", ns, "deployment", "deploy-example").ok().stdout())
                .contains("Name:", "deploy-example", "Replicas:", "StrategyType:", "RollingUpdate", "capstan/echo:1.0");
        assertThat(k.run("describe", "-n", ns, "pod", "nginx-pod").ok().stdout())
                .contains("Name:", "nginx-pod", "Containers:", "nginx:stable-alpine");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void labelAnnotateScaleAndEveryPatchTypeChangeTheObject(String version) throws IOException {
        Kubectl k = kubectl(version);
        String ns = ns(version, "mutate");
        k.run("create", "namespace", ns).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("05-deployment.yaml").toString()).ok();
        k.run("label", "-n", ns, "deploy", "deploy-example", "tier=front").ok();
        k.run("annotate", "-n", ns, "deploy", "deploy-example", "owner=team-a").ok();
        k.run("scale", "-n", ns, "deploy", "deploy-example", "--replicas=5").ok();
        k.run("patch", "-n", ns, "deploy", "deploy-example", "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"capstan/echo:2.0\"}]}}}}").ok();
        k.run("patch", "-n", ns, "deploy", "deploy-example", "--type=merge", "-p", "{\"spec\":{\"minReadySeconds\":3}}").ok();
        k.run("patch", "-n", ns, "deploy", "deploy-example", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/revisionHistoryLimit\",\"value\":7}]").ok();
        String out = k.run("get", "-n", ns, "deploy", "deploy-example", "-o",
                "jsonpath={.metadata.labels.tier} {.metadata.annotations.owner} {.spec.replicas} "
                        + "{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].args[0]} "
                        + "{.spec.minReadySeconds} {.spec.revisionHistoryLimit}").ok().stdout();
        assertThat(out).isEqualTo("front team-a 5 capstan/echo:2.0 --text=version 1 3 7");

        Path script = k.home().resolve("editor.sh");
        Files.writeString(script, "#!/bin/sh\nsed -i 's/minReadySeconds: 3/minReadySeconds: 9/' \"$1\"\n");
        script.toFile().setExecutable(true);
        k.run(Map.of("EDITOR", script.toString(), "KUBE_EDITOR", script.toString()), null,
                "edit", "-n", ns, "deploy", "deploy-example").ok();
        assertThat(k.run("get", "-n", ns, "deploy", "deploy-example", "-o", "jsonpath={.spec.minReadySeconds}").ok().stdout())
                .isEqualTo("9");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void createGeneratorsWork(String version) throws IOException {
        Kubectl k = kubectl(version);
        String ns = ns(version, "create");
        k.run("create", "namespace", ns).ok();
        Path file = k.home().resolve("settings.properties");
        Files.writeString(file, "color=blue\n");
        k.run("create", "configmap", "app-config", "-n", ns, "--from-literal=mode=fast", "--from-file=" + file).ok();
        k.run("create", "secret", "generic", "app-secret", "-n", ns, "--from-literal=password=s3cr3t").ok();
        assertThat(k.run("get", "-n", ns, "cm", "app-config", "-o", "jsonpath={.data.mode} {.data.settings\\.properties}").ok().stdout())
                .isEqualTo("fast color=blue\n");
        assertThat(k.run("get", "-n", ns, "secret", "app-secret", "-o", "jsonpath={.data.password} {.type}").ok().stdout())
                .isEqualTo("czNjcjN0 Opaque");
        assertThat(k.run("get", "-n", ns, "cm").ok().stdout()).contains("DATA", "app-config", "2");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void deleteByNameByFileAndByLabelAndWaitForDelete(String version) {
        Kubectl k = kubectl(version);
        String ns = ns(version, "delete");
        k.run("create", "namespace", ns).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("12-configmap-secret.yaml").toString()).ok();
        k.run("apply", "-n", ns, "-f", FIXTURES.resolve("06-service-clusterip.yaml").toString()).ok();
        k.run("create", "configmap", "one", "-n", ns).ok();
        k.run("create", "configmap", "two", "-n", ns).ok();
        k.run("label", "configmap", "two", "-n", ns, "purge=yes").ok();
        assertThat(k.run("delete", "-n", ns, "configmap", "one").ok().stdout()).contains("configmap \"one\" deleted");
        assertThat(k.run("delete", "-n", ns, "configmap", "-l", "purge=yes").ok().stdout()).contains("configmap \"two\" deleted");
        assertThat(k.run("delete", "-n", ns, "-f", FIXTURES.resolve("06-service-clusterip.yaml").toString()).ok().stdout())
                .contains("service \"web\" deleted");
        k.run("wait", "-n", ns, "--for=delete", "service/web", "--timeout=10s").ok();
        assertThat(k.run("get", "-n", ns, "configmap", "one").stderr()).contains("NotFound");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void serverSideApplyOwnsFieldsAndReportsConflicts(String version) throws IOException {
        Kubectl k = kubectl(version);
        String ns = ns(version, "ssa");
        k.run("create", "namespace", ns).ok();
        Path deploy = FIXTURES.resolve("05-deployment.yaml");
        assertThat(k.run("apply", "--server-side", "-n", ns, "-f", deploy.toString()).ok().stdout())
                .contains("deployment.apps/deploy-example serverside-applied");
        Path other = k.home().resolve("other-manager.yaml");
        Files.writeString(other, """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: deploy-example
                spec:
                  replicas: 7
                """);
        Kubectl.Result conflict = k.run("apply", "--server-side", "--field-manager=autoscaler", "-n", ns, "-f", other.toString());
        assertThat(conflict.exitCode()).isNotZero();
        assertThat(conflict.stderr()).contains("conflict", ".spec.replicas");
        k.run("apply", "--server-side", "--force-conflicts", "--field-manager=autoscaler", "-n", ns, "-f", other.toString()).ok();
        assertThat(k.run("get", "-n", ns, "deploy", "deploy-example", "-o", "jsonpath={.spec.replicas}").ok().stdout()).isEqualTo("7");
        assertThat(k.run("get", "-n", ns, "deploy", "deploy-example", "--show-managed-fields", "-o", "yaml").ok().stdout())
                .contains("manager: autoscaler", "operation: Apply");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void getWatchSeesChanges(String version) throws Exception {
        Kubectl k = kubectl(version);
        String ns = ns(version, "watch");
        k.run("create", "namespace", ns).ok();
        List<String> cmd = new ArrayList<>(List.of(Kubectl.find(version).toString(), "--cache-dir=" + k.home().resolve("cache"),
                "get", "configmaps", "-n", ns, "-w", "--request-timeout=30s"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", k.home().resolve("kubeconfig").toString());
        pb.environment().put("HOME", k.home().toString());
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Thread.sleep(1500);
            k.run("create", "configmap", "seen-by-watch", "-n", ns).ok();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String line;
            boolean seen = false;
            while (!seen && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                seen = line.contains("seen-by-watch");
            }
            assertThat(seen).as("kubectl get -w printed the new configmap").isTrue();
        } finally {
            p.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void discoveryCommandsWork(String version) {
        Kubectl k = kubectl(version);
        assertThat(k.run("api-resources").ok().stdout())
                .contains("pods", "po", "deployments", "deploy", "apps/v1", "virtualservices", "vs", "networking.istio.io/v1",
                        "customresourcedefinitions", "horizontalpodautoscalers", "hpa");
        assertThat(k.run("api-versions").ok().stdout()).contains("v1", "apps/v1", "batch/v1", "autoscaling/v2", "autoscaling/v1",
                "coordination.k8s.io/v1", "discovery.k8s.io/v1", "storage.k8s.io/v1", "security.istio.io/v1");
        assertThat(k.run("explain", "pod.spec.containers").ok().stdout()).contains("FIELDS", "image", "ports");
        assertThat(k.run("explain", "deployment.spec.strategy").ok().stdout()).contains("rollingUpdate");
        assertThat(k.run("version", "-o", "json").ok().stdout()).contains("\"gitVersion\": \"v1.33");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @MethodSource("versions")
    void customResourcesAreServedFromTheirDefinition(String version) throws IOException, InterruptedException {
        Kubectl k = kubectl(version);
        String group = "v" + version.replace(".", "") + ".example.com";
        Path crd = k.home().resolve("crd.yaml");
        Files.writeString(crd, """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: crontabs.%1$s
                spec:
                  group: %1$s
                  scope: Namespaced
                  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    subresources: {status: {}}
                    additionalPrinterColumns:
                    - {name: Spec, type: string, jsonPath: .spec.cronSpec}
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            type: object
                            properties:
                              cronSpec: {type: string}
                              replicas: {type: integer}
                """.formatted(group));
        k.run("apply", "-f", crd.toString()).ok();
        k.run("wait", "--for=condition=established", "crd/crontabs." + group, "--timeout=20s").ok();
        Path cr = k.home().resolve("cr.yaml");
        Files.writeString(cr, """
                apiVersion: %s/v1
                kind: CronTab
                metadata:
                  name: my-crontab
                spec:
                  cronSpec: "* * * * */5"
                  replicas: 2
                """.formatted(group));
        Kubectl.Result applied = null;
        for (int i = 0; i < 20; i++) {
            applied = k.run("apply", "-f", cr.toString());
            if (applied.exitCode() == 0) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(applied.exitCode()).as(applied.stderr()).isZero();
        assertThat(k.run("get", "crontabs." + group).ok().stdout()).contains("SPEC", "* * * * */5");
        Files.writeString(cr, Files.readString(cr).replace("replicas: 2", "replicas: 3"));
        assertThat(k.run("apply", "-f", cr.toString()).ok().stdout()).contains("configured");
        Path bad = k.home().resolve("bad-cr.yaml");
        Files.writeString(bad, Files.readString(cr).replace("replicas: 3", "replicas: 3\n  unknownField: 1"));
        Kubectl.Result strict = k.run("apply", "-f", bad.toString());
        assertThat(strict.exitCode()).isNotZero();
        assertThat(strict.stderr()).contains("unknownField");
        assertThat(k.run("delete", "crd", "crontabs." + group, "--timeout=30s").ok().stdout()).contains("deleted");
        Rest rest = new Rest(url.toString());
        assertThat(rest.get("/apis/" + group + "/v1/namespaces/default/crontabs").code()).isEqualTo(404);
        try (var etcd = io.capstan.store.EtcdStore.connect(EtcdTestResource.etcd.endpoint())) {
            assertThat(etcd.list("/registry/" + group + "/crontabs/", null, 0, 0).join().items()).isEmpty();
        }
    }

    @org.junit.jupiter.api.Test
    void rawCurlCallsCreateReadAndDeleteAPod() throws Exception {
        Path dir = Files.createTempDirectory("curl");
        Path pod = dir.resolve("pod.json");
        Files.writeString(pod, """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"curl-pod","labels":{"via":"curl"}},
                 "spec":{"containers":[{"name":"c","image":"busybox","command":["sleep","3600"]}]}}
                """);
        String base = url.toString().replaceAll("/$", "");
        assertThat(curl("-XPOST", base + "/api/v1/namespaces/default/pods", "-H", "Content-Type: application/json",
                "-d", "@" + pod)).startsWith("201 ").contains("\"name\":\"curl-pod\"");
        assertThat(curl(base + "/api/v1/namespaces/default/pods/curl-pod")).startsWith("200 ").contains("\"phase\":\"Pending\"");
        assertThat(curl(base + "/api/v1/namespaces/default/pods?labelSelector=via%3Dcurl")).startsWith("200 ").contains("PodList");
        assertThat(curl("-XDELETE", base + "/api/v1/namespaces/default/pods/curl-pod")).startsWith("200 ");
        assertThat(curl(base + "/api/v1/namespaces/default/pods/curl-pod")).startsWith("404 ").contains("\"reason\":\"NotFound\"");
    }

    /** Runs curl and returns "CODE body". */
    private static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1).trim() + " " + out.substring(0, nl);
    }
}
