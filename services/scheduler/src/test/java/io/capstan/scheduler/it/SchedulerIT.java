package io.capstan.scheduler.it;

import io.capstan.testkit.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduler against a real etcd, Kafka and api-server, driven with the real kubectl 1.33.
 * Five nodes are created through the API as a node-agent would register them (capacity,
 * allocatable, Ready): node-a (zone a, ssd), node-b (zone b, hdd), node-c (tainted for GPU work),
 * node-p and node-f (2 cpu each, tainted for the preemption and the finished-pod tests). No node-agent runs, so the test deletes
 * terminating pods itself where a kubelet would.
 */
@QuarkusTest
@QuarkusTestResource(value = SchedulerCluster.class, restrictToAnnotatedClass = true)
class SchedulerIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static Kubectl kubectl;

    @TestHTTPResource("/")
    URL root;

    @BeforeAll
    static void nodes() {
        kubectl = new Kubectl("1.33", SchedulerCluster.apiServer.url());
        node("node-a", "4", Map.of("topology.kubernetes.io/zone", "a", "disk", "ssd"), "");
        node("node-b", "4", Map.of("topology.kubernetes.io/zone", "b", "disk", "hdd"), "");
        node("node-c", "4", Map.of("topology.kubernetes.io/zone", "c"), "dedicated=gpu:NoSchedule");
        node("node-p", "2", Map.of("role", "preempt"), "role=preempt:NoSchedule");
        node("node-f", "2", Map.of("role", "finish"), "role=finish:NoSchedule");
        kubectl.runWithInput("""
                apiVersion: scheduling.k8s.io/v1
                kind: PriorityClass
                metadata: {name: low}
                value: 10
                ---
                apiVersion: scheduling.k8s.io/v1
                kind: PriorityClass
                metadata: {name: high}
                value: 1000000
                """, "apply", "-f", "-").ok();
    }

    /** Registers a node as a node-agent does: the Node with capacity, allocatable and a Ready condition. */
    private static void node(String name, String cpu, Map<String, String> labels, String taint) {
        String labelYaml = labels.entrySet().stream().map(e -> "    " + e.getKey() + ": \"" + e.getValue() + "\"")
                .collect(Collectors.joining("\n"));
        String taints = "";
        if (!taint.isEmpty()) {
            String[] kv = taint.split("[=:]");
            taints = "  taints:\n  - {key: " + kv[0] + ", value: " + kv[1] + ", effect: " + kv[2] + "}\n";
        }
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Node
                metadata:
                  name: %s
                  labels:
                    kubernetes.io/hostname: %s
                %s
                spec:
                %s
                """.formatted(name, name, labelYaml, taints.isEmpty() ? "  {}" : taints), "apply", "-f", "-").ok();
        String status = """
                {"status":{"capacity":{"cpu":"%s","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"%s","memory":"8Gi","pods":"110"},
                "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"simulated by the test"}]}}
                """.formatted(cpu, cpu).replace("\n", "");
        kubectl.run("patch", "node", name, "--subresource=status", "--type=merge", "-p", status).ok();
    }

    private static void namespace(String ns) {
        kubectl.run("create", "namespace", ns).ok();
    }

    private static void pod(String ns, String name, String cpu, String extraSpec) {
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  labels: {app: %s}
                spec:
                %s
                  containers:
                  - name: main
                    image: capstan/echo:1.0
                    resources:
                      requests: {cpu: "%s", memory: 64Mi}
                """.formatted(name, name.replaceAll("-\\d+$", ""), extraSpec.isEmpty() ? "" : extraSpec.stripTrailing().indent(2).stripTrailing(), cpu),
                "-n", ns, "apply", "-f", "-").ok();
    }

    private static String jsonpath(String ns, String object, String path) {
        return kubectl.run("-n", ns, "get", object, "-o", "jsonpath=" + path).ok().stdout().trim();
    }

    private static String nodeOf(String ns, String pod) {
        return jsonpath(ns, "pod/" + pod, "{.spec.nodeName}");
    }

    private static void eventually(Supplier<Boolean> condition, Supplier<String> describe) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("not within " + TIMEOUT + ": " + describe.get());
    }

    @Test
    void podsAreBoundAndSpreadOverTheNodesTheyFit() {
        String ns = "spread";
        namespace(ns);
        for (int i = 1; i <= 4; i++) {
            pod(ns, "web-" + i, "500m", "");
        }
        Supplier<String> wide = () -> kubectl.run("-n", ns, "get", "pods", "-o", "wide").stdout();
        eventually(() -> Arrays.stream(jsonpath(ns, "pods", "{.items[*].spec.nodeName}").split(" ")).filter(s -> !s.isBlank()).count() == 4, wide);
        Map<String, Long> perNode = Arrays.stream(jsonpath(ns, "pods", "{.items[*].spec.nodeName}").split(" "))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        // node-c and node-p are tainted; the least allocated of node-a and node-b wins each time
        assertThat(perNode).isEqualTo(Map.of("node-a", 2L, "node-b", 2L));
        String node = nodeOf(ns, "web-1");
        eventually(() -> kubectl.run("-n", ns, "describe", "pod", "web-1").stdout()
                .contains("Successfully assigned spread/web-1 to " + node), () -> kubectl.run("-n", ns, "describe", "pod", "web-1").stdout());
        String describe = kubectl.run("-n", ns, "describe", "pod", "web-1").ok().stdout();
        assertThat(describe).containsPattern("Normal\\s+Scheduled\\s+.*default-scheduler\\s+Successfully assigned spread/web-1 to " + node);
        assertThat(kubectl.run("-n", ns, "get", "pods", "-o", "wide").ok().stdout()).contains("node-a").contains("node-b");
    }

    @Test
    void aPodAskingForMoreCpuThanAnyNodeHasStaysPendingAndSaysWhy() {
        String ns = "too-big";
        namespace(ns);
        pod(ns, "huge", "64", "");
        String expected = "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
                + "1 node(s) had untolerated taint {role: finish}, 1 node(s) had untolerated taint {role: preempt}, 2 Insufficient cpu. "
                + "preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, "
                + "3 Preemption is not helpful for scheduling.";
        eventually(() -> kubectl.run("-n", ns, "describe", "pod", "huge").stdout().contains("FailedScheduling"),
                () -> kubectl.run("-n", ns, "describe", "pod", "huge").stdout());
        String describe = kubectl.run("-n", ns, "describe", "pod", "huge").ok().stdout();
        assertThat(describe).containsPattern("Warning\\s+FailedScheduling\\s+.*default-scheduler\\s+" + java.util.regex.Pattern.quote(expected));
        assertThat(describe).containsPattern("Status:\\s+Pending");
        eventually(() -> "Unschedulable".equals(jsonpath(ns, "pod/huge", "{.status.conditions[?(@.type==\"PodScheduled\")].reason}")),
                () -> jsonpath(ns, "pod/huge", "{.status}"));
        assertThat(jsonpath(ns, "pod/huge", "{.status.conditions[?(@.type==\"PodScheduled\")].status}")).isEqualTo("False");
        assertThat(jsonpath(ns, "pod/huge", "{.status.conditions[?(@.type==\"PodScheduled\")].message}")).isEqualTo(expected);
        assertThat(nodeOf(ns, "huge")).isEmpty();
    }

    @Test
    void nodeSelectorsAffinityAndTaintsAreHonoured() {
        String ns = "placement";
        namespace(ns);
        pod(ns, "fast", "100m", "nodeSelector: {disk: ssd}");
        pod(ns, "zoned", "100m", """
                affinity:
                  nodeAffinity:
                    requiredDuringSchedulingIgnoredDuringExecution:
                      nodeSelectorTerms:
                      - matchExpressions:
                        - {key: topology.kubernetes.io/zone, operator: In, values: [b]}
                """);
        pod(ns, "gpu-job", "100m", """
                nodeSelector: {kubernetes.io/hostname: node-c}
                tolerations:
                - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}
                """);
        pod(ns, "nowhere", "100m", "nodeSelector: {kubernetes.io/hostname: node-c}");
        eventually(() -> !nodeOf(ns, "fast").isEmpty() && !nodeOf(ns, "zoned").isEmpty() && !nodeOf(ns, "gpu-job").isEmpty(),
                () -> kubectl.run("-n", ns, "get", "pods", "-o", "wide").stdout());
        assertThat(nodeOf(ns, "fast")).isEqualTo("node-a");
        assertThat(nodeOf(ns, "zoned")).isEqualTo("node-b");
        assertThat(nodeOf(ns, "gpu-job")).isEqualTo("node-c");
        eventually(() -> kubectl.run("-n", ns, "describe", "pod", "nowhere").stdout().contains("FailedScheduling"),
                () -> kubectl.run("-n", ns, "describe", "pod", "nowhere").stdout());
        // filters run in order and the first rejection counts: the taints are checked before the node selector
        assertThat(kubectl.run("-n", ns, "describe", "pod", "nowhere").stdout()).contains("0/5 nodes are available: "
                + "1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {role: finish}, "
                + "1 node(s) had untolerated taint {role: preempt}, 2 node(s) didn't match Pod's node affinity/selector. "
                + "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.");
        assertThat(nodeOf(ns, "nowhere")).isEmpty();
    }

    @Test
    void aPendingPodIsScheduledOnceANodeGetsTheLabelItNeeds() {
        String ns = "relabel";
        namespace(ns);
        pod(ns, "needs-nvme", "100m", "nodeSelector: {disk-nvme: \"true\"}");
        eventually(() -> kubectl.run("-n", ns, "describe", "pod", "needs-nvme").stdout().contains("FailedScheduling"),
                () -> kubectl.run("-n", ns, "describe", "pod", "needs-nvme").stdout());
        kubectl.run("label", "node", "node-b", "disk-nvme=true").ok();
        try {
            eventually(() -> "node-b".equals(nodeOf(ns, "needs-nvme")), () -> kubectl.run("-n", ns, "describe", "pod", "needs-nvme").stdout());
        } finally {
            kubectl.run("label", "node", "node-b", "disk-nvme-").ok();
        }
    }

    @Test
    void aFinishedPodNoLongerHoldsItsRequests() {
        String ns = "finished";
        namespace(ns);
        String onNodeF = """
                nodeSelector: {role: finish}
                tolerations:
                - {key: role, operator: Equal, value: finish, effect: NoSchedule}
                """;
        pod(ns, "batch", "1500m", onNodeF);
        eventually(() -> "node-f".equals(nodeOf(ns, "batch")), () -> kubectl.run("-n", ns, "describe", "pod", "batch").stdout());
        pod(ns, "next", "1500m", onNodeF);
        eventually(() -> kubectl.run("-n", ns, "describe", "pod", "next").stdout().contains("FailedScheduling"),
                () -> kubectl.run("-n", ns, "describe", "pod", "next").stdout());
        assertThat(nodeOf(ns, "next")).isEmpty();
        // the kubelet reports the first pod done: its 1500m are free again
        kubectl.run("-n", ns, "patch", "pod", "batch", "--subresource=status", "--type=merge", "-p", "{\"status\":{\"phase\":\"Succeeded\"}}").ok();
        eventually(() -> "node-f".equals(nodeOf(ns, "next")), () -> kubectl.run("-n", ns, "describe", "pod", "next").stdout());
    }

    @Test
    void podsOfAnotherSchedulerAreLeftAlone() {
        String ns = "other-scheduler";
        namespace(ns);
        pod(ns, "theirs", "100m", "schedulerName: my-own-scheduler");
        pod(ns, "ours", "100m", "");
        eventually(() -> !nodeOf(ns, "ours").isEmpty(), () -> kubectl.run("-n", ns, "get", "pods", "-o", "wide").stdout());
        // "ours" was created after "theirs" and is bound: the scheduler has seen both
        assertThat(nodeOf(ns, "theirs")).isEmpty();
        assertThat(kubectl.run("-n", ns, "get", "events", "--field-selector", "involvedObject.name=theirs", "-o", "name").ok().stdout()).isBlank();
        assertThat(jsonpath(ns, "pod/theirs", "{.status.conditions}")).isEmpty();
    }

    @Test
    void aSecondProfileRunsItsOwnPluginsUnderItsOwnName() {
        String ns = "profiles";
        namespace(ns);
        // the taint-blind profile has no TaintToleration plugin: node-c's taint does not keep its pods off
        pod(ns, "blind", "100m", """
                schedulerName: taint-blind
                nodeSelector: {kubernetes.io/hostname: node-c}
                """);
        eventually(() -> "node-c".equals(nodeOf(ns, "blind")), () -> kubectl.run("-n", ns, "describe", "pod", "blind").stdout());
        eventually(() -> kubectl.run("-n", ns, "describe", "pod", "blind").stdout().contains("Successfully assigned"),
                () -> kubectl.run("-n", ns, "describe", "pod", "blind").stdout());
        assertThat(kubectl.run("-n", ns, "describe", "pod", "blind").ok().stdout())
                .containsPattern("Normal\\s+Scheduled\\s+.*taint-blind\\s+Successfully assigned profiles/blind to node-c");
    }

    @Test
    void aHigherPriorityPodPreemptsALowerPriorityOne() {
        String ns = "preemption";
        namespace(ns);
        String onNodeP = """
                priorityClassName: %s
                nodeSelector: {role: preempt}
                tolerations:
                - {key: role, operator: Equal, value: preempt, effect: NoSchedule}
                """;
        pod(ns, "victim", "1500m", onNodeP.formatted("low"));
        eventually(() -> "node-p".equals(nodeOf(ns, "victim")), () -> kubectl.run("-n", ns, "describe", "pod", "victim").stdout());
        pod(ns, "vip", "1500m", onNodeP.formatted("high"));
        assertThat(jsonpath(ns, "pod/vip", "{.spec.priority}")).isEqualTo("1000000");

        // the scheduler deletes the victim gracefully; with no node-agent, finish the deletion as a kubelet would
        eventually(() -> !jsonpath(ns, "pod/victim", "{.metadata.deletionTimestamp}").isEmpty(),
                () -> kubectl.run("-n", ns, "describe", "pod", "victim").stdout());
        assertThat(jsonpath(ns, "pod/victim", "{.status.conditions[?(@.type==\"DisruptionTarget\")].reason}")).isEqualTo("PreemptionByScheduler");
        String vipUid = jsonpath(ns, "pod/vip", "{.metadata.uid}");
        eventually(() -> "node-p".equals(jsonpath(ns, "pod/vip", "{.status.nominatedNodeName}")),
                () -> kubectl.run("-n", ns, "describe", "pod", "vip").stdout());
        String victimEvents = kubectl.run("-n", ns, "get", "events", "--field-selector", "involvedObject.name=victim",
                "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}").ok().stdout();
        assertThat(victimEvents).contains("Preempted: Preempted by pod " + vipUid + " on node node-p");
        kubectl.run("-n", ns, "delete", "pod", "victim", "--grace-period=0", "--force").ok();

        eventually(() -> "node-p".equals(nodeOf(ns, "vip")), () -> kubectl.run("-n", ns, "describe", "pod", "vip").stdout());
        assertThat(kubectl.run("-n", ns, "describe", "pod", "vip").ok().stdout())
                .contains("0/5 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, "
                        + "1 node(s) had untolerated taint {role: finish}, 2 node(s) didn't match Pod's node affinity/selector.")
                .contains("Successfully assigned preemption/vip to node-p");
    }

    @Test
    void metricsUseKubeSchedulerNamesAndHealthAnswersOk() {
        String ns = "metrics";
        namespace(ns);
        pod(ns, "counted", "100m", "");
        eventually(() -> !nodeOf(ns, "counted").isEmpty(), () -> kubectl.run("-n", ns, "get", "pods").stdout());
        List<String> names = List.of("scheduler_pending_pods{queue=\"active\"", "scheduler_schedule_attempts_total{profile=\"default-scheduler\",result=\"scheduled\"",
                "scheduler_scheduling_attempt_duration_seconds_bucket", "scheduler_pod_scheduling_sli_duration_seconds_bucket",
                "scheduler_queue_incoming_pods_total", "scheduler_preemption_attempts_total");
        eventually(() -> names.stream().allMatch(get("q/metrics")::contains), () -> get("q/metrics"));
        assertThat(get("healthz")).isEqualTo("ok");
        assertThat(get("q/health/ready")).contains("\"leader\": true");
    }

    private String get(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(root + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }
}
