package io.capstan.controllers.servicelb;

import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.capstan.controllers.common.KubeErrors;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Capstan's load balancer for {@code type: LoadBalancer} Services without a
 * {@code spec.loadBalancerClass}: the part of a cloud provider's service controller (or
 * klipper-lb, MetalLB) that gives a Service an external address. The address comes from
 * {@link LoadBalancerIpAllocator}'s pool and is written to {@code status.loadBalancer.ingress}
 * as {@code {ip, ipMode: VIP}} through the status subresource; the node proxies listen on it.
 *
 * <p>A Service that stops being a LoadBalancer (or is deleted) gives its address back and, if it
 * still exists, has its load-balancer status cleared. No finalizer is added: nothing outside the
 * cluster has to be torn down, so a deleted Service simply frees its address. Services with a
 * {@code loadBalancerClass} belong to another implementation and are left alone.
 */
public final class ServiceLoadBalancerReconciler implements Reconciler {
    public static final String COMPONENT = "service-controller";
    static final Duration RETRY_FAILED_ALLOCATION = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(ServiceLoadBalancerReconciler.class);

    private final KubernetesClient client;
    private final Store<Service> services;
    private final LoadBalancerIpAllocator allocator;
    private final EventRecorder events;

    public ServiceLoadBalancerReconciler(KubernetesClient client, Informer<Service> serviceInformer, LoadBalancerIpAllocator allocator,
                                         EventRecorder events) {
        this.client = client;
        this.services = serviceInformer.store();
        this.allocator = allocator;
        this.events = events;
    }

    /** Whether this controller provides the Service's load balancer. */
    public static boolean wantsLoadBalancer(Service service) {
        return service.getSpec() != null && "LoadBalancer".equals(service.getSpec().getType())
                && service.getSpec().getLoadBalancerClass() == null;
    }

    /** The first ingress IP of the Service's status, or null. */
    static String statusIp(Service service) {
        List<LoadBalancerIngress> ingress = ingress(service);
        return ingress.isEmpty() ? null : ingress.get(0).getIp();
    }

    /** The load-balancer status that hands out {@code ip}. */
    static List<LoadBalancerIngress> desiredIngress(String ip) {
        return List.of(new LoadBalancerIngressBuilder().withIp(ip).withIpMode("VIP").build());
    }

    @Override
    public Result reconcile(Request request) {
        restoreOnce();
        Service service = services.get(request.namespace(), request.name()).orElse(null);
        String owner = request.namespace() + "/" + request.name();
        if (service == null) {
            allocator.release(owner);
            return Result.done();
        }
        if (!wantsLoadBalancer(service) || service.getMetadata().getDeletionTimestamp() != null) {
            allocator.release(owner);
            // Another implementation owns the status of a Service with a class.
            if (service.getSpec() != null && service.getSpec().getLoadBalancerClass() == null
                    && !"LoadBalancer".equals(service.getSpec().getType()) && !ingress(service).isEmpty()) {
                writeIngress(service, List.of());
                LOG.infof("%s is no longer a LoadBalancer: cleared its load balancer status", owner);
            }
            return Result.done();
        }
        String requested = service.getSpec().getLoadBalancerIP();
        LoadBalancerIpAllocator.Allocation allocation = allocator.allocate(owner, statusIp(service), requested);
        if (allocation instanceof LoadBalancerIpAllocator.Allocation.Failed failed) {
            allocator.release(owner);
            events.warning(service, "AllocationFailed", "Failed to allocate IP for \"%s\": %s", owner, failed.reason());
            if (!ingress(service).isEmpty()) {
                writeIngress(service, List.of());
            }
            return Result.requeueAfter(RETRY_FAILED_ALLOCATION);
        }
        String ip = ((LoadBalancerIpAllocator.Allocation.Assigned) allocation).ip();
        List<LoadBalancerIngress> desired = desiredIngress(ip);
        if (!holds(service, ip)) {
            events.normal(service, "EnsuringLoadBalancer", "Ensuring load balancer");
            try {
                writeIngress(service, desired);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 && e.getCode() != 404) {
                    events.warning(service, "SyncLoadBalancerFailed", "Error syncing load balancer: %s", KubeErrors.message(e));
                }
                throw e;
            }
            events.normal(service, "EnsuredLoadBalancer", "Ensured load balancer");
            LOG.infof("%s: load balancer at %s", owner, ip);
        }
        return Result.done();
    }

    /** Before the first allocation of a term, takes over every address Services already hold. */
    private void restoreOnce() {
        synchronized (allocator) {
            if (allocator.restored()) {
                return;
            }
            List<LoadBalancerIpAllocator.Holder> holders = new ArrayList<>();
            for (Service s : services.list()) {
                String ip = statusIp(s);
                if (wantsLoadBalancer(s) && ip != null) {
                    holders.add(new LoadBalancerIpAllocator.Holder(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(),
                            ip, s.getMetadata().getCreationTimestamp()));
                }
            }
            allocator.restore(holders);
            LOG.infof("service load balancer: %d Services hold addresses of %s", holders.size(), allocator.pool().cidr());
        }
    }

    private void writeIngress(Service service, List<LoadBalancerIngress> ingress) {
        Service copy = new ServiceBuilder(service).build();
        ServiceStatus status = copy.getStatus() == null ? new ServiceStatus() : copy.getStatus();
        status.setLoadBalancer(new LoadBalancerStatus(new ArrayList<>(ingress)));
        copy.setStatus(status);
        client.services().inNamespace(service.getMetadata().getNamespace()).resource(copy).updateStatus();
    }

    /** Whether the Service's status already says exactly {@code ip} as a VIP (nothing else). */
    static boolean holds(Service service, String ip) {
        List<LoadBalancerIngress> ingress = ingress(service);
        return ingress.size() == 1 && ip.equals(ingress.get(0).getIp()) && "VIP".equals(ingress.get(0).getIpMode())
                && ingress.get(0).getHostname() == null && (ingress.get(0).getPorts() == null || ingress.get(0).getPorts().isEmpty());
    }

    private static List<LoadBalancerIngress> ingress(Service service) {
        if (service.getStatus() == null || service.getStatus().getLoadBalancer() == null
                || service.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        return service.getStatus().getLoadBalancer().getIngress();
    }
}
