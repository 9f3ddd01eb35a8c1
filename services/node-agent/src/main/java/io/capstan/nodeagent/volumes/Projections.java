package io.capstan.nodeagent.volumes;

import io.capstan.nodeagent.env.ConfigError;
import io.capstan.nodeagent.env.FieldPaths;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files of configMap, secret, downwardAPI and projected volumes, as pure functions of the
 * volume source and the objects it names (pkg/volume/configmap, secret, downwardapi, projected):
 * every key (or only the listed items) at its path with the item's mode or the default mode
 * (0644); a missing object or key fails the volume unless it is optional.
 */
public final class Projections {
    /** Kubernetes' default file mode for projected files, 0644. */
    public static final int DEFAULT_MODE = 0644;

    private Projections() {
    }

    /** @param configMap the named configMap, empty if it does not exist */
    public static Map<String, FileContent> configMap(String name, List<KeyToPath> items, Integer defaultMode, Boolean optional,
                                                     Optional<ConfigMap> configMap) {
        if (configMap.isEmpty()) {
            if (Boolean.TRUE.equals(optional)) {
                return Map.of();
            }
            throw new VolumeError("configmap \"" + name + "\" not found");
        }
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (configMap.get().getData() != null) {
            configMap.get().getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        if (configMap.get().getBinaryData() != null) {
            configMap.get().getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        return keysToPaths(data, items, defaultMode, optional, "configmap references non-existent config key: ");
    }

    /** @param secret the named secret, empty if it does not exist */
    public static Map<String, FileContent> secret(String name, List<KeyToPath> items, Integer defaultMode, Boolean optional,
                                                  Optional<Secret> secret) {
        if (secret.isEmpty()) {
            if (Boolean.TRUE.equals(optional)) {
                return Map.of();
            }
            throw new VolumeError("secret \"" + name + "\" not found");
        }
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (secret.get().getData() != null) {
            secret.get().getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        }
        if (secret.get().getStringData() != null) {
            secret.get().getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        return keysToPaths(data, items, defaultMode, optional, "references non-existent secret key: ");
    }

    private static Map<String, FileContent> keysToPaths(Map<String, byte[]> data, List<KeyToPath> items, Integer defaultMode,
                                                        Boolean optional, String missingKey) {
        int mode = defaultMode == null ? DEFAULT_MODE : defaultMode;
        Map<String, FileContent> files = new LinkedHashMap<>();
        if (items == null || items.isEmpty()) {
            data.forEach((k, v) -> files.put(k, new FileContent(v, mode)));
            return files;
        }
        for (KeyToPath item : items) {
            byte[] value = data.get(item.getKey());
            if (value == null) {
                if (Boolean.TRUE.equals(optional)) {
                    continue;
                }
                throw new VolumeError(missingKey + item.getKey());
            }
            files.put(item.getPath(), new FileContent(value, item.getMode() == null ? mode : item.getMode()));
        }
        return files;
    }

    /** A downwardAPI volume's files: pod fields and container resources. */
    public static Map<String, FileContent> downwardApi(List<DownwardAPIVolumeFile> items, Integer defaultMode, Pod pod,
                                                       String podIp, String hostIp, Map<String, Quantity> allocatable) {
        int mode = defaultMode == null ? DEFAULT_MODE : defaultMode;
        Map<String, FileContent> files = new LinkedHashMap<>();
        if (items == null) {
            return files;
        }
        for (DownwardAPIVolumeFile item : items) {
            String value;
            try {
                if (item.getFieldRef() != null) {
                    value = FieldPaths.podField(pod, item.getFieldRef().getFieldPath(), podIp, hostIp);
                } else if (item.getResourceFieldRef() != null) {
                    String containerName = item.getResourceFieldRef().getContainerName();
                    Container container = container(pod, containerName);
                    value = FieldPaths.resource(container, item.getResourceFieldRef(), allocatable);
                } else {
                    continue;
                }
            } catch (ConfigError e) {
                throw new VolumeError(e.getMessage());
            }
            files.put(item.getPath(), FileContent.text(value, item.getMode() == null ? mode : item.getMode()));
        }
        return files;
    }

    private static Container container(Pod pod, String name) {
        for (List<Container> list : List.of(pod.getSpec().getContainers(),
                pod.getSpec().getInitContainers() == null ? List.<Container>of() : pod.getSpec().getInitContainers())) {
            for (Container c : list) {
                if (c.getName().equals(name)) {
                    return c;
                }
            }
        }
        throw new VolumeError("container " + name + " not found in pod " + pod.getMetadata().getName());
    }
}
