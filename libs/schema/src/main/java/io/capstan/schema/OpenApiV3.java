package io.capstan.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.GroupVersionKind;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The {@code /openapi/v3} endpoints, in the format of kube-openapi's handler3: an index of
 * group-versions and one OpenAPI 3.0 document per group-version.
 *
 * <p>Each document lists, for every resource of the group-version, the collection, item,
 * all-namespaces, {@code /status} and {@code /scale} paths with operations that carry
 * {@code x-kubernetes-group-version-kind} and {@code x-kubernetes-action}, and
 * {@code components.schemas} with every schema they reference. These are what kubectl reads:
 * the PATCH operation's {@code fieldValidation} parameter makes it trust the server for field
 * validation, the GVK on paths and schemas drives {@code kubectl explain}, and the patch
 * extensions on the schemas drive client-side apply's strategic merge patches.
 *
 * <p>The registry is read on every call, so custom resources registered later appear. Documents
 * are cached per group-version and rebuilt when that group-version's resource types change.
 * Thread-safe.
 */
public final class OpenApiV3 {
    private static final String STATUS = ModelSchemas.componentName(Status.class);
    private static final String DELETE_OPTIONS = ModelSchemas.componentName(DeleteOptions.class);
    private static final String OBJECT_META = ModelSchemas.componentName(ObjectMeta.class);
    private static final String LIST_META = ModelSchemas.componentName(ListMeta.class);
    private static final String SCALE = ModelSchemas.componentName(Scale.class);
    private static final String PATCH = ModelSchemas.META + "Patch";
    private static final GroupVersionKind SCALE_GVK = new GroupVersionKind("autoscaling", "v1", "Scale");
    private static final GroupVersionKind STATUS_GVK = new GroupVersionKind("", "v1", "Status");

    private static final List<String> PATCH_TYPES = List.of("application/json-patch+json",
            "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml");

    private final ResourceRegistry registry;
    private final ConcurrentMap<String, Document> cache = new ConcurrentHashMap<>();

    /** One built document and the resource types it was built from. */
    private record Document(List<ResourceType> types, ObjectNode json, byte[] bytes, String hash) {
    }

    public OpenApiV3(ResourceRegistry registry) {
        this.registry = registry;
    }

    /**
     * The {@code GET /openapi/v3} body: {@code {"paths":{"api/v1":{"serverRelativeURL":
     * "/openapi/v3/api/v1?hash=<HASH>"}, "apis/apps/v1":{...}, ...}}} for every served
     * group-version. The hash changes exactly when the document changes, so clients may cache
     * documents by URL.
     */
    public ObjectNode index() {
        ObjectNode paths = KubeJson.object();
        for (Map.Entry<String, List<String>> group : registry.groups().entrySet()) {
            for (String version : group.getValue()) {
                String gvPath = gvPath(group.getKey(), version);
                documentFor(gvPath).ifPresent(doc -> paths.putObject(gvPath)
                        .put("serverRelativeURL", "/openapi/v3/" + gvPath + "?hash=" + doc.hash()));
            }
        }
        ObjectNode index = KubeJson.object();
        index.set("paths", paths);
        return index;
    }

    /**
     * The OpenAPI document of one group-version ({@code "api/v1"}, {@code "apis/apps/v1"}), or
     * empty when nothing is served there. The result is the caller's own copy.
     */
    public Optional<ObjectNode> document(String gvPath) {
        return documentFor(gvPath).map(doc -> doc.json().deepCopy());
    }

    /** The document of {@link #document} serialized as JSON, the exact bytes its hash covers. */
    public Optional<byte[]> documentBytes(String gvPath) {
        return documentFor(gvPath).map(doc -> doc.bytes().clone());
    }

    /** The hash of a group-version's document (upper-case hex SHA-512 of its bytes, as kube-openapi). */
    public Optional<String> hash(String gvPath) {
        return documentFor(gvPath).map(Document::hash);
    }

    /** "api/v1" for the core group, "apis/&lt;group&gt;/&lt;version&gt;" otherwise. */
    public static String gvPath(String group, String version) {
        return group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
    }

    private Optional<Document> documentFor(String gvPath) {
        String[] parts = gvPath.split("/");
        List<ResourceType> types;
        if (parts.length == 2 && parts[0].equals("api")) {
            types = registry.inGroupVersion("", parts[1]);
        } else if (parts.length == 3 && parts[0].equals("apis") && !parts[1].isEmpty()) {
            types = registry.inGroupVersion(parts[1], parts[2]);
        } else {
            return Optional.empty();
        }
        if (types.isEmpty()) {
            cache.remove(gvPath);
            return Optional.empty();
        }
        // Record equality compares the CRD schema trees too, so an updated CRD rebuilds its document.
        return Optional.of(cache.compute(gvPath,
                (key, old) -> old != null && old.types().equals(types) ? old : build(types)));
    }

    private static Document build(List<ResourceType> types) {
        ResourceType first = types.get(0);
        String root = "/" + gvPath(first.group(), first.version());
        Map<String, ObjectNode> paths = new TreeMap<>();
        Map<String, ObjectNode> schemas = new TreeMap<>();
        addComponents(schemas, Status.class);
        addComponents(schemas, DeleteOptions.class);
        addGvk(schemas.get(STATUS), STATUS_GVK);
        schemas.put(PATCH, KubeJson.object().put("type", "object"));
        for (ResourceType type : types) {
            String[] names = type.isCustom() ? addCustomSchemas(schemas, type) : addModelSchemas(schemas, type);
            new Operations(type, names[0], names[1]).addTo(paths, root, schemas);
        }
        ObjectNode doc = KubeJson.object().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "unversioned");
        ObjectNode pathsNode = doc.putObject("paths");
        paths.forEach(pathsNode::set);
        ObjectNode schemasNode = doc.putObject("components").putObject("schemas");
        schemas.forEach(schemasNode::set);
        byte[] bytes = KubeJson.bytes(doc);
        return new Document(List.copyOf(types), doc, bytes, sha512(bytes));
    }

    private static void addComponents(Map<String, ObjectNode> schemas, Class<?> root) {
        ModelSchemas.closure(root).forEach((name, schema) -> schemas.computeIfAbsent(name, n -> schema.deepCopy()));
    }

    /** Adds a built-in kind's schemas; returns the component names of the kind and of its list (or null). */
    private static String[] addModelSchemas(Map<String, ObjectNode> schemas, ResourceType type) {
        Class<?> model = type.modelClass();
        addComponents(schemas, model);
        String kind = ModelSchemas.componentName(model);
        addGvk(schemas.get(kind), type.gvk());
        String list = null;
        try {
            Class<?> listClass = Class.forName(model.getName() + "List", false, model.getClassLoader());
            addComponents(schemas, listClass);
            list = ModelSchemas.componentName(listClass);
            addGvk(schemas.get(list), new GroupVersionKind(type.group(), type.version(), type.listKind()));
        } catch (ClassNotFoundException e) {
            // Every fabric8 kind has a List class; without one, list operations answer with no schema.
        }
        return new String[] {kind, list};
    }

    /**
     * Adds a custom resource's schemas, named as the apiextensions-apiserver names them (the
     * reversed group: {@code com.example.stable.v1.CronTab}), from the CRD version's
     * {@code schema.openAPIV3Schema} with the type-level fields every object has.
     */
    private static String[] addCustomSchemas(Map<String, ObjectNode> schemas, ResourceType type) {
        addComponents(schemas, ObjectMeta.class);
        addComponents(schemas, ListMeta.class);
        String prefix = crdComponentPrefix(type);
        ObjectNode kind = customResourceSchema(type);
        addGvk(kind, type.gvk());
        schemas.put(prefix + type.kind(), kind);

        ObjectNode list = KubeJson.object().put("type", "object");
        list.putArray("required").add("items");
        ObjectNode props = list.putObject("properties");
        props.putObject("apiVersion").put("type", "string");
        props.putObject("items").put("type", "array").set("items", ModelSchemas.ref(prefix + type.kind()));
        props.putObject("kind").put("type", "string");
        props.set("metadata", ModelSchemas.ref(LIST_META));
        addGvk(list, new GroupVersionKind(type.group(), type.version(), type.listKind()));
        schemas.put(prefix + type.listKind(), list);
        return new String[] {prefix + type.kind(), prefix + type.listKind()};
    }

    /** The CRD schema of a custom resource, with apiVersion, kind and metadata (as ObjectMeta) declared. */
    static ObjectNode customResourceSchema(ResourceType type) {
        JsonNode declared = type.crdVersion() == null ? null : type.crdVersion().path("schema").path("openAPIV3Schema");
        ObjectNode schema;
        if (declared instanceof ObjectNode o) {
            schema = o.deepCopy();
        } else {
            // A CRD version without a schema (apiextensions v1 requires one, but be lenient) keeps everything.
            schema = KubeJson.object().put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
        }
        schema.put("type", "object");
        ObjectNode properties = KubeJson.with(schema, "properties");
        properties.putObject("apiVersion").put("type", "string");
        properties.putObject("kind").put("type", "string");
        properties.set("metadata", ModelSchemas.ref(OBJECT_META));
        return schema;
    }

    private static String crdComponentPrefix(ResourceType type) {
        List<String> segments = new ArrayList<>(List.of(type.group().split("\\.")));
        Collections.reverse(segments);
        return String.join(".", segments) + "." + type.version() + ".";
    }

    private static void addGvk(ObjectNode schema, GroupVersionKind gvk) {
        if (schema == null) {
            return;
        }
        ArrayNode list = schema.has("x-kubernetes-group-version-kind")
                ? (ArrayNode) schema.get("x-kubernetes-group-version-kind")
                : schema.putArray("x-kubernetes-group-version-kind");
        ObjectNode entry = gvkNode(gvk);
        for (JsonNode existing : list) {
            if (existing.equals(entry)) {
                return;
            }
        }
        list.add(entry);
    }

    static ObjectNode gvkNode(GroupVersionKind gvk) {
        return KubeJson.object().put("group", gvk.group()).put("kind", gvk.kind()).put("version", gvk.version());
    }

    private static String sha512(byte[] bytes) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-512", e);
        }
    }

    /** The path items of one resource. */
    private record Operations(ResourceType type, String kindSchema, String listSchema) {

        void addTo(Map<String, ObjectNode> paths, String root, Map<String, ObjectNode> schemas) {
            String base = root + (type.namespaced() ? "/namespaces/{namespace}/" : "/") + type.plural();
            String item = base + "/{name}";

            ObjectNode collection = pathItem(false);
            collection.set("get", list(type.namespaced() ? "Namespaced" : "", ""));
            collection.set("post", create());
            collection.set("delete", deleteCollection());
            paths.put(base, collection);

            ObjectNode one = pathItem(true);
            one.set("get", read(type.gvk(), kindSchema, ""));
            one.set("put", replace(type.gvk(), kindSchema, ""));
            one.set("patch", patch(type.gvk(), kindSchema, ""));
            one.set("delete", delete());
            paths.put(item, one);

            if (type.namespaced()) {
                ObjectNode allNamespaces = KubeJson.object();
                allNamespaces.putArray("parameters").add(query("pretty", "string"));
                allNamespaces.set("get", list("", "ForAllNamespaces"));
                paths.put(root + "/" + type.plural(), allNamespaces);
            }
            if (type.subresources().contains("status")) {
                ObjectNode status = pathItem(true);
                status.set("get", read(type.gvk(), kindSchema, "Status"));
                status.set("put", replace(type.gvk(), kindSchema, "Status"));
                status.set("patch", patch(type.gvk(), kindSchema, "Status"));
                paths.put(item + "/status", status);
            }
            if (type.subresources().contains("scale")) {
                addComponents(schemas, Scale.class);
                addGvk(schemas.get(SCALE), SCALE_GVK);
                ObjectNode scale = pathItem(true);
                scale.set("get", read(SCALE_GVK, SCALE, "Scale"));
                scale.set("put", replace(SCALE_GVK, SCALE, "Scale"));
                scale.set("patch", patch(SCALE_GVK, SCALE, "Scale"));
                paths.put(item + "/scale", scale);
            }
        }

        private ObjectNode pathItem(boolean named) {
            ObjectNode item = KubeJson.object();
            ArrayNode params = item.putArray("parameters");
            if (named) {
                params.add(pathParam("name"));
            }
            if (type.namespaced()) {
                params.add(pathParam("namespace"));
            }
            params.add(query("pretty", "string"));
            return item;
        }

        private ObjectNode list(String namespaced, String suffix) {
            ObjectNode op = operation("list", namespaced + type.kind() + suffix, "list", type.gvk());
            params(op, "allowWatchBookmarks:boolean", "continue:string", "fieldSelector:string",
                    "labelSelector:string", "limit:integer", "resourceVersion:string", "resourceVersionMatch:string",
                    "sendInitialEvents:boolean", "timeoutSeconds:integer", "watch:boolean");
            responses(op, listSchema, "200");
            return op;
        }

        private ObjectNode create() {
            ObjectNode op = operation("create", namespacedKind(), "post", type.gvk());
            params(op, "dryRun:string", "fieldManager:string", "fieldValidation:string");
            body(op, kindSchema);
            responses(op, kindSchema, "200", "201", "202");
            return op;
        }

        private ObjectNode deleteCollection() {
            ObjectNode op = operation("deleteCollection", namespacedKind(), "deletecollection", type.gvk());
            params(op, "continue:string", "dryRun:string", "fieldSelector:string", "gracePeriodSeconds:integer",
                    "labelSelector:string", "limit:integer", "orphanDependents:boolean", "propagationPolicy:string",
                    "resourceVersion:string", "resourceVersionMatch:string", "sendInitialEvents:boolean",
                    "timeoutSeconds:integer");
            body(op, DELETE_OPTIONS).put("required", false);
            responses(op, STATUS, "200");
            return op;
        }

        private ObjectNode read(GroupVersionKind gvk, String schema, String sub) {
            ObjectNode op = operation("read", namespacedKind() + sub, "get", gvk);
            responses(op, schema, "200");
            return op;
        }

        private ObjectNode replace(GroupVersionKind gvk, String schema, String sub) {
            ObjectNode op = operation("replace", namespacedKind() + sub, "put", gvk);
            params(op, "dryRun:string", "fieldManager:string", "fieldValidation:string");
            body(op, schema);
            responses(op, schema, "200", "201");
            return op;
        }

        private ObjectNode patch(GroupVersionKind gvk, String schema, String sub) {
            ObjectNode op = operation("patch", namespacedKind() + sub, "patch", gvk);
            params(op, "dryRun:string", "fieldManager:string", "fieldValidation:string", "force:boolean");
            ObjectNode content = op.putObject("requestBody").put("required", true).putObject("content");
            for (String mediaType : PATCH_TYPES) {
                // Custom resources have no Go struct tags, so the apiserver rejects strategic merge for them.
                if (!(type.isCustom() && mediaType.equals("application/strategic-merge-patch+json"))) {
                    content.putObject(mediaType).set("schema", ModelSchemas.ref(PATCH));
                }
            }
            responses(op, schema, "200", "201");
            return op;
        }

        private ObjectNode delete() {
            ObjectNode op = operation("delete", namespacedKind(), "delete", type.gvk());
            params(op, "dryRun:string", "gracePeriodSeconds:integer", "orphanDependents:boolean",
                    "propagationPolicy:string");
            body(op, DELETE_OPTIONS).put("required", false);
            responses(op, STATUS, "200", "202");
            return op;
        }

        private String namespacedKind() {
            return (type.namespaced() ? "Namespaced" : "") + type.kind();
        }

        /** An operation with kube-openapi's operationId: verb, group, version, kind ({@code patchAppsV1NamespacedDeployment}). */
        private ObjectNode operation(String verb, String what, String action, GroupVersionKind gvk) {
            ObjectNode op = KubeJson.object();
            op.putArray("tags").add(groupId() + capitalize(type.version()));
            op.put("operationId", verb + groupId() + capitalize(type.version()) + what);
            op.put("x-kubernetes-action", action);
            op.set("x-kubernetes-group-version-kind", gvkNode(gvk));
            op.putArray("parameters");
            return op;
        }

        /** "Core", "Apps", "RbacAuthorization", "NetworkingIstioIo": kube-openapi's group part of an operationId. */
        private String groupId() {
            if (type.group().isEmpty()) {
                return "Core";
            }
            String group = type.group().endsWith(".k8s.io")
                    ? type.group().substring(0, type.group().length() - ".k8s.io".length()) : type.group();
            StringBuilder id = new StringBuilder();
            for (String part : group.split("[.-]")) {
                id.append(capitalize(part));
            }
            return id.toString();
        }

        private static void params(ObjectNode op, String... nameColonType) {
            ArrayNode params = (ArrayNode) op.get("parameters");
            for (String p : nameColonType) {
                int colon = p.indexOf(':');
                params.add(query(p.substring(0, colon), p.substring(colon + 1)));
            }
        }

        private static ObjectNode body(ObjectNode op, String schema) {
            ObjectNode body = op.putObject("requestBody");
            body.putObject("content").putObject("*/*").set("schema", ModelSchemas.ref(schema));
            body.put("required", true);
            return body;
        }

        private static void responses(ObjectNode op, String schema, String... codes) {
            ObjectNode responses = op.putObject("responses");
            for (String code : codes) {
                ObjectNode response = responses.putObject(code).put("description", switch (code) {
                    case "201" -> "Created";
                    case "202" -> "Accepted";
                    default -> "OK";
                });
                if (schema != null) {
                    ObjectNode content = response.putObject("content");
                    content.putObject("application/json").set("schema", ModelSchemas.ref(schema));
                    content.putObject("application/yaml").set("schema", ModelSchemas.ref(schema));
                }
            }
            responses.putObject("401").put("description", "Unauthorized");
        }

        private static ObjectNode pathParam(String name) {
            ObjectNode p = KubeJson.object().put("name", name).put("in", "path").put("required", true);
            p.putObject("schema").put("type", "string").put("uniqueItems", true);
            return p;
        }

        private static ObjectNode query(String name, String schemaType) {
            ObjectNode p = KubeJson.object().put("name", name).put("in", "query");
            p.putObject("schema").put("type", schemaType).put("uniqueItems", true);
            return p;
        }

        private static String capitalize(String s) {
            return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
        }
    }
}
