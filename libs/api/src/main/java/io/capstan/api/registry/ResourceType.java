package io.capstan.api.registry;

import java.util.List;
import java.util.Set;

/**
 * One served resource at one group-version: everything the REST layer, discovery, storage,
 * OpenAPI and the printers need to know about it. Several versions of one resource (autoscaling
 * v1 and v2 horizontalpodautoscalers) share a {@link #storageVersion()}; objects are stored in it
 * and converted on the way in and out.
 *
 * @param modelClass the fabric8 model class for built-in kinds, or null for custom resources
 * @param subresources served subresources, for example "status", "scale", "binding", "log"
 * @param storageVersion the version objects are stored in (equal to {@code version} for most)
 * @param crdVersion the CustomResourceDefinition's {@code spec.versions[]} entry for custom
 *                   resources (schema.openAPIV3Schema, subresources, additionalPrinterColumns), or null
 */
public record ResourceType(
        String group,
        String version,
        String kind,
        String plural,
        String singular,
        Scope scope,
        List<String> shortNames,
        List<String> categories,
        Set<String> subresources,
        Class<?> modelClass,
        String storageVersion,
        com.fasterxml.jackson.databind.JsonNode crdVersion) {

    public static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public boolean namespaced() {
        return scope == Scope.NAMESPACED;
    }

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public GroupVersionKind gvk() {
        return new GroupVersionKind(group, version, kind);
    }

    public String listKind() {
        return kind + "List";
    }

    /** "pods" for the core group, "deployments.apps" otherwise: the name used in error messages. */
    public String qualifiedResource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    public boolean hasStatus() {
        return subresources.contains("status");
    }

    public boolean isCustom() {
        return modelClass == null;
    }

    public boolean servedInStorageVersion() {
        return version.equals(storageVersion);
    }

    public ResourceType atVersion(String otherVersion, Class<?> otherModel) {
        return new ResourceType(group, otherVersion, kind, plural, singular, scope, shortNames, categories,
                subresources, otherModel, storageVersion, crdVersion);
    }
}
