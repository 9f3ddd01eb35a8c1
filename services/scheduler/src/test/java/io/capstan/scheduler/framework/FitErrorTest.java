package io.capstan.scheduler.framework;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class FitErrorTest {

    private static Map<String, Status> statuses(Object... nodeAndStatus) {
        Map<String, Status> m = new LinkedHashMap<>();
        for (int i = 0; i < nodeAndStatus.length; i += 2) {
            m.put((String) nodeAndStatus[i], (Status) nodeAndStatus[i + 1]);
        }
        return m;
    }

    @Test
    void countsEachReasonOverNodes() {
        FitError e = new FitError(3, statuses("a", Status.unschedulable("Insufficient cpu"), "b", Status.unschedulable("Insufficient cpu"),
                "c", Status.unschedulable("Insufficient cpu")), "", "", Set.of());
        assertThat(e.message()).isEqualTo("0/3 nodes are available: 3 Insufficient cpu.");
    }

    @Test
    void reasonsAreSortedAsStringsAndNodesWithSeveralReasonsCountInEach() {
        FitError e = new FitError(12, statuses(
                "a", Status.unschedulable("Insufficient cpu", "Insufficient memory"),
                "b", Status.unschedulable("Insufficient memory"),
                "c", Status.unresolvable("node(s) had untolerated taint {dedicated: gpu}"),
                "d", Status.unresolvable("node(s) were unschedulable")), "", "", Set.of());
        assertThat(e.message()).isEqualTo("0/12 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, "
                + "1 node(s) were unschedulable, 2 Insufficient memory.");
    }

    @Test
    void aCountOfTenSortsBeforeTwoAsKubernetesDoes() {
        Map<String, Status> m = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            m.put("t" + i, Status.unresolvable("node(s) didn't match Pod's node affinity/selector"));
        }
        m.put("x", Status.unschedulable("Insufficient cpu"));
        m.put("y", Status.unschedulable("Insufficient cpu"));
        assertThat(new FitError(12, m, "", "", Set.of()).message())
                .isEqualTo("0/12 nodes are available: 10 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.");
    }

    @Test
    void preemptionMessageFollows() {
        FitError e = new FitError(3, statuses("a", Status.unschedulable("Insufficient cpu"), "b", Status.unschedulable("Insufficient cpu"),
                "c", Status.unschedulable("Insufficient cpu")), "",
                "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", Set.of());
        assertThat(e.message()).isEqualTo("0/3 nodes are available: 3 Insufficient cpu. "
                + "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    }

    @Test
    void aPreFilterRejectionReplacesThePerNodeReasons() {
        FitError e = new FitError(2, statuses("a", Status.unresolvable("x"), "b", Status.unresolvable("x")),
                "node(s) didn't satisfy plugin(s) [NodeAffinity]", "", Set.of());
        assertThat(e.message()).isEqualTo("0/2 nodes are available: node(s) didn't satisfy plugin(s) [NodeAffinity].");
    }
}
