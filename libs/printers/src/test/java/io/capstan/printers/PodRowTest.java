package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import io.capstan.api.registry.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.capstan.printers.Fixtures.cells;
import static io.capstan.printers.Fixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

class PodRowTest {

    private static final ResourceType PODS = Fixtures.type("", "v1", "Pod");

    private static final String META = """
            metadata: {name: web-1, namespace: default, creationTimestamp: "2024-05-01T11:55:00Z"}
            """;

    static Stream<Arguments> pods() {
        return Stream.of(
                Arguments.of("a pending pod without statuses is Pending", """
                        spec: {containers: [{name: app}]}
                        status: {phase: Pending}
                        """, "0/1", "Pending", "0"),
                Arguments.of("a running ready pod is Running 1/1", """
                        spec: {containers: [{name: app}]}
                        status:
                          phase: Running
                          conditions: [{type: Ready, status: "True"}]
                          containerStatuses: [{name: app, ready: true, restartCount: 0, state: {running: {startedAt: "2024-05-01T11:56:00Z"}}}]
                        """, "1/1", "Running", "0"),
                Arguments.of("a waiting container reason wins: CrashLoopBackOff with restarts ago", """
                        spec: {containers: [{name: app}]}
                        status:
                          phase: Running
                          containerStatuses:
                          - name: app
                            ready: false
                            restartCount: 5
                            state: {waiting: {reason: CrashLoopBackOff}}
                            lastState: {terminated: {exitCode: 1, finishedAt: "2024-05-01T11:55:00Z"}}
                        """, "0/1", "CrashLoopBackOff", "5 (5m ago)"),
                Arguments.of("the first container's reason wins over later ones", """
                        spec: {containers: [{name: a}, {name: b}]}
                        status:
                          phase: Pending
                          containerStatuses:
                          - {name: a, state: {waiting: {reason: ImagePullBackOff}}}
                          - {name: b, state: {waiting: {reason: ContainerCreating}}}
                        """, "0/2", "ImagePullBackOff", "0"),
                Arguments.of("a succeeded pod shows Completed", """
                        spec: {containers: [{name: app}]}
                        status:
                          phase: Succeeded
                          containerStatuses: [{name: app, state: {terminated: {exitCode: 0, reason: Completed}}}]
                        """, "0/1", "Completed", "0"),
                Arguments.of("a terminated container without reason shows its exit code", """
                        spec: {containers: [{name: app}]}
                        status:
                          phase: Failed
                          containerStatuses: [{name: app, state: {terminated: {exitCode: 2}}}]
                        """, "0/1", "ExitCode:2", "0"),
                Arguments.of("Completed flips back to Running while another container runs and the pod is ready", """
                        spec: {containers: [{name: a}, {name: b}]}
                        status:
                          phase: Running
                          conditions: [{type: Ready, status: "True"}]
                          containerStatuses:
                          - {name: a, ready: false, state: {terminated: {exitCode: 0, reason: Completed}}}
                          - {name: b, ready: true, state: {running: {}}}
                        """, "1/2", "Running", "0"),
                Arguments.of("Completed flips to NotReady while another container runs and the pod is not ready", """
                        spec: {containers: [{name: a}, {name: b}]}
                        status:
                          phase: Running
                          containerStatuses:
                          - {name: a, ready: false, state: {terminated: {exitCode: 0, reason: Completed}}}
                          - {name: b, ready: true, state: {running: {}}}
                        """, "1/2", "NotReady", "0"),
                Arguments.of("a pod with its first init container running shows Init:0/2", """
                        spec: {initContainers: [{name: i1}, {name: i2}], containers: [{name: app}]}
                        status:
                          phase: Pending
                          initContainerStatuses:
                          - {name: i1, state: {running: {}}}
                          - {name: i2, state: {waiting: {reason: PodInitializing}}}
                          containerStatuses: [{name: app, state: {waiting: {reason: PodInitializing}}}]
                        """, "0/1", "Init:0/2", "0"),
                Arguments.of("a failing init container shows Init:Error", """
                        spec: {initContainers: [{name: i1}], containers: [{name: app}]}
                        status:
                          phase: Pending
                          initContainerStatuses: [{name: i1, restartCount: 2, state: {terminated: {exitCode: 1, reason: Error}}}]
                        """, "0/1", "Init:Error", "2"),
                Arguments.of("an init container in back-off shows Init:CrashLoopBackOff", """
                        spec: {initContainers: [{name: i1}], containers: [{name: app}]}
                        status:
                          phase: Pending
                          initContainerStatuses: [{name: i1, state: {waiting: {reason: CrashLoopBackOff}}}]
                        """, "0/1", "Init:CrashLoopBackOff", "0"),
                Arguments.of("a started sidecar init container counts toward READY", """
                        spec: {initContainers: [{name: proxy, restartPolicy: Always}], containers: [{name: app}]}
                        status:
                          phase: Running
                          conditions: [{type: Initialized, status: "True"}, {type: Ready, status: "True"}]
                          initContainerStatuses: [{name: proxy, started: true, ready: true, restartCount: 1, state: {running: {}}}]
                          containerStatuses: [{name: app, ready: true, state: {running: {}}}]
                        """, "2/2", "Running", "1"),
                Arguments.of("a pod with a deletion timestamp is Terminating", """
                        metadata: {deletionTimestamp: "2024-05-01T11:59:00Z"}
                        spec: {containers: [{name: app}]}
                        status:
                          phase: Running
                          containerStatuses: [{name: app, ready: true, state: {running: {}}}]
                        """, "1/1", "Terminating", "0"),
                Arguments.of("a deleted pod on a lost node is Unknown", """
                        metadata: {deletionTimestamp: "2024-05-01T11:59:00Z"}
                        spec: {containers: [{name: app}]}
                        status: {phase: Running, reason: NodeLost}
                        """, "0/1", "Unknown", "0"),
                Arguments.of("a scheduling-gated pod shows SchedulingGated", """
                        spec: {containers: [{name: app}]}
                        status:
                          phase: Pending
                          conditions: [{type: PodScheduled, status: "False", reason: SchedulingGated}]
                        """, "0/1", "SchedulingGated", "0"),
                Arguments.of("the status reason replaces the phase, as for evicted pods", """
                        spec: {containers: [{name: app}]}
                        status: {phase: Failed, reason: Evicted}
                        """, "0/1", "Evicted", "0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pods")
    void podRowShowsReadyStatusAndRestarts(String description, String yaml, String ready, String status, String restarts) {
        JsonNode pod = merge(yaml);
        List<JsonNode> cells = cells(PODS, pod);
        assertThat(cells.get(0).asText()).isEqualTo("web-1");
        assertThat(cells.get(1).asText()).isEqualTo(ready);
        assertThat(cells.get(2).asText()).isEqualTo(status);
        assertThat(cells.get(3).isTextual()).isTrue();
        assertThat(cells.get(3).asText()).isEqualTo(restarts);
        assertThat(cells.get(4).asText()).isEqualTo("5m");
    }

    @Test
    void wideCellsShowIpNodeNominatedNodeAndReadinessGates() {
        JsonNode pod = merge("""
                spec: {nodeName: node-a, containers: [{name: app}], readinessGates: [{conditionType: "example.com/lb"}]}
                status:
                  phase: Running
                  podIP: 10.0.0.5
                  conditions: [{type: "example.com/lb", status: "True"}]
                """);
        assertThat(cells(PODS, pod).subList(5, 9)).extracting(JsonNode::asText)
                .containsExactly("10.0.0.5", "node-a", "<none>", "1/1");
    }

    @Test
    void unscheduledPodShowsNoneForWideCells() {
        assertThat(cells(PODS, merge("spec: {containers: [{name: app}]}\nstatus: {phase: Pending}")).subList(5, 9))
                .extracting(JsonNode::asText).containsExactly("<none>", "<none>", "<none>", "<none>");
    }

    @Test
    void completedPodRowsCarryTheCompletedCondition() {
        JsonNode table = TablePrinter.table(PODS, List.of(merge("spec: {containers: [{name: a}]}\nstatus: {phase: Succeeded}")),
                "1", null, null, "None", Fixtures.NOW);
        assertThat(table.at("/rows/0/conditions/0/type").asText()).isEqualTo("Completed");
        assertThat(table.at("/rows/0/conditions/0/reason").asText()).isEqualTo("Succeeded");
    }

    private static JsonNode merge(String yaml) {
        com.fasterxml.jackson.databind.node.ObjectNode pod = (com.fasterxml.jackson.databind.node.ObjectNode) yaml(META);
        JsonNode extra = yaml(yaml);
        extra.fields().forEachRemaining(e -> {
            if (e.getKey().equals("metadata")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) pod.get("metadata")).setAll(
                        (com.fasterxml.jackson.databind.node.ObjectNode) e.getValue());
            } else {
                pod.set(e.getKey(), e.getValue());
            }
        });
        return pod;
    }
}
