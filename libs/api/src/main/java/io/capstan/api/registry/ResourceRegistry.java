package io.capstan.api.registry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every resource the api-server serves, built in or added at run time by a
 * CustomResourceDefinition. Thread-safe: readers see a consistent snapshot; writers (CRD
 * registration) replace it whole.
 */
public final class ResourceRegistry {
    private final CopyOnWriteArrayList<ResourceType> types = new CopyOnWriteArrayList<>();

    public static ResourceRegistry withBuiltins() {
        ResourceRegistry registry = new ResourceRegistry();
        BuiltinResources.ALL.forEach(registry::register);
        return registry;
    }

    public void register(ResourceType type) {
        types.removeIf(t -> t.group().equals(type.group()) && t.version().equals(type.version())
                && t.plural().equals(type.plural()));
        types.add(type);
    }

    /** Removes every version of a group's resource (a deleted CRD). */
    public void unregister(String group, String plural) {
        types.removeIf(t -> t.group().equals(group) && t.plural().equals(plural) && t.isCustom());
    }

    public List<ResourceType> all() {
        return List.copyOf(types);
    }

    public Optional<ResourceType> find(String group, String version, String plural) {
        for (ResourceType t : types) {
            if (t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public Optional<ResourceType> byKind(String group, String version, String kind) {
        for (ResourceType t : types) {
            if (t.group().equals(group) && t.version().equals(version) && t.kind().equals(kind)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public Optional<ResourceType> byKind(GroupVersionKind gvk) {
        return byKind(gvk.group(), gvk.version(), gvk.kind());
    }

    /** The resource type in its storage version (the same object when it is served only there). */
    public ResourceType storageType(ResourceType type) {
        if (type.servedInStorageVersion()) {
            return type;
        }
        return find(type.group(), type.storageVersion(), type.plural()).orElse(type);
    }

    /** Group name to the versions served, in preference order (the first is preferred). */
    public Map<String, List<String>> groups() {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (ResourceType t : types) {
            List<String> versions = groups.computeIfAbsent(t.group(), g -> new ArrayList<>());
            if (!versions.contains(t.version())) {
                versions.add(t.version());
            }
        }
        groups.values().forEach(v -> v.sort(ResourceRegistry::compareVersions));
        return groups;
    }

    public List<ResourceType> inGroupVersion(String group, String version) {
        return types.stream().filter(t -> t.group().equals(group) && t.version().equals(version)).toList();
    }

    public Collection<ResourceType> withCategory(String category) {
        return types.stream().filter(t -> t.categories().contains(category)).toList();
    }

    /**
     * Kubernetes' version priority: GA before beta before alpha, higher numbers first
     * (v2 before v1, v1beta2 before v1beta1); anything else sorts last, alphabetically.
     */
    public static int compareVersions(String a, String b) {
        return Integer.compare(versionRank(b), versionRank(a)) != 0
                ? Integer.compare(versionRank(b), versionRank(a))
                : a.compareTo(b);
    }

    private static int versionRank(String v) {
        var m = java.util.regex.Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?").matcher(v);
        if (!m.matches()) {
            return -1;
        }
        int major = Integer.parseInt(m.group(1));
        int stability = m.group(2) == null ? 3 : m.group(2).equals("beta") ? 2 : 1;
        int minor = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return stability * 1_000_000 + major * 1000 + minor;
    }
}
