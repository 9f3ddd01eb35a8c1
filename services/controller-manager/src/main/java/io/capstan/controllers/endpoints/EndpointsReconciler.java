package io.capstan.controllers.endpoints;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.KubeErrors;
import io.capstan.controllers.common.Statuses;
import io.capstan.workloads.endpoints.EndpointSlicesModel;
import io.capstan.workloads.endpoints.EndpointsModel;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The Endpoints controller (k8s.io/kubernetes/pkg/controller/endpoint syncService) and the
 * EndpointSlice controller in one loop keyed by Service: reads the Service, its namespace's pods
 * and the existing Endpoints and EndpointSlices from the informer caches, runs
 * {@link EndpointsModel} and {@link EndpointSlicesModel}, and writes the differences. A Service
 * that is gone loses its Endpoints (they carry no ownerReference upstream) and its managed slices.
 * A failed write (other than a stale-cache conflict) is reported as upstream's Warning Event.
 */
public final class EndpointsReconciler implements Reconciler {

    private final KubernetesClient client;
    private final Store<Service> services;
    private final Store<Pod> pods;
    private final Store<Endpoints> endpoints;
    private final Store<EndpointSlice> slices;
    private final EventRecorder endpointEvents;
    private final EventRecorder sliceEvents;

    /**
     * @param endpointEvents the endpoint controller's events (FailedToCreateEndpoint, FailedToUpdateEndpoint)
     * @param sliceEvents    the EndpointSlice controller's events (FailedToUpdateEndpointSlices)
     */
    public EndpointsReconciler(KubernetesClient client, Informer<Service> serviceInformer, Informer<Pod> podInformer,
                               Informer<Endpoints> endpointsInformer, Informer<EndpointSlice> sliceInformer,
                               EventRecorder endpointEvents, EventRecorder sliceEvents) {
        this.client = client;
        this.services = serviceInformer.store();
        this.pods = podInformer.store();
        this.endpoints = endpointsInformer.store();
        this.slices = sliceInformer.store();
        this.endpointEvents = endpointEvents;
        this.sliceEvents = sliceEvents;
    }

    /** The services in the pod's namespace whose selector matches it (a simple scan, as the brief of upstream's getPodServiceMemberships). */
    public Collection<Request> servicesSelecting(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        List<Request> out = new ArrayList<>();
        for (Service s : services.list(pod.getMetadata().getNamespace())) {
            Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
            if (selector != null && !selector.isEmpty()
                    && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
                out.add(Request.of(s));
            }
        }
        return out;
    }

    /** A slice enqueues the service named by its kubernetes.io/service-name label. */
    public Collection<Request> serviceOfSlice(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String name = labels == null ? null : labels.get(EndpointSlicesModel.SERVICE_NAME_LABEL);
        return name == null || name.isEmpty() ? List.of() : List.of(new Request(slice.getMetadata().getNamespace(), name));
    }

    /** Endpoints share their Service's name. */
    public Collection<Request> serviceOfEndpoints(Endpoints e) {
        return List.of(Request.of(e));
    }

    @Override
    public Result reconcile(Request request) throws Exception {
        return sync(request);
    }

    private Result sync(Request request) {
        String ns = request.namespace();
        Service service = services.get(ns, request.name()).orElse(null);
        Endpoints current = endpoints.get(ns, request.name()).orElse(null);
        if (service == null) {
            if (current != null && isManaged(current)) {
                ignoreNotFound(() -> client.endpoints().inNamespace(ns).withName(request.name()).delete());
            }
            for (EndpointSlice slice : slices.list(ns)) {
                Map<String, String> l = slice.getMetadata().getLabels();
                if (l != null && request.name().equals(l.get(EndpointSlicesModel.SERVICE_NAME_LABEL))
                        && EndpointSlicesModel.MANAGED_BY.equals(l.get(EndpointSlicesModel.MANAGED_BY_LABEL))) {
                    ignoreNotFound(() -> client.discovery().v1().endpointSlices().inNamespace(ns)
                            .withName(slice.getMetadata().getName()).delete());
                }
            }
            return Result.done();
        }
        if (service.getMetadata().getDeletionTimestamp() != null) {
            return Result.done();
        }
        List<Pod> nsPods = pods.list(ns);

        Endpoints desired = EndpointsModel.desired(service, nsPods);
        if (desired != null && EndpointsModel.needsUpdate(current, desired)) {
            Endpoints merged = EndpointsModel.merge(current, desired);
            if (current == null) {
                try {
                    client.endpoints().inNamespace(ns).resource(merged).create();
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        endpointEvents.warning(merged, "FailedToCreateEndpoint", "Failed to create endpoint for service %s/%s: %s",
                                ns, request.name(), KubeErrors.message(e));
                        throw e;
                    }
                    return Result.requeue();
                }
            } else if (!Statuses.same(merged, current)) {
                try {
                    client.endpoints().inNamespace(ns).resource(merged).update();
                } catch (KubernetesClientException e) {
                    // a conflict is a stale cache, retried quietly; anything else the user should see
                    if (e.getCode() != 409) {
                        endpointEvents.warning(merged, "FailedToUpdateEndpoint", "Failed to update endpoint %s/%s: %s",
                                ns, request.name(), KubeErrors.message(e));
                    }
                    throw e;
                }
            }
        }

        try {
            syncSlices(service, nsPods);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                sliceEvents.warning(service, "FailedToUpdateEndpointSlices", "Error updating Endpoint Slices for Service %s/%s: %s",
                        ns, request.name(), KubeErrors.message(e));
            }
            throw e;
        }
        return Result.done();
    }

    private void syncSlices(Service service, List<Pod> nsPods) {
        String ns = service.getMetadata().getNamespace();
        EndpointSlicesModel.Plan plan = EndpointSlicesModel.desired(service, nsPods, slices.list(ns));
        for (EndpointSlice slice : plan.delete()) {
            ignoreNotFound(() -> client.discovery().v1().endpointSlices().inNamespace(ns)
                    .withName(slice.getMetadata().getName()).delete());
        }
        for (EndpointSlice slice : plan.update()) {
            EndpointSlice stored = slices.get(ns, slice.getMetadata().getName()).orElse(null);
            if (stored == null || !Statuses.same(slice, stored)) {
                client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).update();
            }
        }
        for (EndpointSlice slice : plan.create()) {
            client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).create();
        }
    }

    private static boolean isManaged(Endpoints e) {
        Map<String, String> l = e.getMetadata().getLabels();
        return l != null && EndpointsModel.MANAGED_BY.equals(l.get(EndpointsModel.MANAGED_BY_LABEL));
    }

    private static void ignoreNotFound(Runnable write) {
        try {
            write.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }
}
