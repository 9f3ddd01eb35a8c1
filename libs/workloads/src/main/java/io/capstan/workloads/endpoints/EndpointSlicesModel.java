package io.capstan.workloads.endpoints;

import io.capstan.workloads.common.Copies;
import io.capstan.workloads.common.Owners;
import io.capstan.workloads.common.Pods;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The EndpointSlices of one Service, as k8s.io/endpointslice's reconciler computes them for the
 * IPv4 address type: one endpoint per selected pod with an IP (terminating pods included, with
 * their conditions), endpoints grouped by the ports they resolve, at most
 * {@value #MAX_ENDPOINTS_PER_SLICE} per slice; existing slices are kept and filled before new ones
 * are made, and a slice that would be deleted is recycled (updated under its old name) for one
 * that would be created. A service without endpoints keeps one empty placeholder slice.
 *
 * <p>Not modelled: IPv6 and dual-stack slices, topology hints and zones, the trigger-time
 * annotation, and upstream's preference for the fullest slices when filling.
 */
public final class EndpointSlicesModel {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "endpointslice-controller.k8s.io";
    public static final String ADDRESS_TYPE = "IPv4";
    public static final int MAX_ENDPOINTS_PER_SLICE = 100;

    private static final Comparator<EndpointPort> PORT_ORDER = Comparator
            .comparing(EndpointPort::getName, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(EndpointPort::getPort, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(EndpointPort::getProtocol, Comparator.nullsFirst(Comparator.naturalOrder()));

    private EndpointSlicesModel() {
    }

    /**
     * The writes that bring the service's slices to the desired state. {@code update} entries are
     * the existing slices (metadata kept, so the write is conditional on their resourceVersion)
     * with new endpoints, ports and labels; {@code create} entries carry a generateName.
     */
    public record Plan(List<EndpointSlice> create, List<EndpointSlice> update, List<EndpointSlice> delete) {
        public boolean isEmpty() {
            return create.isEmpty() && update.isEmpty() && delete.isEmpty();
        }
    }

    /** Whether this controller manages {@code slice} for {@code service}. */
    public static boolean managedFor(EndpointSlice slice, Service service) {
        Map<String, String> l = slice.getMetadata().getLabels();
        return l != null && Objects.equals(slice.getMetadata().getNamespace(), service.getMetadata().getNamespace())
                && service.getMetadata().getName().equals(l.get(SERVICE_NAME_LABEL)) && MANAGED_BY.equals(l.get(MANAGED_BY_LABEL));
    }

    /**
     * The plan for {@code service}. A service without a selector (or ExternalName) yields an empty
     * plan: its slices belong to whoever manages its Endpoints.
     *
     * @param existing slices of any service; only those {@link #managedFor} this service count
     */
    public static Plan desired(Service service, List<Pod> pods, List<EndpointSlice> existing) {
        if (!EndpointPods.selects(service)) {
            return new Plan(List.of(), List.of(), List.of());
        }
        List<EndpointSlice> owned = existing.stream().filter(s -> managedFor(s, service))
                .sorted(Comparator.comparing(s -> s.getMetadata().getName())).toList();
        Map<String, String> labels = labels(service);

        Map<List<EndpointPort>, LinkedHashMap<String, Endpoint>> groups = new LinkedHashMap<>();
        for (Pod pod : EndpointPods.selected(service, pods)) {
            if (!EndpointPods.shouldBeInEndpoints(pod, true)) {
                continue;
            }
            Endpoint ep = endpoint(service, pod);
            groups.computeIfAbsent(ports(service, pod), k -> new LinkedHashMap<>()).put(key(ep), ep);
        }

        List<EndpointSlice> create = new ArrayList<>();
        List<EndpointSlice> update = new ArrayList<>();
        List<EndpointSlice> delete = new ArrayList<>();
        if (groups.isEmpty()) {
            placeholder(service, owned, labels, create, update, delete);
            return new Plan(create, update, delete);
        }
        Set<EndpointSlice> used = new HashSet<>();
        for (Map.Entry<List<EndpointPort>, LinkedHashMap<String, Endpoint>> group : groups.entrySet()) {
            LinkedHashMap<String, Endpoint> remaining = new LinkedHashMap<>(group.getValue());
            List<EndpointSlice> kept = new ArrayList<>();
            for (EndpointSlice slice : owned) {
                if (!ADDRESS_TYPE.equals(slice.getAddressType()) || !sameSet(slice.getPorts(), group.getKey())) {
                    continue;
                }
                used.add(slice);
                List<Endpoint> endpoints = new ArrayList<>();
                for (Endpoint ep : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                    if (endpoints.size() < MAX_ENDPOINTS_PER_SLICE && remaining.containsKey(key(ep))) {
                        endpoints.add(remaining.remove(key(ep)));
                    }
                }
                if (endpoints.isEmpty()) {
                    delete.add(slice);
                } else {
                    kept.add(withContent(slice, service, labels, group.getKey(), endpoints));
                }
            }
            List<Endpoint> rest = new ArrayList<>(remaining.values());
            for (int i = 0; i < kept.size() && !rest.isEmpty(); i++) {
                EndpointSlice s = kept.get(i);
                while (s.getEndpoints().size() < MAX_ENDPOINTS_PER_SLICE && !rest.isEmpty()) {
                    s.getEndpoints().add(rest.remove(0));
                }
            }
            for (EndpointSlice s : kept) {
                EndpointSlice before = owned.stream().filter(o -> o.getMetadata().getName().equals(s.getMetadata().getName())).findFirst().orElseThrow();
                if (!before.equals(s)) {
                    update.add(s);
                }
            }
            for (int i = 0; i < rest.size(); i += MAX_ENDPOINTS_PER_SLICE) {
                create.add(newSlice(service, labels, group.getKey(), rest.subList(i, Math.min(rest.size(), i + MAX_ENDPOINTS_PER_SLICE))));
            }
        }
        for (EndpointSlice slice : owned) {
            if (!used.contains(slice)) {
                delete.add(slice);
            }
        }
        recycle(service, labels, create, update, delete);
        return new Plan(create, update, delete);
    }

    /** Upstream turns a create and a delete into one update, saving a write and keeping the name. */
    private static void recycle(Service service, Map<String, String> labels, List<EndpointSlice> create,
                                List<EndpointSlice> update, List<EndpointSlice> delete) {
        while (!create.isEmpty() && !delete.isEmpty()) {
            EndpointSlice fresh = create.remove(0);
            EndpointSlice old = delete.remove(0);
            update.add(withContent(old, service, labels, fresh.getPorts(), fresh.getEndpoints()));
        }
    }

    private static void placeholder(Service service, List<EndpointSlice> owned, Map<String, String> labels,
                                    List<EndpointSlice> create, List<EndpointSlice> update, List<EndpointSlice> delete) {
        EndpointSlice keep = owned.stream().filter(s -> ADDRESS_TYPE.equals(s.getAddressType())
                && (s.getEndpoints() == null || s.getEndpoints().isEmpty())).findFirst().orElse(owned.isEmpty() ? null : owned.get(0));
        if (keep == null) {
            create.add(newSlice(service, labels, List.of(), List.of()));
            return;
        }
        EndpointSlice wanted = withContent(keep, service, labels, List.of(), List.of());
        if (!wanted.equals(keep)) {
            update.add(wanted);
        }
        owned.stream().filter(s -> s != keep).forEach(delete::add);
    }

    /** The service's labels (without the controller's own), the service name, managed-by and headless labels. */
    static Map<String, String> labels(Service service) {
        Map<String, String> labels = new TreeMap<>(service.getMetadata().getLabels() == null ? Map.of() : service.getMetadata().getLabels());
        labels.remove(SERVICE_NAME_LABEL);
        labels.remove(MANAGED_BY_LABEL);
        labels.remove(EndpointPods.HEADLESS_LABEL);
        if (EndpointPods.headless(service)) {
            labels.put(EndpointPods.HEADLESS_LABEL, "");
        }
        labels.put(SERVICE_NAME_LABEL, service.getMetadata().getName());
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        return labels;
    }

    /** endpointslice podToEndpoint: serving is readiness, ready is serving and not terminating (or publishNotReadyAddresses). */
    static Endpoint endpoint(Service service, Pod pod) {
        boolean publish = EndpointPods.publishNotReady(service);
        boolean serving = publish || Pods.isReady(pod);
        boolean terminating = Pods.isTerminating(pod);
        boolean ready = publish || (serving && !terminating);
        return new EndpointBuilder()
                .withAddresses(EndpointPods.ipv4(pod))
                .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
                .withHostname(EndpointPods.hostname(pod, service))
                .withNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName())
                .withTargetRef(EndpointPods.targetRef(pod))
                .build();
    }

    /** endpointslice getEndpointPorts: the service ports the pod resolves, sorted; possibly none. */
    static List<EndpointPort> ports(Service service, Pod pod) {
        List<EndpointPort> out = new ArrayList<>();
        for (ServicePort sp : service.getSpec().getPorts() == null ? List.<ServicePort>of() : service.getSpec().getPorts()) {
            Integer number = EndpointPods.findPort(pod, sp);
            if (number == null) {
                continue;
            }
            out.add(new EndpointPortBuilder().withName(sp.getName() == null ? "" : sp.getName()).withPort(number)
                    .withProtocol(EndpointPods.protocol(sp)).withAppProtocol(sp.getAppProtocol()).build());
        }
        out.sort(PORT_ORDER);
        return List.copyOf(out);
    }

    private static String key(Endpoint ep) {
        if (ep.getTargetRef() != null && ep.getTargetRef().getUid() != null) {
            return "uid:" + ep.getTargetRef().getUid();
        }
        return "ip:" + (ep.getAddresses() == null || ep.getAddresses().isEmpty() ? "" : ep.getAddresses().get(0));
    }

    private static boolean sameSet(List<EndpointPort> a, List<EndpointPort> b) {
        List<EndpointPort> x = a == null ? List.of() : a;
        return new HashSet<>(x).equals(new HashSet<>(b)) && x.size() == b.size();
    }

    private static EndpointSlice newSlice(Service service, Map<String, String> labels, List<EndpointPort> ports, List<Endpoint> endpoints) {
        return new EndpointSliceBuilder().withNewMetadata()
                .withGenerateName(service.getMetadata().getName() + "-")
                .withNamespace(service.getMetadata().getNamespace())
                .withLabels(new TreeMap<>(labels))
                .withOwnerReferences(Owners.controllerRef(service, "v1", "Service"))
                .endMetadata()
                .withAddressType(ADDRESS_TYPE)
                .withPorts(new ArrayList<>(ports))
                .withEndpoints(new ArrayList<>(endpoints))
                .build();
    }

    /** A copy of {@code slice} with the desired content; ports in {@code slice}'s order when they are the same set. */
    private static EndpointSlice withContent(EndpointSlice slice, Service service, Map<String, String> labels,
                                             List<EndpointPort> ports, List<Endpoint> endpoints) {
        EndpointSlice out = Copies.deepCopy(slice);
        out.getMetadata().setLabels(new TreeMap<>(labels));
        out.getMetadata().setOwnerReferences(List.of(Owners.controllerRef(service, "v1", "Service")));
        out.setAddressType(ADDRESS_TYPE);
        out.setPorts(sameSet(out.getPorts(), ports) ? out.getPorts() : new ArrayList<>(ports));
        out.setEndpoints(new ArrayList<>(endpoints));
        return out;
    }
}
