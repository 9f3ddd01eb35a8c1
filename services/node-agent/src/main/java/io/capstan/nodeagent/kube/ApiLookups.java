package io.capstan.nodeagent.kube;

import io.capstan.controller.Informer;
import io.capstan.nodeagent.env.ConfigError;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

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

    private static final Logger LOG = Logger.getLogger(ApiLookups.class);
    private static final Duration SYNC_WAIT = Duration.ofSeconds(5);
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final Informer<Service> serviceInformer;
    private final Map<String, Optional<?>> seen = new HashMap<>();
    private final Map<String, List<Service>> services = new HashMap<>();
    private boolean caughtUp;

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

    /**
     * Waits a little for the Service informer's first LIST (the agent starts it with the pod
     * informer), then for it to catch up with the feed: a Service created before the pod is then
     * in its variables, as Kubernetes' documentation promises, although the pod and the Service
     * reach the agent on different topics. A feed that does not answer in time leaves the cache as
     * fresh as it is, as a lagging service lister would.
     */
    private boolean synced() {
        try {
            if (!serviceInformer.hasSynced() && !serviceInformer.waitForSync(SYNC_WAIT)) {
                return false;
            }
            if (!caughtUp && !serviceInformer.catchUp(CATCH_UP_WAIT)) {
                LOG.debugf("the Service informer did not catch up with the feed within %s", CATCH_UP_WAIT);
            }
            caughtUp = true;
            return true;
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
