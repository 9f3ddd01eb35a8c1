package io.capstan.controllers.serviceaccount;

import io.capstan.controller.Reconciler;
import io.capstan.controller.Request;
import io.capstan.controller.Result;
import io.capstan.controller.Store;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.Collection;
import java.util.List;

/**
 * The ServiceAccounts controller (k8s.io/kubernetes/pkg/controller/serviceaccount): every active
 * namespace has a {@code default} ServiceAccount, created with the namespace and again if
 * deleted. Namespaces are the primary objects; a deleted {@code default} ServiceAccount queues
 * its namespace.
 */
public final class ServiceAccountReconciler implements Reconciler {
    public static final String DEFAULT = "default";

    private final KubernetesClient client;
    private final Store<Namespace> namespaces;
    private final Store<ServiceAccount> serviceAccounts;

    public ServiceAccountReconciler(KubernetesClient client, Store<Namespace> namespaces, Store<ServiceAccount> serviceAccounts) {
        this.client = client;
        this.namespaces = namespaces;
        this.serviceAccounts = serviceAccounts;
    }

    /** The namespace a {@code default} ServiceAccount belongs to. */
    public Collection<Request> namespaceOf(ServiceAccount sa) {
        return DEFAULT.equals(sa.getMetadata().getName()) ? List.of(new Request("", sa.getMetadata().getNamespace())) : List.of();
    }

    @Override
    public Result reconcile(Request request) {
        Namespace ns = namespaces.get("", request.name()).orElse(null);
        if (ns == null || ns.getMetadata().getDeletionTimestamp() != null
                || (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase()))) {
            return Result.done();
        }
        if (serviceAccounts.get(request.name(), DEFAULT).isPresent()) {
            return Result.done();
        }
        ServiceAccount sa = new ServiceAccountBuilder().withNewMetadata().withName(DEFAULT).withNamespace(request.name()).endMetadata().build();
        try {
            client.serviceAccounts().inNamespace(request.name()).resource(sa).create();
        } catch (KubernetesClientException e) {
            // 409: the cache had not seen it yet; 403/404: the namespace started terminating or went
            if (e.getCode() != 409 && e.getCode() != 403 && e.getCode() != 404) {
                throw e;
            }
        }
        return Result.done();
    }
}
