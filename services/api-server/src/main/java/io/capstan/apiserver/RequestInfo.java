package io.capstan.apiserver;

import io.capstan.api.status.ApiException;

import java.util.List;
import java.util.Set;

/**
 * What a resource request is about, parsed from its path and method as kube-apiserver's
 * RequestInfoFactory does: {@code /api/v1/namespaces/ns/pods/name/status} or
 * {@code /apis/apps/v1/deployments}, with the legacy {@code /watch/} prefix.
 */
public record RequestInfo(String verb, String group, String version, String namespace, String resource,
                          String name, String subresource) {
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    /**
     * Parses a path under /api or /apis. Returns null when the path is not a resource path (a
     * discovery document). {@code watchParam} is the value of {@code ?watch=}.
     */
    public static RequestInfo parse(String method, String path, String watchParam) {
        List<String> parts = List.of(trim(path).split("/"));
        String group;
        String version;
        int i;
        if (parts.get(0).equals("api")) {
            if (parts.size() < 3) {
                return null;
            }
            group = "";
            version = parts.get(1);
            i = 2;
        } else if (parts.get(0).equals("apis")) {
            if (parts.size() < 4) {
                return null;
            }
            group = parts.get(1);
            version = parts.get(2);
            i = 3;
        } else {
            return null;
        }
        List<String> rest = parts.subList(i, parts.size());
        boolean watchPrefix = false;
        if (!rest.isEmpty() && rest.get(0).equals("watch")) {
            watchPrefix = true;
            rest = rest.subList(1, rest.size());
        }
        String namespace = null;
        if (rest.size() > 1 && rest.get(0).equals("namespaces")) {
            namespace = rest.get(1);
            if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
                rest = rest.subList(2, rest.size());
            } else {
                namespace = null;
            }
        }
        if (rest.isEmpty() || rest.get(0).isEmpty()) {
            return null;
        }
        String resource = rest.get(0);
        String name = rest.size() > 1 ? rest.get(1) : null;
        String sub = rest.size() > 2 ? String.join("/", rest.subList(2, rest.size())) : null;
        if (resource.equals("namespaces") && name != null && namespace == null) {
            namespace = null;
        }
        boolean watch = watchPrefix || "true".equals(watchParam) || "1".equals(watchParam);
        String verb = switch (method) {
            case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        };
        return new RequestInfo(verb, group, version, namespace, resource, name, sub);
    }

    private static String trim(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
