package io.capstan.nodeagent.it;

import io.capstan.testkit.Eventually;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.testkit.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node-agent against a real etcd, Kafka and api-server, running pods through the real
 * process runtime, driven and read with the real kubectl 1.33. There is no scheduler here: the
 * pods name the node themselves ({@code spec.nodeName}), as a bound pod would.
 */
@QuarkusTest
@QuarkusTestResource(value = Cluster.class, restrictToAnnotatedClass = true)
class NodeAgentIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static Kubectl kubectl;

    @Inject
    ContainerRuntime runtime;

    @BeforeAll
    static void start() {
        kubectl = new Kubectl("1.33", Cluster.apiServer.url());
    }

    @AfterAll
    static void stopContainers() {
        if (kubectl == null) {
            return;
        }
        // the agent leaves containers running when it stops (a restarted agent takes them over): the test must not
        kubectl.run("delete", "pods", "--all-namespaces", "--all", "--grace-period=1", "--timeout=60s");
    }

    // ------------------------------------------------------------------ node

    @Test
    void theNodeRegistersWithHostCapacityKubeletConditionsAndARenewedLease() throws Exception {
        eventually("node registered", () -> kubectl.run("get", "node", Cluster.NODE).exitCode() == 0);
        JsonNode node = json(kubectl.run("get", "node", Cluster.NODE, "-o", "json").ok().stdout());
        JsonNode status = node.path("status");
        assertThat(status.path("capacity").path("cpu").asText()).isEqualTo(String.valueOf(Runtime.getRuntime().availableProcessors()));
        assertThat(status.path("capacity").path("pods").asText()).isEqualTo("110");
        assertThat(status.path("capacity").path("memory").asText()).endsWith("Ki");
        assertThat(status.path("allocatable").has("ephemeral-storage")).isTrue();
        assertThat(status.path("addresses").toString()).contains("\"InternalIP\"").contains("127.0.1." + Cluster.index);
        assertThat(status.path("nodeInfo").path("kubeletVersion").asText()).startsWith("v1.33");
        assertThat(status.path("nodeInfo").path("containerRuntimeVersion").asText()).startsWith(runtime.name() + "://");
        assertThat(status.path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt()).isPositive();
        assertThat(node.path("spec").path("podCIDR").asText()).isEqualTo("127.244." + Cluster.index + ".0/24");
        assertThat(kubectl.run("get", "node", Cluster.NODE, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}").ok()
                .stdout()).isEqualTo("KubeletReady");
        assertThat(kubectl.run("get", "nodes").ok().stdout()).containsPattern(Cluster.NODE + "\\s+Ready");

        String renew = leaseRenewTime();
        eventually("lease renewed", () -> !leaseRenewTime().equals(renew));
        assertThat(kubectl.run("-n", "kube-node-lease", "get", "lease", Cluster.NODE, "-o", "jsonpath={.spec.holderIdentity}")
                .ok().stdout()).isEqualTo(Cluster.NODE);
    }

    @Test
    void aDeletedNodeRegistersAgain() {
        eventually("node registered", () -> kubectl.run("get", "node", Cluster.NODE).exitCode() == 0);
        String uid = kubectl.run("get", "node", Cluster.NODE, "-o", "jsonpath={.metadata.uid}").ok().stdout();
        kubectl.run("delete", "node", Cluster.NODE).ok();
        eventually("registered again with a new uid", () -> {
            Kubectl.Result r = kubectl.run("get", "node", Cluster.NODE, "-o", "jsonpath={.metadata.uid}");
            return r.exitCode() == 0 && !r.stdout().isBlank() && !r.stdout().equals(uid);
        });
        eventually("lease owned by the new node", () -> {
            String newUid = kubectl.run("get", "node", Cluster.NODE, "-o", "jsonpath={.metadata.uid}").stdout();
            return kubectl.run("-n", "kube-node-lease", "get", "lease", Cluster.NODE, "-o",
                    "jsonpath={.metadata.ownerReferences[0].uid}").stdout().equals(newUid);
        });
    }

    // ------------------------------------------------------------------ pods

    @Test
    void aPodRunsTurnsReadyAndReportsWhatTheKubeletReports() throws Exception {
        String ns = namespace("run");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: sleeper}
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo started; sleep 3600"]
                    readinessProbe:
                      exec: {command: ["true"]}
                      periodSeconds: 1
                """.formatted(Cluster.NODE));
        kubectl.run("-n", ns, "wait", "--for=condition=Ready", "pod/sleeper", "--timeout=100s").ok();
        JsonNode status = json(kubectl.run("-n", ns, "get", "pod", "sleeper", "-o", "json").ok().stdout()).path("status");
        assertThat(status.path("phase").asText()).isEqualTo("Running");
        assertThat(status.path("podIP").asText()).startsWith("127.244." + Cluster.index + ".");
        assertThat(status.path("hostIP").asText()).isEqualTo("127.0.1." + Cluster.index);
        assertThat(status.path("qosClass").asText()).isEqualTo("BestEffort");
        assertThat(status.path("startTime").asText()).isNotEmpty();
        JsonNode container = status.path("containerStatuses").get(0);
        assertThat(container.path("restartCount").asInt()).isZero();
        assertThat(container.path("ready").asBoolean()).isTrue();
        assertThat(container.path("started").asBoolean()).isTrue();
        assertThat(container.path("containerID").asText()).startsWith(runtime.name() + "://");
        assertThat(container.path("state").has("running")).isTrue();
        List<String> conditions = new ArrayList<>();
        status.path("conditions").forEach(c -> conditions.add(c.path("type").asText() + "=" + c.path("status").asText()));
        assertThat(conditions).contains("PodReadyToStartContainers=True", "Initialized=True", "Ready=True", "ContainersReady=True",
                "PodScheduled=True");
        eventually("log written", () -> log(ns, "sleeper", "main").contains("started"));
        assertThat(eventReasons(ns, "sleeper")).contains("Pulled", "Created", "Started");
        assertThat(kubectl.run("-n", ns, "get", "events", "-o", "jsonpath={.items[?(@.reason==\"Pulled\")].message}").ok().stdout())
                .isEqualTo("Container image \"busybox\" already present on machine");
        Thread.sleep(3000);
        assertThat(eventReasons(ns, "sleeper")).doesNotContain("BackOff", "Killing", "Failed");
        assertThat(kubectl.run("-n", ns, "get", "pod", "sleeper", "-o", "jsonpath={.status.containerStatuses[0].restartCount}")
                .ok().stdout()).isEqualTo("0");
    }

    @Test
    void aPodsResolvConfAndHostsFollowItsDnsPolicyDnsConfigAndSubdomain() {
        String ns = namespace("dns");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: resolver}
                spec:
                  nodeName: %s
                  hostname: web-0
                  subdomain: web
                  dnsConfig:
                    nameservers: ["192.0.2.53"]
                    searches: [corp.example]
                    options: [{name: ndots, value: "2"}, {name: edns0}]
                  containers:
                  - name: main
                    image: busybox
                    command: ["sleep", "3600"]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: none}
                spec:
                  nodeName: %s
                  dnsPolicy: None
                  dnsConfig: {nameservers: ["192.0.2.1"]}
                  containers:
                  - name: main
                    image: busybox
                    command: ["sleep", "3600"]
                """.formatted(Cluster.NODE, Cluster.NODE));
        kubectl.run("-n", ns, "wait", "--for=condition=Ready", "pod/resolver", "pod/none", "--timeout=100s").ok();

        String resolv = kubectl.run("-n", ns, "exec", "resolver", "--", "cat", "/etc/resolv.conf").ok().stdout();
        List<String> lines = resolv.lines().toList();
        // the node's own search domains, if any, come between the cluster's and the pod's
        assertThat(lines.get(0)).as(resolv).startsWith("search " + ns + ".svc.cluster.local svc.cluster.local cluster.local ")
                .endsWith(" corp.example");
        assertThat(lines.subList(1, lines.size())).as(resolv)
                .containsExactly("nameserver 127.0.1." + Cluster.index, "nameserver 192.0.2.53", "options ndots:2 edns0");
        String podIp = jsonpath(ns, "pod/resolver", "{.status.podIP}");
        assertThat(kubectl.run("-n", ns, "exec", "resolver", "--", "cat", "/etc/hosts").ok().stdout())
                .contains(podIp + "\tweb-0.web." + ns + ".svc.cluster.local\tweb-0");
        assertThat(kubectl.run("-n", ns, "exec", "none", "--", "cat", "/etc/resolv.conf").ok().stdout())
                .isEqualTo("nameserver 192.0.2.1\n");
    }

    @Test
    void aCrashingContainerGoesIntoCrashLoopBackOff() {
        String ns = namespace("crash");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: crasher}
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo dying; exit 3"]
                """.formatted(Cluster.NODE));
        eventually("CrashLoopBackOff", () -> jsonpath(ns, "pod/crasher",
                "{.status.containerStatuses[0].state.waiting.reason}").equals("CrashLoopBackOff"));
        assertThat(Integer.parseInt(jsonpath(ns, "pod/crasher", "{.status.containerStatuses[0].restartCount}"))).isGreaterThanOrEqualTo(1);
        assertThat(jsonpath(ns, "pod/crasher", "{.status.containerStatuses[0].lastState.terminated.exitCode}")).isEqualTo("3");
        assertThat(jsonpath(ns, "pod/crasher", "{.status.containerStatuses[0].lastState.terminated.reason}")).isEqualTo("Error");
        assertThat(jsonpath(ns, "pod/crasher", "{.status.phase}")).isEqualTo("Running");
        assertThat(kubectl.run("-n", ns, "get", "pod", "crasher").ok().stdout()).contains("CrashLoopBackOff");
        eventually("BackOff event", () -> eventReasons(ns, "crasher").contains("BackOff"));
    }

    @Test
    void aLivenessFailureRestartsTheContainer() {
        String ns = namespace("liveness");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: liveness-http}
                spec:
                  nodeName: %s
                  containers:
                  - name: echo
                    image: capstan/echo:1.0
                    # the pod's own address: the process runtime shares the host's network, so :8080 would collide
                    args: ["--listen=$(POD_IP):8080", "--fail-health-after=4s"]
                    env:
                    - name: POD_IP
                      valueFrom: {fieldRef: {fieldPath: status.podIP}}
                    livenessProbe:
                      httpGet: {path: /healthz, port: 8080}
                      periodSeconds: 1
                      failureThreshold: 2
                    readinessProbe:
                      tcpSocket: {port: 8080}
                      periodSeconds: 1
                """.formatted(Cluster.NODE));
        eventually("restarted by the liveness probe", () -> {
            String count = jsonpath(ns, "pod/liveness-http", "{.status.containerStatuses[0].restartCount}");
            return !count.isEmpty() && Integer.parseInt(count) >= 1;
        });
        String events = kubectl.run("-n", ns, "get", "events", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}")
                .ok().stdout();
        assertThat(events).contains("Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500")
                .contains("Killing: Container echo failed liveness probe, will be restarted");
        assertThat(jsonpath(ns, "pod/liveness-http", "{.status.containerStatuses[0].lastState.terminated.reason}")).isNotEmpty();
    }

    @Test
    void aJobStylePodSucceedsAndKeepsItsLog() {
        String ns = namespace("job");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: once}
                spec:
                  nodeName: %s
                  restartPolicy: Never
                  initContainers:
                  - name: prepare
                    image: busybox
                    command: ["sh", "-c", "echo preparing"]
                  containers:
                  - name: work
                    image: alpine
                    command: ["/bin/sh", "-c"]
                    args: ["echo hello from $HOSTNAME!"]
                """.formatted(Cluster.NODE));
        eventually("Succeeded", () -> jsonpath(ns, "pod/once", "{.status.phase}").equals("Succeeded"));
        assertThat(jsonpath(ns, "pod/once", "{.status.containerStatuses[0].state.terminated.reason}")).isEqualTo("Completed");
        assertThat(jsonpath(ns, "pod/once", "{.status.containerStatuses[0].state.terminated.exitCode}")).isEqualTo("0");
        assertThat(jsonpath(ns, "pod/once", "{.status.initContainerStatuses[0].state.terminated.reason}")).isEqualTo("Completed");
        assertThat(jsonpath(ns, "pod/once", "{.status.conditions[?(@.type==\"Ready\")].reason}")).isEqualTo("PodCompleted");
        assertThat(log(ns, "once", "work")).contains("hello from once!");
        assertThat(log(ns, "once", "prepare")).contains("preparing");
        assertThat(kubectl.run("-n", ns, "get", "pod", "once").ok().stdout()).contains("Completed");
    }

    @Test
    void configMapAndSecretValuesReachTheProcessAsEnvAndFiles() {
        String ns = namespace("config");
        apply(ns, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: manifest-example}
                data: {city: Ann Arbor, state: Michigan}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: manifest-example}
                type: Opaque
                data: {username: ZXhhbXBsZQ==, password: bXlwYXNzd29yZA==}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: config-consumer, labels: {app: consumer}}
                spec:
                  nodeName: %s
                  restartPolicy: Never
                  containers:
                  - name: show
                    image: alpine:latest
                    command: ["/bin/sh", "-c"]
                    args: ["echo city=$CITY user=$USERNAME pod=$(MY_NAME); cat /myconfig/state; echo; cat /mysecret/password; echo; cat /info/labels"]
                    env:
                    - name: CITY
                      valueFrom: {configMapKeyRef: {name: manifest-example, key: city}}
                    - name: USERNAME
                      valueFrom: {secretKeyRef: {name: manifest-example, key: username}}
                    - name: MY_NAME
                      valueFrom: {fieldRef: {fieldPath: metadata.name}}
                    volumeMounts:
                    - {name: config-volume, mountPath: /myconfig}
                    - {name: secret-volume, mountPath: /mysecret}
                    - {name: info, mountPath: /info}
                  volumes:
                  - name: config-volume
                    configMap: {name: manifest-example}
                  - name: secret-volume
                    secret: {secretName: manifest-example}
                  - name: info
                    downwardAPI:
                      items:
                      - path: labels
                        fieldRef: {fieldPath: metadata.labels}
                """.formatted(Cluster.NODE));
        eventually("Succeeded", () -> jsonpath(ns, "pod/config-consumer", "{.status.phase}").equals("Succeeded"));
        String log = log(ns, "config-consumer", "show");
        assertThat(log).contains("city=Ann Arbor user=example pod=config-consumer").contains("Michigan").contains("mypassword")
                .contains("app=\"consumer\"");
    }

    @Test
    void theServicesOfThePodsNamespaceAndTheApiServerReachTheProcessAsEnv() {
        String ns = namespace("svcenv");
        apply(ns, """
                apiVersion: v1
                kind: Service
                metadata: {name: backend-api}
                spec:
                  selector: {app: nothing}
                  ports: [{name: http, port: 8080, protocol: TCP}]
                """);
        String clusterIp = jsonpath(ns, "service/backend-api", "{.spec.clusterIP}");
        String master = kubectl.run("-n", "default", "get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}").ok().stdout().trim();
        assertThat(clusterIp).isNotBlank();
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: linked}
                spec:
                  nodeName: %s
                  restartPolicy: Never
                  containers:
                  - name: show
                    image: busybox
                    command: ["sh", "-c", "env | sort"]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: unlinked}
                spec:
                  nodeName: %s
                  restartPolicy: Never
                  enableServiceLinks: false
                  containers:
                  - name: show
                    image: busybox
                    command: ["sh", "-c", "env | sort"]
                """.formatted(Cluster.NODE, Cluster.NODE));
        eventually("both Succeeded", () -> jsonpath(ns, "pod/linked", "{.status.phase}").equals("Succeeded")
                && jsonpath(ns, "pod/unlinked", "{.status.phase}").equals("Succeeded"));
        assertThat(log(ns, "linked", "show")).contains("BACKEND_API_SERVICE_HOST=" + clusterIp + "\n")
                .contains("BACKEND_API_SERVICE_PORT=8080\n").contains("BACKEND_API_SERVICE_PORT_HTTP=8080\n")
                .contains("BACKEND_API_PORT=tcp://" + clusterIp + ":8080\n").contains("KUBERNETES_SERVICE_HOST=" + master + "\n");
        assertThat(log(ns, "unlinked", "show")).doesNotContain("BACKEND_API_").contains("KUBERNETES_SERVICE_HOST=" + master + "\n");
    }

    @Test
    void aMissingConfigMapKeyIsCreateContainerConfigErrorUntilItExists() {
        String ns = namespace("configerror");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: waiting}
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo value=$VALUE; sleep 3600"]
                    env:
                    - name: VALUE
                      valueFrom: {configMapKeyRef: {name: later, key: value}}
                """.formatted(Cluster.NODE));
        eventually("CreateContainerConfigError", () -> jsonpath(ns, "pod/waiting",
                "{.status.containerStatuses[0].state.waiting.reason}").equals("CreateContainerConfigError"));
        assertThat(jsonpath(ns, "pod/waiting", "{.status.containerStatuses[0].state.waiting.message}"))
                .isEqualTo("configmap \"later\" not found");
        kubectl.run("-n", ns, "create", "configmap", "later", "--from-literal=value=arrived").ok();
        eventually("running with the value", () -> log(ns, "waiting", "main").contains("value=arrived"));
    }

    @Test
    void anUnknownImageIsErrImagePullThenImagePullBackOff() {
        String ns = namespace("image");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: unknown-image}
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: example.com/no-such-image:1.0
                """.formatted(Cluster.NODE));
        eventually("ErrImagePull or ImagePullBackOff", () -> List.of("ErrImagePull", "ImagePullBackOff")
                .contains(jsonpath(ns, "pod/unknown-image", "{.status.containerStatuses[0].state.waiting.reason}")));
        eventually("ImagePullBackOff", () -> jsonpath(ns, "pod/unknown-image",
                "{.status.containerStatuses[0].state.waiting.reason}").equals("ImagePullBackOff"));
        assertThat(jsonpath(ns, "pod/unknown-image", "{.status.phase}")).isEqualTo("Pending");
        String events = kubectl.run("-n", ns, "get", "events", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}")
                .ok().stdout();
        assertThat(events).contains("Failed: Failed to pull image \"example.com/no-such-image:1.0\"")
                .contains("Failed: Error: ErrImagePull");
    }

    @Test
    void deletionRunsPreStopStopsGracefullyAndRemovesThePod() throws Exception {
        String ns = namespace("delete");
        Path marker = Files.createTempDirectory("prestop");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: graceful}
                spec:
                  nodeName: %s
                  terminationGracePeriodSeconds: 20
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "trap 'echo got TERM > /out/term; exit 0' TERM; while true; do sleep 1; done"]
                    lifecycle:
                      preStop:
                        exec: {command: ["sh", "-c", "echo prestop > /out/prestop"]}
                    volumeMounts:
                    - {name: out, mountPath: /out}
                  volumes:
                  - name: out
                    hostPath: {path: %s, type: Directory}
                """.formatted(Cluster.NODE, marker));
        kubectl.run("-n", ns, "wait", "--for=condition=Ready", "pod/graceful", "--timeout=100s").ok();
        ContainerId id = containerId(ns, "graceful", 0);
        Instant before = Instant.now();
        kubectl.run("-n", ns, "delete", "pod", "graceful", "--timeout=60s").ok();
        assertThat(Duration.between(before, Instant.now())).as("SIGTERM ended it long before the 20 s grace period")
                .isLessThan(Duration.ofSeconds(15));
        assertThat(kubectl.run("-n", ns, "get", "pod", "graceful").exitCode()).isNotZero();
        assertThat(Files.readString(marker.resolve("prestop")).trim()).isEqualTo("prestop");
        assertThat(Files.readString(marker.resolve("term")).trim()).isEqualTo("got TERM");
        eventually("sandbox removed", () -> runtime.containerStatus(id).map(c -> !c.running()).orElse(true));
    }

    @Test
    void initContainersAndHooksShareAnEmptyDirAndAFailedInitFailsANeverPod() {
        String ns = namespace("init");
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: staged}
                spec:
                  nodeName: %1$s
                  initContainers:
                  - name: first
                    image: busybox
                    command: ["sh", "-c", "echo one >> /work/steps"]
                    volumeMounts: [{name: work, mountPath: /work}]
                  - name: second
                    image: busybox
                    command: ["sh", "-c", "echo two >> /work/steps"]
                    volumeMounts: [{name: work, mountPath: /work}]
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "sleep 1; cat /work/steps; sleep 3600"]
                    lifecycle:
                      postStart:
                        exec: {command: ["sh", "-c", "echo hook >> /work/steps"]}
                    volumeMounts: [{name: work, mountPath: /work}]
                  volumes:
                  - name: work
                    emptyDir: {medium: Memory, sizeLimit: 1Mi}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: broken-init}
                spec:
                  nodeName: %1$s
                  restartPolicy: Never
                  initContainers:
                  - name: fails
                    image: busybox
                    command: ["sh", "-c", "exit 7"]
                  containers:
                  - name: never-runs
                    image: busybox
                    command: ["sleep", "3600"]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: deadline}
                spec:
                  nodeName: %1$s
                  activeDeadlineSeconds: 3
                  containers:
                  - name: main
                    image: busybox
                    command: ["sleep", "3600"]
                """.formatted(Cluster.NODE));
        kubectl.run("-n", ns, "wait", "--for=condition=Ready", "pod/staged", "--timeout=100s").ok();
        eventually("the steps in order", () -> log(ns, "staged", "main").contains("one\ntwo\nhook"));
        eventually("broken-init failed", () -> jsonpath(ns, "pod/broken-init", "{.status.phase}").equals("Failed"));
        assertThat(jsonpath(ns, "pod/broken-init", "{.status.initContainerStatuses[0].state.terminated.exitCode}")).isEqualTo("7");
        assertThat(jsonpath(ns, "pod/broken-init", "{.status.containerStatuses[0].state.waiting.reason}")).isEqualTo("PodInitializing");
        eventually("deadline exceeded", () -> jsonpath(ns, "pod/deadline", "{.status.reason}").equals("DeadlineExceeded"));
        assertThat(jsonpath(ns, "pod/deadline", "{.status.phase}")).isEqualTo("Failed");
    }

    @Test
    void aClaimMountsItsBoundVolumesDirectory() throws Exception {
        String ns = namespace("claim");
        Path data = Files.createTempDirectory("pv");
        String pv = "pv-" + ns;
        apply(ns, """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: %2$s}
                spec:
                  capacity: {storage: 1Gi}
                  accessModes: [ReadWriteOnce]
                  hostPath: {path: %3$s}
                  claimRef: {namespace: %4$s, name: data}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
                  volumeName: %2$s
                """.formatted(Cluster.NODE, pv, data, ns));
        // no controller-manager runs here: mark the claim bound as its binder would
        kubectl.run("-n", ns, "patch", "pvc", "data", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"phase\":\"Bound\"}}").ok();
        apply(ns, """
                apiVersion: v1
                kind: Pod
                metadata: {name: writer}
                spec:
                  nodeName: %s
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo persisted > /data/file"]
                    volumeMounts: [{name: data, mountPath: /data}]
                  volumes:
                  - name: data
                    persistentVolumeClaim: {claimName: data}
                """.formatted(Cluster.NODE));
        eventually("Succeeded", () -> jsonpath(ns, "pod/writer", "{.status.phase}").equals("Succeeded"));
        assertThat(Files.readString(data.resolve("file")).trim()).isEqualTo("persisted");
    }

    // ------------------------------------------------------------------ helpers

    private static String namespace(String prefix) {
        String ns = prefix + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        kubectl.run("create", "namespace", ns).ok();
        return ns;
    }

    private static void apply(String ns, String yaml) {
        kubectl.runWithInput(yaml, "-n", ns, "apply", "-f", "-").ok();
    }

    private static String jsonpath(String ns, String resource, String path) {
        Kubectl.Result r = kubectl.run("-n", ns, "get", resource, "-o", "jsonpath=" + path);
        return r.exitCode() == 0 ? r.stdout().trim() : "";
    }

    private static String leaseRenewTime() {
        return kubectl.run("-n", "kube-node-lease", "get", "lease", Cluster.NODE, "-o", "jsonpath={.spec.renewTime}").ok().stdout();
    }

    private static List<String> eventReasons(String ns, String pod) {
        String out = kubectl.run("-n", ns, "get", "events", "--field-selector", "involvedObject.name=" + pod, "-o",
                "jsonpath={.items[*].reason}").ok().stdout();
        return out.isBlank() ? List.of() : List.of(out.trim().split("\\s+"));
    }

    /** The run of a container that kubectl reports (its containerID is process://uid/name/attempt). */
    private static ContainerId containerId(String ns, String pod, int index) {
        String uri = jsonpath(ns, "pod/" + pod, "{.status.containerStatuses[" + index + "].containerID}");
        String[] parts = uri.substring(uri.indexOf("://") + 3).split("/");
        return new ContainerId(parts[0], parts[1], Integer.parseInt(parts[2]));
    }

    /** A container's output, read from the runtime's CRI log files of every run. */
    private String log(String ns, String pod, String container) {
        String uid = jsonpath(ns, "pod/" + pod, "{.metadata.uid}");
        StringBuilder out = new StringBuilder();
        for (ContainerInfo info : runtime.listContainers()) {
            if (info.id().podUid().equals(uid) && info.id().container().equals(container)) {
                try {
                    for (String line : Files.readAllLines(runtime.logPath(info.id()))) {
                        String[] parts = line.split(" ", 4);
                        out.append(parts.length == 4 ? parts[3] : line).append('\n');
                    }
                } catch (IOException e) {
                    // not written yet
                }
            }
        }
        return out.toString();
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    private static void eventually(String what, BooleanSupplier condition) {
        Eventually.eventually(what, WAIT, condition);
    }
}
