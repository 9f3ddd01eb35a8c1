package io.capstan.workloads.endpoints;

import io.capstan.workloads.common.Pods;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the Endpoints and EndpointSlice controllers share about a Service's pods
 * (k8s.io/endpointslice/util and podutil.FindPort).
 */
final class EndpointPods {
    static final String HEADLESS_LABEL = "service.kubernetes.io/headless";

    private EndpointPods() {
    }

    /** A service that the controllers manage: one with a non-empty selector that is not ExternalName. */
    static boolean selects(Service service) {
        if (service.getSpec() == null || "ExternalName".equals(service.getSpec().getType())) {
            return false;
        }
        Map<String, String> selector = service.getSpec().getSelector();
        return selector != null && !selector.isEmpty();
    }

    static boolean publishNotReady(Service service) {
        return Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
    }

    static boolean headless(Service service) {
        return "None".equals(service.getSpec().getClusterIP());
    }

    /** The service's pods (same namespace, matching the selector), in a stable order: by name, then uid. */
    static List<Pod> selected(Service service, List<Pod> pods) {
        Map<String, String> selector = service.getSpec().getSelector();
        String ns = service.getMetadata().getNamespace();
        List<Pod> out = new ArrayList<>();
        for (Pod pod : pods) {
            Map<String, String> labels = Pods.labels(pod);
            if (Objects.equals(ns, pod.getMetadata().getNamespace())
                    && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
                out.add(pod);
            }
        }
        out.sort(Comparator.comparing((Pod p) -> p.getMetadata().getName(), Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(p -> p.getMetadata().getUid(), Comparator.nullsFirst(Comparator.naturalOrder())));
        return out;
    }

    /**
     * endpointsliceutil.ShouldPodBeInEndpoints: the pod has an IPv4 address, is not being deleted
     * (unless {@code includeTerminating}), and can still run under its restart policy.
     */
    static boolean shouldBeInEndpoints(Pod pod, boolean includeTerminating) {
        if (ipv4(pod) == null) {
            return false;
        }
        if (!includeTerminating && Pods.isTerminating(pod)) {
            return false;
        }
        String restart = pod.getSpec() == null ? null : pod.getSpec().getRestartPolicy();
        if ("Never".equals(restart)) {
            return !Pods.isTerminal(pod);
        }
        if ("OnFailure".equals(restart)) {
            return !Pods.isSucceeded(pod);
        }
        return true;
    }

    /** The pod's IPv4 address: status.podIP, else the first IPv4 of status.podIPs; null if none. */
    static String ipv4(Pod pod) {
        if (pod.getStatus() == null) {
            return null;
        }
        String ip = pod.getStatus().getPodIP();
        if (ip != null && !ip.isEmpty() && !ip.contains(":")) {
            return ip;
        }
        if (pod.getStatus().getPodIPs() != null) {
            for (PodIP p : pod.getStatus().getPodIPs()) {
                if (p.getIp() != null && !p.getIp().isEmpty() && !p.getIp().contains(":")) {
                    return p.getIp();
                }
            }
        }
        return null;
    }

    /** endpointsliceutil.ShouldSetHostname: the pod's hostname is published when its subdomain is the service. */
    static String hostname(Pod pod, Service service) {
        if (pod.getSpec() == null) {
            return null;
        }
        String h = pod.getSpec().getHostname();
        boolean set = h != null && !h.isEmpty()
                && Objects.equals(pod.getSpec().getSubdomain(), service.getMetadata().getName())
                && Objects.equals(pod.getMetadata().getNamespace(), service.getMetadata().getNamespace());
        return set ? h : null;
    }

    static ObjectReference targetRef(Pod pod) {
        return new ObjectReferenceBuilder().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build();
    }

    static String protocol(ServicePort port) {
        return port.getProtocol() == null || port.getProtocol().isEmpty() ? "TCP" : port.getProtocol();
    }

    /**
     * podutil.FindPort: a numeric targetPort as is (the service port when unset), a named one
     * looked up among the containers' ports (and restartable init containers') with the same
     * protocol; null when the pod has no such port.
     */
    static Integer findPort(Pod pod, ServicePort port) {
        IntOrString target = port.getTargetPort();
        if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
            return port.getPort();
        }
        if (target.getStrVal() == null) {
            return target.getIntVal();
        }
        if (pod.getSpec() == null) {
            return null;
        }
        String name = target.getStrVal();
        List<Container> containers = new ArrayList<>(pod.getSpec().getContainers() == null ? List.of() : pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
            pod.getSpec().getInitContainers().stream().filter(c -> "Always".equals(c.getRestartPolicy())).forEach(containers::add);
        }
        for (Container c : containers) {
            for (ContainerPort cp : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                String cpProtocol = cp.getProtocol() == null || cp.getProtocol().isEmpty() ? "TCP" : cp.getProtocol();
                if (name.equals(cp.getName()) && cpProtocol.equals(protocol(port))) {
                    return cp.getContainerPort();
                }
            }
        }
        return null;
    }
}
