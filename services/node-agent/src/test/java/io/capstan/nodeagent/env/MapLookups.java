package io.capstan.nodeagent.env;

import io.capstan.nodeagent.kube.Lookups;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Objects given to the pure env and volume functions as a plain list (the input of a table test). */
public final class MapLookups implements Lookups {
    private final List<HasMetadata> objects = new ArrayList<>();

    public MapLookups with(HasMetadata object) {
        objects.add(object);
        return this;
    }

    private <T extends HasMetadata> Optional<T> find(Class<T> type, String namespace, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> name.equals(o.getMetadata().getName())
                        && (namespace == null || namespace.equals(o.getMetadata().getNamespace())))
                .findFirst();
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return find(ConfigMap.class, namespace, name);
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return find(Secret.class, namespace, name);
    }

    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return find(PersistentVolumeClaim.class, namespace, name);
    }

    @Override
    public Optional<PersistentVolume> volume(String name) {
        return find(PersistentVolume.class, null, name);
    }

    @Override
    public List<Service> services(String namespace) {
        return objects.stream().filter(Service.class::isInstance).map(Service.class::cast)
                .filter(s -> namespace.equals(s.getMetadata().getNamespace())).toList();
    }
}
