package io.capstan.workloads.endpoints;

import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EndpointsModelTest {
    /** A service selecting app=web with one port: 80 to targetPort {@code target} (a number or a name). */
    static Service service(String target, boolean publishNotReady) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("svc-uid")
                .addToLabels("tier", "front").endMetadata()
                .withNewSpec().addToSelector("app", "web").withPublishNotReadyAddresses(publishNotReady)
                .addNewPort().withName("http").withPort(80).withProtocol("TCP")
                .withTargetPort(target.matches("\\d+") ? new IntOrString(Integer.parseInt(target)) : new IntOrString(target)).endPort()
                .endSpec();
        return b.build();
    }

    /** A pod in {@code state}: ready, notready, terminating, noip, failed (restartPolicy Never), other (other labels). */
    static Pod pod(String name, String ip, String state, String namedPort) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid(name + "-uid")
                .addToLabels("app", "other".equals(state) ? "db" : "web").endMetadata()
                .withNewSpec().withNodeName("node-1").addNewContainer().withName("c").withImage("nginx").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP("noip".equals(state) ? null : ip)
                .addNewCondition().withType("Ready").withStatus("ready".equals(state) || "terminating".equals(state) || "other".equals(state) ? "True" : "False").endCondition()
                .endStatus();
        if (namedPort != null) {
            b.editSpec().editFirstContainer().addNewPort().withName(namedPort).withContainerPort(8080).endPort().endContainer().endSpec();
        }
        if ("terminating".equals(state)) {
            b.editMetadata().withDeletionTimestamp("2024-01-01T00:00:00Z").endMetadata();
        }
        if ("failed".equals(state)) {
            b.editSpec().withRestartPolicy("Never").endSpec().editStatus().withPhase("Failed").endStatus();
        }
        return b.build();
    }

    static String render(Endpoints e) {
        if (e == null) {
            return "none";
        }
        List<String> out = new ArrayList<>();
        for (EndpointSubset s : e.getSubsets()) {
            StringBuilder b = new StringBuilder();
            if (s.getAddresses() != null) {
                b.append("ready=").append(String.join("+", s.getAddresses().stream().map(a -> a.getIp()).toList()));
            }
            if (s.getNotReadyAddresses() != null) {
                b.append(b.isEmpty() ? "" : " ").append("notready=").append(String.join("+", s.getNotReadyAddresses().stream().map(a -> a.getIp()).toList()));
            }
            b.append(" ports=").append(s.getPorts() == null ? "" : String.join("+", s.getPorts().stream().map(p -> String.valueOf(p.getPort())).toList()));
            out.add(b.toString());
        }
        return String.join(" ; ", out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ready pod is an address                                   | 8080 | false | ready        | ready=10.0.0.1 ports=8080
            unready pod is a not-ready address                        | 8080 | false | notready     | notready=10.0.0.1 ports=8080
            terminating pod is left out                               | 8080 | false | terminating  | ''
            terminating pod is published with publishNotReadyAddresses| 8080 | true  | terminating  | ready=10.0.0.1 ports=8080
            unready pod is ready with publishNotReadyAddresses        | 8080 | true  | notready     | ready=10.0.0.1 ports=8080
            pod without an IP is left out                             | 8080 | false | noip         | ''
            failed pod that will not restart is left out              | 8080 | false | failed       | ''
            pod outside the selector is left out                      | 8080 | false | other        | ''
            named target port resolves to the container port          | web  | false | ready        | ready=10.0.0.1 ports=8080
            pod without the named port is skipped for that port       | metrics | false | ready     | ''
            """)
    void onePodBecomesAnAddressByItsState(String name, String target, boolean publish, String state, String expected) {
        Endpoints e = EndpointsModel.desired(service(target, publish), List.of(pod("p1", "10.0.0.1", state, "web")));
        assertThat(render(e)).isEqualTo(expected);
        assertThat(e.getMetadata().getName()).isEqualTo("web");
        assertThat(e.getMetadata().getLabels()).containsEntry("tier", "front").containsEntry(EndpointsModel.MANAGED_BY_LABEL, EndpointsModel.MANAGED_BY);
    }

    @Test
    void serviceWithoutSelectorLeavesUserManagedEndpointsAlone() {
        Service s = service("80", false);
        s.getSpec().setSelector(null);
        assertThat(EndpointsModel.desired(s, List.of(pod("p1", "10.0.0.1", "ready", null)))).isNull();
        assertThat(EndpointsModel.needsUpdate(null, null)).isFalse();
        assertThat(EndpointSlicesModel.desired(s, List.of(), List.of()).isEmpty()).isTrue();
    }

    @Test
    void addressCarriesNodeTargetRefAndHostnameForItsSubdomain() {
        Pod p = pod("web-0", "10.0.0.7", "ready", null);
        p.getSpec().setHostname("web-0");
        p.getSpec().setSubdomain("web");
        Endpoints e = EndpointsModel.desired(service("80", false), List.of(p));
        var a = e.getSubsets().get(0).getAddresses().get(0);
        assertThat(a.getHostname()).isEqualTo("web-0");
        assertThat(a.getNodeName()).isEqualTo("node-1");
        assertThat(a.getTargetRef().getKind()).isEqualTo("Pod");
        assertThat(a.getTargetRef().getUid()).isEqualTo("web-0-uid");
        assertThat(a.getTargetRef().getNamespace()).isEqualTo("default");
    }

    @Test
    void subsetsGroupEachPortWithTheAddressesOfferingItSortedByAddress() {
        List<Pod> pods = List.of(pod("b", "10.0.0.2", "ready", null), pod("a", "10.0.0.1", "notready", "web"),
                pod("c", "10.0.0.3", "ready", "web"));
        Service s = service("web", false);
        s.getSpec().getPorts().add(new io.fabric8.kubernetes.api.model.ServicePortBuilder().withName("admin").withPort(9000)
                .withTargetPort(new IntOrString(9000)).build());
        Endpoints e = EndpointsModel.desired(s, pods);
        assertThat(render(e)).isEqualTo("ready=10.0.0.2+10.0.0.3 notready=10.0.0.1 ports=9000 ; ready=10.0.0.3 notready=10.0.0.1 ports=8080");
    }

    @Test
    void reorderedSubsetsDoNotNeedAnUpdateButANewAddressDoes() {
        List<Pod> pods = new ArrayList<>(List.of(pod("a", "10.0.0.1", "ready", null), pod("b", "10.0.0.2", "notready", null),
                pod("c", "10.0.0.3", "ready", null)));
        Endpoints desired = EndpointsModel.desired(service("80", false), pods);
        Endpoints shuffled = EndpointsModel.desired(service("80", false), pods);
        Collections.reverse(shuffled.getSubsets().get(0).getAddresses());
        assertThat(EndpointsModel.needsUpdate(shuffled, desired)).isFalse();
        pods.add(pod("d", "10.0.0.4", "ready", null));
        assertThat(EndpointsModel.needsUpdate(shuffled, EndpointsModel.desired(service("80", false), pods))).isTrue();
        assertThat(EndpointsModel.needsUpdate(null, desired)).isTrue();
    }

    @Test
    void desiredDoesNotMutateItsInputs() {
        Pod p = pod("a", "10.0.0.1", "ready", null);
        String before = p.toString();
        EndpointsModel.desired(service("80", false), List.of(p));
        assertThat(p.toString()).isEqualTo(before);
    }

    static List<Pod> readyPods(int n) {
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pod(String.format("p%03d", i), "10.0." + (i / 250) + "." + (i % 250 + 1), "ready", null));
        }
        return out;
    }

    static int total(List<EndpointSlice> slices) {
        return slices.stream().mapToInt(s -> s.getEndpoints().size()).sum();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            one pod makes one slice                        | 1   | 1
            a hundred pods fit one slice                   | 100 | 1
            a hundred and one pods split into two slices   | 101 | 2
            two hundred and fifty pods make three slices   | 250 | 3
            no pods keep one empty placeholder slice       | 0   | 1
            """)
    void slicesHoldAtMostAHundredEndpoints(String name, int pods, int slices) {
        var plan = EndpointSlicesModel.desired(service("80", false), readyPods(pods), List.of());
        assertThat(plan.create()).hasSize(slices);
        assertThat(total(plan.create())).isEqualTo(pods);
        assertThat(plan.create()).allSatisfy(s -> {
            assertThat(s.getEndpoints()).hasSizeLessThanOrEqualTo(100);
            assertThat(s.getAddressType()).isEqualTo("IPv4");
            assertThat(s.getMetadata().getGenerateName()).isEqualTo("web-");
            assertThat(s.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "web")
                    .containsEntry("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
            assertThat(s.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo("svc-uid");
        });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ready pod is ready and serving                        | ready       | false | true  | true  | false
            unready pod is neither ready nor serving              | notready    | false | false | false | false
            terminating ready pod serves but is not ready         | terminating | false | false | true  | true
            publishNotReadyAddresses makes a terminating pod ready| terminating | true  | true  | true  | true
            """)
    void endpointConditionsFollowThePod(String name, String state, boolean publish, boolean ready, boolean serving, boolean terminating) {
        var plan = EndpointSlicesModel.desired(service("80", publish), List.of(pod("p1", "10.0.0.1", state, null)), List.of());
        Endpoint ep = plan.create().get(0).getEndpoints().get(0);
        assertThat(ep.getConditions().getReady()).isEqualTo(ready);
        assertThat(ep.getConditions().getServing()).isEqualTo(serving);
        assertThat(ep.getConditions().getTerminating()).isEqualTo(terminating);
        assertThat(ep.getAddresses()).containsExactly("10.0.0.1");
        assertThat(ep.getNodeName()).isEqualTo("node-1");
        assertThat(ep.getTargetRef().getName()).isEqualTo("p1");
    }

    static List<EndpointSlice> named(List<EndpointSlice> created) {
        List<EndpointSlice> out = new ArrayList<>();
        for (int i = 0; i < created.size(); i++) {
            EndpointSlice s = created.get(i);
            s.getMetadata().setName("web-" + (char) ('a' + i));
            s.getMetadata().setResourceVersion("1");
            out.add(s);
        }
        return out;
    }

    @Test
    void unchangedPodsLeaveExistingSlicesAlone() {
        List<EndpointSlice> existing = named(EndpointSlicesModel.desired(service("80", false), readyPods(150), List.of()).create());
        assertThat(EndpointSlicesModel.desired(service("80", false), readyPods(150), existing).isEmpty()).isTrue();
    }

    @Test
    void newPodsFillExistingSlicesBeforeCreatingMore() {
        List<EndpointSlice> existing = named(EndpointSlicesModel.desired(service("80", false), readyPods(150), List.of()).create());
        var plan = EndpointSlicesModel.desired(service("80", false), readyPods(160), existing);
        assertThat(plan.create()).isEmpty();
        assertThat(plan.delete()).isEmpty();
        assertThat(plan.update()).extracting(s -> s.getMetadata().getName()).containsExactly("web-b");
        assertThat(plan.update().get(0).getEndpoints()).hasSize(60);
        assertThat(plan.update().get(0).getMetadata().getResourceVersion()).isEqualTo("1");
    }

    @Test
    void emptiedSliceIsRecycledForANewPortSetUnderItsOldName() {
        List<EndpointSlice> existing = named(EndpointSlicesModel.desired(service("80", false), readyPods(3), List.of()).create());
        var plan = EndpointSlicesModel.desired(service("8443", false), readyPods(3), existing);
        assertThat(plan.create()).isEmpty();
        assertThat(plan.delete()).isEmpty();
        assertThat(plan.update()).singleElement().satisfies(s -> {
            assertThat(s.getMetadata().getName()).isEqualTo("web-a");
            assertThat(s.getPorts().get(0).getPort()).isEqualTo(8443);
            assertThat(s.getEndpoints()).hasSize(3);
        });
    }

    @Test
    void removedPodsShrinkSlicesAndEmptySlicesAreDeleted() {
        List<EndpointSlice> existing = named(EndpointSlicesModel.desired(service("80", false), readyPods(150), List.of()).create());
        var plan = EndpointSlicesModel.desired(service("80", false), readyPods(40), existing);
        assertThat(plan.update()).extracting(s -> s.getMetadata().getName()).containsExactly("web-a");
        assertThat(plan.update().get(0).getEndpoints()).hasSize(40);
        assertThat(plan.delete()).extracting(s -> s.getMetadata().getName()).containsExactly("web-b");
    }

    @Test
    void slicesOfOtherServicesAreIgnored() {
        List<EndpointSlice> existing = named(EndpointSlicesModel.desired(service("80", false), readyPods(2), List.of()).create());
        existing.get(0).getMetadata().getLabels().put("kubernetes.io/service-name", "api");
        var plan = EndpointSlicesModel.desired(service("80", false), readyPods(2), existing);
        assertThat(plan.create()).hasSize(1);
        assertThat(plan.delete()).isEmpty();
    }
}
