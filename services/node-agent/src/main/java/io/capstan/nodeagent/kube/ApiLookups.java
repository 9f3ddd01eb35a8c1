package io.capstan.nodeagent.kube;

import io.capstan.controller.Informer;
import io.capstan.nodeagent.env.ConfigError;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link Lookups} through GETs to the api-server, each object read at most once per instance:
 * a pod worker makes one per sync, so one sync sees one consistent answer per object and the next
 * sync sees changes. Services come from the agent's Service informer, as the kubelet's come from
 * its service lister: a LIST per pod start was a third of the api-server requests of a pod burst.
 * Not thread-safe (one sync at a time uses it).
 */
public final class ApiLookups implements Lookups {
    /** The kubelet's words when its service informer has not synced yet. */
    static final String SERVICES_NOT_SYNCED = "services have not yet been read at least once, cannot construct envvars";

    private static final Duration SYNC_WAIT = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final Informer<Service> serviceInformer;
    private final Map<String, Optional<?>> seen = new HashMap<>();
    private final Map<String, List<Service>> services = new HashMap<>();

    public ApiLookups(KubernetesClient client, Informer<Service> serviceInformer) {
        this.client = client;
        this.serviceInformer = serviceInformer;
    }

    @SuppressWarnings("unchecked")
    private <T> Optional<T> once(String key, java.util.function.Supplier<T> read) {
        return (Optional<T>) seen.computeIfAbsent(key, k -> Optional.ofNullable(read.get()));
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return once("cm/" + namespace + "/" + name, () -> client.configMaps().inNamespace(namespace).withName(name).get());
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return once("secret/" + namespace + "/" + name, () -> client.secrets().inNamespace(namespace).withName(name).get());
    }

    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return once("pvc/" + namespace + "/" + name,
                () -> client.persistentVolumeClaims().inNamespace(namespace).withName(name).get());
    }

    @Override
    public Optional<PersistentVolume> volume(String name) {
        return once("pv/" + name, () -> client.persistentVolumes().withName(name).get());
    }

    /** Waits a little for the Service informer's first LIST (the agent starts it with the pod informer). */
    private boolean synced() {
        try {
            return serviceInformer.hasSynced() || serviceInformer.waitForSync(SYNC_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public List<Service> services(String namespace) {
        return services.computeIfAbsent(namespace, ns -> {
            if (!synced()) {
                throw new ConfigError(SERVICES_NOT_SYNCED);
            }
            return serviceInformer.store().list(ns);
        });
    }
}
