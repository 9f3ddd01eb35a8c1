package io.capstan.workloads.endpoints;

import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Pods;
import io.capstan.workloads.common.Times;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The Endpoints of one Service, as k8s.io/kubernetes/pkg/controller/endpoint (syncService and
 * endpoints.RepackSubsets) computes them: one address per selected pod with an IP, ready pods in
 * {@code addresses} and the others in {@code notReadyAddresses}, one port per service port the
 * pod resolves, and subsets grouping the addresses that share the same ports.
 *
 * <p>Upstream sorts ports and subsets by a hash of their Go structs; here ports sort by
 * (name, port, protocol) and subsets by their first address then their ports, which is as stable
 * but not byte-for-byte Kubernetes' order. Endpoints of more than 1000 addresses are not truncated.
 */
public final class EndpointsModel {
    public static final String MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "endpoint-controller";
    public static final String LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";

    private static final Comparator<EndpointAddress> ADDRESS_ORDER = Comparator
            .comparing(EndpointAddress::getIp, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(a -> a.getTargetRef() == null ? null : a.getTargetRef().getUid(), Comparator.nullsFirst(Comparator.naturalOrder()));
    private static final Comparator<EndpointPort> PORT_ORDER = Comparator
            .comparing(EndpointPort::getName, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(EndpointPort::getPort, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(EndpointPort::getProtocol, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(EndpointPort::getAppProtocol, Comparator.nullsFirst(Comparator.naturalOrder()));

    private EndpointsModel() {
    }

    /** {@link #desired(Service, List, Instant)} without a trigger-time annotation. */
    public static Endpoints desired(Service service, List<Pod> pods) {
        return desired(service, pods, null);
    }

    /**
     * The Endpoints the service should have, or null when the controller must leave them alone
     * (a service without a selector, whose Endpoints the user manages, or an ExternalName service).
     *
     * @param pods              pods of any namespace; those in the service's namespace matching its selector count
     * @param lastChangeTrigger when set, written as {@value #LAST_CHANGE_TRIGGER_TIME}
     */
    public static Endpoints desired(Service service, List<Pod> pods, Instant lastChangeTrigger) {
        if (!EndpointPods.selects(service)) {
            return null;
        }
        boolean tolerateUnready = EndpointPods.publishNotReady(service);
        List<ServicePort> servicePorts = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
        List<EndpointSubset> subsets = new ArrayList<>();
        for (Pod pod : EndpointPods.selected(service, pods)) {
            if (!EndpointPods.shouldBeInEndpoints(pod, tolerateUnready)) {
                continue;
            }
            EndpointAddress address = new EndpointAddressBuilder()
                    .withIp(EndpointPods.ipv4(pod))
                    .withHostname(EndpointPods.hostname(pod, service))
                    .withNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName())
                    .withTargetRef(EndpointPods.targetRef(pod))
                    .build();
            boolean ready = tolerateUnready || Pods.isReady(pod);
            if (servicePorts.isEmpty()) {
                if (EndpointPods.headless(service)) {
                    subsets.add(subset(address, ready, null));
                }
                continue;
            }
            for (ServicePort sp : servicePorts) {
                Integer number = EndpointPods.findPort(pod, sp);
                if (number == null) {
                    continue;
                }
                EndpointPort port = new EndpointPortBuilder().withName(emptyToNull(sp.getName())).withPort(number)
                        .withProtocol(EndpointPods.protocol(sp)).withAppProtocol(sp.getAppProtocol()).build();
                subsets.add(subset(address, ready, port));
            }
        }
        Map<String, String> labels = new TreeMap<>(service.getMetadata().getLabels() == null ? Map.of() : service.getMetadata().getLabels());
        if (EndpointPods.headless(service)) {
            labels.put(EndpointPods.HEADLESS_LABEL, "");
        }
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        EndpointsBuilder b = new EndpointsBuilder().withNewMetadata()
                .withName(service.getMetadata().getName())
                .withNamespace(service.getMetadata().getNamespace())
                .withLabels(labels)
                .endMetadata()
                .withSubsets(repack(subsets));
        if (lastChangeTrigger != null) {
            b.editMetadata().addToAnnotations(LAST_CHANGE_TRIGGER_TIME, Times.format(lastChangeTrigger)).endMetadata();
        }
        return b.build();
    }

    /**
     * Whether {@code current} must be written to become {@code desired}: a create when it is
     * missing, otherwise when the subsets differ once both are repacked (so the order of
     * addresses, ports and subsets is noise) or the labels differ. Annotations are not compared,
     * as upstream does not rewrite Endpoints only to move the trigger time.
     */
    public static boolean needsUpdate(Endpoints current, Endpoints desired) {
        if (desired == null) {
            return false;
        }
        if (current == null) {
            return true;
        }
        Map<String, String> currentLabels = current.getMetadata().getLabels() == null ? Map.of() : current.getMetadata().getLabels();
        Map<String, String> desiredLabels = desired.getMetadata().getLabels() == null ? Map.of() : desired.getMetadata().getLabels();
        if (!currentLabels.equals(desiredLabels)) {
            return true;
        }
        return !repack(subsetsOf(current)).equals(repack(subsetsOf(desired)));
    }

    /**
     * {@code current} with the desired labels, subsets and trigger annotation, keeping its other
     * metadata (resourceVersion, other annotations) for an update; {@code desired} when there is none.
     */
    public static Endpoints merge(Endpoints current, Endpoints desired) {
        if (current == null) {
            return desired;
        }
        Endpoints out = Copies.deepCopy(current);
        out.getMetadata().setLabels(desired.getMetadata().getLabels());
        Map<String, String> annotations = new TreeMap<>(out.getMetadata().getAnnotations() == null ? Map.of() : out.getMetadata().getAnnotations());
        annotations.remove(LAST_CHANGE_TRIGGER_TIME);
        if (desired.getMetadata().getAnnotations() != null && desired.getMetadata().getAnnotations().containsKey(LAST_CHANGE_TRIGGER_TIME)) {
            annotations.put(LAST_CHANGE_TRIGGER_TIME, desired.getMetadata().getAnnotations().get(LAST_CHANGE_TRIGGER_TIME));
        }
        out.getMetadata().setAnnotations(annotations.isEmpty() ? null : annotations);
        out.setSubsets(desired.getSubsets());
        return out;
    }

    private static List<EndpointSubset> subsetsOf(Endpoints e) {
        return e.getSubsets() == null ? List.of() : e.getSubsets();
    }

    private static EndpointSubset subset(EndpointAddress address, boolean ready, EndpointPort port) {
        EndpointSubset s = new EndpointSubset();
        if (ready) {
            s.setAddresses(new ArrayList<>(List.of(address)));
        } else {
            s.setNotReadyAddresses(new ArrayList<>(List.of(address)));
        }
        s.setPorts(port == null ? new ArrayList<>() : new ArrayList<>(List.of(port)));
        return s;
    }

    private record AddressKey(String ip, String uid) {
        static AddressKey of(EndpointAddress a) {
            return new AddressKey(a.getIp(), a.getTargetRef() == null ? null : a.getTargetRef().getUid());
        }
    }

    /** A port with no port number stands for "no ports" (upstream's Port: -1 sentinel). */
    private static final EndpointPort NO_PORT = new EndpointPortBuilder().withPort(-1).build();

    /**
     * endpoints.RepackSubsets: maps every port to the addresses offering it (not-ready trumps
     * ready), then every distinct set of addresses to the ports it offers, and sorts the result.
     */
    public static List<EndpointSubset> repack(List<EndpointSubset> subsets) {
        Map<AddressKey, EndpointAddress> all = new LinkedHashMap<>();
        Map<EndpointPort, Map<AddressKey, Boolean>> byPort = new LinkedHashMap<>();
        for (EndpointSubset s : subsets) {
            List<EndpointPort> ports = s.getPorts() == null || s.getPorts().isEmpty() ? List.of(NO_PORT) : s.getPorts();
            for (EndpointPort port : ports) {
                Map<AddressKey, Boolean> set = byPort.computeIfAbsent(port, p -> new LinkedHashMap<>());
                for (EndpointAddress a : s.getAddresses() == null ? List.<EndpointAddress>of() : s.getAddresses()) {
                    AddressKey k = AddressKey.of(a);
                    all.putIfAbsent(k, a);
                    set.putIfAbsent(k, true);
                }
                for (EndpointAddress a : s.getNotReadyAddresses() == null ? List.<EndpointAddress>of() : s.getNotReadyAddresses()) {
                    AddressKey k = AddressKey.of(a);
                    all.putIfAbsent(k, a);
                    set.put(k, false);
                }
            }
        }
        Map<Map<AddressKey, Boolean>, List<EndpointPort>> byAddresses = new LinkedHashMap<>();
        for (Map.Entry<EndpointPort, Map<AddressKey, Boolean>> e : byPort.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            List<EndpointPort> ports = byAddresses.computeIfAbsent(Map.copyOf(e.getValue()), k -> new ArrayList<>());
            if (!Objects.equals(e.getKey().getPort(), NO_PORT.getPort())) {
                ports.add(e.getKey());
            }
        }
        List<EndpointSubset> out = new ArrayList<>();
        for (Map.Entry<Map<AddressKey, Boolean>, List<EndpointPort>> e : byAddresses.entrySet()) {
            List<EndpointAddress> ready = new ArrayList<>();
            List<EndpointAddress> notReady = new ArrayList<>();
            e.getKey().forEach((k, r) -> (r ? ready : notReady).add(Copies.deepCopy(all.get(k))));
            ready.sort(ADDRESS_ORDER);
            notReady.sort(ADDRESS_ORDER);
            List<EndpointPort> ports = new ArrayList<>(e.getValue().stream().distinct().toList());
            ports.sort(PORT_ORDER);
            EndpointSubset s = new EndpointSubset();
            s.setAddresses(ready.isEmpty() ? null : ready);
            s.setNotReadyAddresses(notReady.isEmpty() ? null : notReady);
            s.setPorts(ports.isEmpty() ? null : ports);
            out.add(s);
        }
        out.sort(Comparator.comparing(EndpointsModel::firstAddress, Comparator.nullsFirst(ADDRESS_ORDER))
                .thenComparing(s -> s.getPorts() == null || s.getPorts().isEmpty() ? null : s.getPorts().get(0), Comparator.nullsFirst(PORT_ORDER)));
        return out;
    }

    private static EndpointAddress firstAddress(EndpointSubset s) {
        if (s.getAddresses() != null && !s.getAddresses().isEmpty()) {
            return s.getAddresses().get(0);
        }
        return s.getNotReadyAddresses() == null || s.getNotReadyAddresses().isEmpty() ? null : s.getNotReadyAddresses().get(0);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
