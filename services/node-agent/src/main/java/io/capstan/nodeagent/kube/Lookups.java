package io.capstan.nodeagent.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;

import java.util.List;
import java.util.Optional;

/**
 * The objects a pod's containers refer to (configMaps, secrets, claims, services), read when a
 * container starts or a volume is refreshed rather than cached for the whole cluster.
 */
public interface Lookups {
    Optional<ConfigMap> configMap(String namespace, String name);

    Optional<Secret> secret(String namespace, String name);

    Optional<PersistentVolumeClaim> claim(String namespace, String name);

    Optional<PersistentVolume> volume(String name);

    /** Services of a namespace, for the service environment variables. */
    List<Service> services(String namespace);
}
