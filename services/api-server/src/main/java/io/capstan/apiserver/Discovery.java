package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Discovery documents, legacy ({@code APIVersions}, {@code APIGroupList}, {@code APIResourceList})
 * and aggregated ({@code apidiscovery.k8s.io} v2 and v2beta1, chosen by the Accept header and
 * announced by the response Content-Type, as client-go requires). Built from the live registry so
 * CRDs show up as soon as they are established.
 */
final class Discovery {
    static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    static final String AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private final ResourceRegistry registry;

    Discovery(ResourceRegistry registry) {
        this.registry = registry;
    }

    /** The aggregated media type the client asked for first, or null for legacy discovery. */
    static String aggregatedVersion(String accept) {
        if (accept == null) {
            return null;
        }
        for (String alt : accept.split(",")) {
            String a = alt.replace(" ", "");
            if (a.contains("g=apidiscovery.k8s.io") && a.contains("as=APIGroupDiscoveryList")) {
                if (a.contains("v=v2beta1")) {
                    return "v2beta1";
                }
                if (a.contains("v=v2")) {
                    return "v2";
                }
            } else if (a.startsWith("application/json") || a.startsWith("*/*")) {
                return null;
            }
        }
        return null;
    }

    ObjectNode legacyApi() {
        ObjectNode n = KubeJson.object();
        n.put("kind", "APIVersions");
        n.putArray("versions").add("v1");
        ArrayNode cidrs = n.putArray("serverAddressByClientCIDRs");
        ObjectNode any = cidrs.addObject();
        any.put("clientCIDR", "0.0.0.0/0");
        any.put("serverAddress", "127.0.0.1");
        return n;
    }

    ObjectNode groupList() {
        ObjectNode n = KubeJson.object();
        n.put("kind", "APIGroupList");
        n.put("apiVersion", "v1");
        ArrayNode groups = n.putArray("groups");
        for (Map.Entry<String, List<String>> g : registry.groups().entrySet()) {
            if (!g.getKey().isEmpty()) {
                groups.add(group(g.getKey(), g.getValue()));
            }
        }
        return n;
    }

    ObjectNode group(String name) {
        List<String> versions = registry.groups().get(name);
        return versions == null ? null : withKind(group(name, versions));
    }

    private static ObjectNode withKind(ObjectNode group) {
        ObjectNode n = KubeJson.object();
        n.put("kind", "APIGroup");
        n.put("apiVersion", "v1");
        n.setAll(group);
        return n;
    }

    private static ObjectNode group(String name, List<String> versions) {
        ObjectNode g = KubeJson.object();
        g.put("name", name);
        ArrayNode vs = g.putArray("versions");
        for (String v : versions) {
            ObjectNode gv = vs.addObject();
            gv.put("groupVersion", name + "/" + v);
            gv.put("version", v);
        }
        ObjectNode preferred = g.putObject("preferredVersion");
        preferred.put("groupVersion", name + "/" + versions.get(0));
        preferred.put("version", versions.get(0));
        return g;
    }

    /** The APIResourceList of a group-version, or null when it is not served. */
    ObjectNode resourceList(String group, String version) {
        List<ResourceType> types = registry.inGroupVersion(group, version);
        if (types.isEmpty()) {
            return null;
        }
        ObjectNode n = KubeJson.object();
        n.put("kind", "APIResourceList");
        n.put("apiVersion", "v1");
        n.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode resources = n.putArray("resources");
        for (ResourceType t : types) {
            ObjectNode r = resources.addObject();
            r.put("name", t.plural());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            verbs(r.putArray("verbs"), ResourceType.ALL_VERBS);
            if (!t.shortNames().isEmpty()) {
                verbs(r.putArray("shortNames"), t.shortNames());
            }
            if (!t.categories().isEmpty()) {
                verbs(r.putArray("categories"), t.categories());
            }
            for (Sub s : subresources(t)) {
                ObjectNode sr = resources.addObject();
                sr.put("name", t.plural() + "/" + s.name);
                sr.put("singularName", "");
                sr.put("namespaced", t.namespaced());
                if (!s.group.equals(t.group()) || !s.version.equals(t.version())) {
                    sr.put("group", s.group);
                    sr.put("version", s.version);
                }
                sr.put("kind", s.kind);
                verbs(sr.putArray("verbs"), s.verbs);
            }
        }
        return n;
    }

    /** The aggregated document for /api (core only) or /apis (every other group). */
    ObjectNode aggregated(boolean core, String discoveryVersion) {
        ObjectNode n = KubeJson.object();
        n.put("kind", "APIGroupDiscoveryList");
        n.put("apiVersion", "apidiscovery.k8s.io/" + discoveryVersion);
        n.putObject("metadata");
        ArrayNode items = n.putArray("items");
        for (Map.Entry<String, List<String>> g : registry.groups().entrySet()) {
            if (core != g.getKey().isEmpty()) {
                continue;
            }
            ObjectNode item = items.addObject();
            item.putObject("metadata").put("name", g.getKey());
            ArrayNode versions = item.putArray("versions");
            for (String v : g.getValue()) {
                ObjectNode vn = versions.addObject();
                vn.put("version", v);
                ArrayNode resources = vn.putArray("resources");
                for (ResourceType t : registry.inGroupVersion(g.getKey(), v)) {
                    ObjectNode r = resources.addObject();
                    r.put("resource", t.plural());
                    ObjectNode kind = r.putObject("responseKind");
                    kind.put("group", t.group());
                    kind.put("version", t.version());
                    kind.put("kind", t.kind());
                    r.put("scope", t.scope().discoveryName());
                    r.put("singularResource", t.singular());
                    verbs(r.putArray("verbs"), ResourceType.ALL_VERBS);
                    if (!t.shortNames().isEmpty()) {
                        verbs(r.putArray("shortNames"), t.shortNames());
                    }
                    if (!t.categories().isEmpty()) {
                        verbs(r.putArray("categories"), t.categories());
                    }
                    List<Sub> subs = subresources(t);
                    if (!subs.isEmpty()) {
                        ArrayNode sa = r.putArray("subresources");
                        for (Sub s : subs) {
                            ObjectNode sn = sa.addObject();
                            sn.put("subresource", s.name);
                            ObjectNode sk = sn.putObject("responseKind");
                            sk.put("group", s.group);
                            sk.put("version", s.version);
                            sk.put("kind", s.kind);
                            verbs(sn.putArray("verbs"), s.verbs);
                        }
                    }
                }
                vn.put("freshness", "Current");
            }
        }
        return n;
    }

    private record Sub(String name, String group, String version, String kind, List<String> verbs) {
    }

    /** The subresources this server really serves, with the kinds they answer with. */
    private static List<Sub> subresources(ResourceType t) {
        List<Sub> out = new ArrayList<>();
        Set<String> subs = t.isCustom() && t.crdVersion() != null
                ? customSubs(t) : t.subresources();
        for (String s : subs.stream().sorted().toList()) {
            switch (s) {
                case "status" -> out.add(new Sub(s, t.group(), t.version(), t.kind(), List.of("get", "patch", "update")));
                case "scale" -> out.add(new Sub(s, "autoscaling", "v1", "Scale", List.of("get", "patch", "update")));
                case "binding" -> out.add(new Sub(s, "", "v1", "Binding", List.of("create")));
                case "eviction" -> out.add(new Sub(s, "policy", "v1", "Eviction", List.of("create")));
                case "finalize" -> out.add(new Sub(s, "", "v1", "Namespace", List.of("update")));
                case "log" -> out.add(new Sub(s, "", "v1", "Pod", List.of("get")));
                case "exec" -> out.add(new Sub(s, "", "v1", "PodExecOptions", List.of("create", "get")));
                case "attach" -> out.add(new Sub(s, "", "v1", "PodAttachOptions", List.of("create", "get")));
                case "portforward" -> out.add(new Sub(s, "", "v1", "PodPortForwardOptions", List.of("create", "get")));
                case "proxy" -> {
                    if (t.plural().equals("nodes")) {
                        out.add(new Sub(s, "", "v1", "NodeProxyOptions", List.of("create", "delete", "get", "patch", "update")));
                    }
                }
                default -> {
                }
            }
        }
        return out;
    }

    private static Set<String> customSubs(ResourceType t) {
        Set<String> subs = new java.util.TreeSet<>();
        t.crdVersion().path("subresources").fieldNames().forEachRemaining(subs::add);
        return subs;
    }

    private static void verbs(ArrayNode arr, List<String> values) {
        values.forEach(arr::add);
    }
}
