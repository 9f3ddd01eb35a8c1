package io.capstan.schema;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.AnnotationIntrospector;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.json.KubeJson;
import io.capstan.api.schema.FieldMeta;
import io.capstan.api.schema.PatchMeta;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Quantity;

import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * OpenAPI v3 schemas of fabric8 model classes, shaped and named as kube-openapi publishes them
 * for the Go types they mirror: objects with {@code properties}, lists with {@code items}, maps
 * with {@code additionalProperties}, references as {@code #/components/schemas/<name>} where the
 * name is the Go package path ({@code io.k8s.api.core.v1.PodSpec}), and the strategic-merge and
 * server-side-apply extensions from {@link PatchMeta} on the list and struct fields they govern.
 *
 * <p>The fabric8 models carry no field documentation (no {@code @JsonPropertyDescription}, no
 * embedded schema), so the schemas have no {@code description}s; nor do they mark required
 * fields, so no {@code required} lists are written.
 *
 * <p>Thread-safe. Schemas are built once per class and cached for the life of the JVM; the
 * public methods hand out copies.
 */
public final class ModelSchemas {
    /** Prefix of every local schema reference. */
    public static final String REF_PREFIX = "#/components/schemas/";

    static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    static final String TIME = META + "Time";
    static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    static final String INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

    private static final String K8S_MODEL = "io.fabric8.kubernetes.api.model.";
    private static final String ISTIO_API = "io.fabric8.istio.api.api.";
    private static final String ISTIO_KIND = "io.fabric8.istio.api.";
    private static final String UNWRAPPED_DESERIALIZER = "io.fabric8.kubernetes.model.jackson.JsonUnwrappedDeserializer";

    /**
     * The types of apimachinery's meta/v1 (and runtime, version) that fabric8 keeps in the core
     * model package beside core/v1; everything else there is core/v1.
     */
    private static final Set<String> META_TYPES = Set.of(
            "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference",
            "ManagedFieldsEntry", "FieldsV1", "Status", "StatusDetails", "StatusCause", "Condition",
            "DeleteOptions", "Preconditions", "MicroTime", "Time", "Duration", "APIResource", "APIResourceList",
            "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery", "ServerAddressByClientCIDR",
            "WatchEvent", "Patch", "ListOptions", "GetOptions", "CreateOptions", "UpdateOptions", "PatchOptions",
            "TypeMeta", "RootPaths", "Table", "TableColumnDefinition", "TableRow", "TableRowCondition",
            "PartialObjectMetadata", "PartialObjectMetadataList");

    /** Schemas of the scalar wrapper types, as kube-openapi's OpenAPIDefinition of each Go type. */
    private static final Map<String, ObjectNode> SCALARS = Map.of(
            QUANTITY, oneOfStringNumber(),
            INT_OR_STRING, intOrString(),
            TIME, dateTime(),
            META + "MicroTime", dateTime(),
            META + "Duration", KubeJson.object().put("type", "string"));

    private static final ConcurrentMap<Class<?>, Built> BY_CLASS = new ConcurrentHashMap<>();
    private static final ConcurrentMap<Class<?>, Map<String, ObjectNode>> CLOSURES = new ConcurrentHashMap<>();

    /**
     * One class's schema, the classes its schema references and the class-less scalar schemas
     * (metav1.Time) it references by name.
     */
    private record Built(String name, ObjectNode schema, Set<Class<?>> refs, Set<String> scalarRefs) {
    }

    private ModelSchemas() {
    }

    /**
     * The kube-openapi component name of a fabric8 model class: core model types map to
     * {@code io.k8s.api.core.v1.*} or, for apimachinery's types, {@code io.k8s.apimachinery.pkg.apis.meta.v1.*};
     * {@code io.fabric8.kubernetes.api.model.<group>[.<version>]} to {@code io.k8s.api.<group>.<version>};
     * apiextensions to {@code io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1}; Istio's kinds
     * ({@code io.fabric8.istio.api.networking.v1.VirtualService}) to {@code io.istio.networking.v1.VirtualService}
     * and their protobuf-generated specs to {@code istio.networking.v1alpha3.VirtualService}. Any other class
     * keeps its Java name.
     */
    public static String componentName(Class<?> type) {
        if (type == Quantity.class) {
            return QUANTITY;
        }
        if (type == IntOrString.class) {
            return INT_OR_STRING;
        }
        String javaName = type.getName().replace('$', '.');
        String simple = javaName.substring(javaName.lastIndexOf('.') + 1);
        String pkg = type.getPackageName();
        if (javaName.startsWith(K8S_MODEL)) {
            String sub = pkg.length() > K8S_MODEL.length() - 1 ? pkg.substring(K8S_MODEL.length()) : "";
            if (sub.isEmpty()) {
                return (META_TYPES.contains(simple) ? META : "io.k8s.api.core.v1.") + simple;
            }
            if (sub.equals("runtime") || sub.equals("version")) {
                return "io.k8s.apimachinery.pkg." + sub + "." + simple;
            }
            if (sub.startsWith("apiextensions.")) {
                return "io.k8s.apiextensions-apiserver.pkg.apis." + sub + "." + simple;
            }
            // fabric8 drops the version segment of some GA-only groups (apps, rbac, storage).
            String goPackage = sub.matches(".*\\.v\\d+\\w*") ? sub : sub + ".v1";
            return "io.k8s.api." + goPackage + "." + simple;
        }
        if (javaName.startsWith(ISTIO_API)) {
            return "istio." + javaName.substring(ISTIO_API.length());
        }
        if (javaName.startsWith(ISTIO_KIND)) {
            return "io.istio." + javaName.substring(ISTIO_KIND.length());
        }
        return javaName;
    }

    /** A copy of the schema of one model class (its properties reference other components). */
    public static ObjectNode schema(Class<?> type) {
        return built(type).schema().deepCopy();
    }

    /**
     * The schema of {@code root} and of every component it references, transitively, by component
     * name in name order. The returned nodes are copies the caller may change.
     */
    public static Map<String, ObjectNode> components(Class<?> root) {
        Map<String, ObjectNode> copy = new TreeMap<>();
        closure(root).forEach((name, schema) -> copy.put(name, schema.deepCopy()));
        return copy;
    }

    /** The shared, cached closure of {@code root}; callers in this package must not modify it. */
    static Map<String, ObjectNode> closure(Class<?> root) {
        return CLOSURES.computeIfAbsent(root, ModelSchemas::computeClosure);
    }

    /** A reference to a component: {@code {"$ref":"#/components/schemas/<name>"}}. */
    static ObjectNode ref(String componentName) {
        return KubeJson.object().put("$ref", REF_PREFIX + componentName);
    }

    private static Map<String, ObjectNode> computeClosure(Class<?> root) {
        Map<String, ObjectNode> all = new TreeMap<>();
        Deque<Class<?>> pending = new ArrayDeque<>();
        Set<Class<?>> seen = new LinkedHashSet<>();
        pending.add(root);
        while (!pending.isEmpty()) {
            Class<?> next = pending.poll();
            if (!seen.add(next)) {
                continue;
            }
            Built b = built(next);
            all.putIfAbsent(b.name(), b.schema());
            b.scalarRefs().forEach(name -> all.putIfAbsent(name, SCALARS.get(name)));
            pending.addAll(b.refs());
        }
        return Collections.unmodifiableMap(all);
    }

    /** Builds one class's schema without recursing into referenced classes, so cycles are harmless. */
    private static Built built(Class<?> type) {
        Built cached = BY_CLASS.get(type);
        if (cached != null) {
            return cached;
        }
        String name = componentName(type);
        Set<Class<?>> refs = new LinkedHashSet<>();
        ObjectNode schema = SCALARS.containsKey(name) ? SCALARS.get(name).deepCopy() : objectSchema(type, refs);
        Set<String> scalarRefs = new LinkedHashSet<>();
        collectScalarRefs(schema, scalarRefs);
        Built b = new Built(name, schema, Set.copyOf(refs), Set.copyOf(scalarRefs));
        Built raced = BY_CLASS.putIfAbsent(type, b);
        return raced == null ? b : raced;
    }

    private static void collectScalarRefs(JsonNode schema, Set<String> into) {
        JsonNode ref = schema.get("$ref");
        if (ref != null && ref.isTextual() && SCALARS.containsKey(ref.asText().substring(REF_PREFIX.length()))) {
            into.add(ref.asText().substring(REF_PREFIX.length()));
        }
        schema.forEach(child -> collectScalarRefs(child, into));
    }

    private static ObjectNode objectSchema(Class<?> type, Set<Class<?>> refs) {
        ObjectNode schema = KubeJson.object().put("type", "object");
        ObjectNode properties = KubeJson.object();
        addProperties(type, properties, refs);
        if (!properties.isEmpty()) {
            schema.set("properties", properties);
        } else if (hasAnySetter(type)) {
            // A class that is nothing but its additionalProperties (FieldsV1) holds free-form JSON.
            schema.put("x-kubernetes-preserve-unknown-fields", true);
        }
        return schema;
    }

    private static void addProperties(Class<?> type, ObjectNode properties, Set<Class<?>> refs) {
        SerializationConfig config = KubeJson.MAPPER.getSerializationConfig();
        BeanDescription desc = config.introspect(KubeJson.MAPPER.constructType(type));
        for (BeanPropertyDefinition prop : desc.findProperties()) {
            // Derived getters (HasMetadata.getFullResourceName and the like) are not wire fields.
            if (!prop.hasField() && !prop.hasSetter() && !prop.hasConstructorParameter()) {
                continue;
            }
            if (isUnwrapped(prop)) {
                // Istio's oneOf fields: the chosen alternative's field appears inline in the parent.
                for (Class<?> alternative : alternatives(prop.getPrimaryType().getRawClass())) {
                    addProperties(alternative, properties, refs);
                }
                continue;
            }
            ObjectNode schema = propertySchema(prop.getPrimaryType(), prop.getName(), type, refs);
            properties.set(prop.getName(), withPatchExtensions(schema, PatchMeta.of(type, prop.getName())));
        }
    }

    private static boolean isUnwrapped(BeanPropertyDefinition prop) {
        for (AnnotatedMember m : new AnnotatedMember[] {prop.getField(), prop.getGetter(), prop.getSetter()}) {
            if (m != null && m.hasAnnotation(JsonUnwrapped.class)) {
                return true;
            }
        }
        return false;
    }

    /** The concrete classes a polymorphic type may take: its {@code @JsonSubTypes}, or itself. */
    private static Set<Class<?>> alternatives(Class<?> type) {
        JsonSubTypes subTypes = type.getAnnotation(JsonSubTypes.class);
        if (subTypes == null) {
            return Set.of(type);
        }
        Set<Class<?>> all = new LinkedHashSet<>();
        for (JsonSubTypes.Type t : subTypes.value()) {
            all.add(t.value());
        }
        return all;
    }

    private static ObjectNode withPatchExtensions(ObjectNode schema, Optional<FieldMeta> meta) {
        if (meta.isEmpty()) {
            return schema;
        }
        FieldMeta m = meta.get();
        ObjectNode target = schema;
        if (schema.has("$ref")) {
            // kube-openapi v3 wraps a reference in allOf when it has siblings; $ref siblings are ignored by spec.
            target = KubeJson.object();
            target.putArray("allOf").add(schema);
        }
        if (m.mergeKey() != null) {
            target.put("x-kubernetes-patch-merge-key", m.mergeKey());
        }
        if (m.openApiPatchStrategy() != null) {
            target.put("x-kubernetes-patch-strategy", m.openApiPatchStrategy());
        }
        if (m.listType() != null) {
            target.put("x-kubernetes-list-type", m.listType());
            if ("map".equals(m.listType()) && !m.mapKeys().isEmpty()) {
                ArrayNode keys = target.putArray("x-kubernetes-list-map-keys");
                m.mapKeys().forEach(keys::add);
            }
        }
        return target;
    }

    private static ObjectNode propertySchema(JavaType type, String field, Class<?> owner, Set<Class<?>> refs) {
        Class<?> raw = type.getRawClass();
        if (raw == byte[].class) {
            return KubeJson.object().put("type", "string").put("format", "byte");
        }
        if (type.isArrayType() || type.isCollectionLikeType()) {
            ObjectNode array = KubeJson.object().put("type", "array");
            array.set("items", propertySchema(type.getContentType(), field, owner, refs));
            return array;
        }
        if (type.isMapLikeType()) {
            ObjectNode map = KubeJson.object().put("type", "object");
            map.set("additionalProperties", propertySchema(type.getContentType(), field, owner, refs));
            return map;
        }
        if (raw == String.class || raw == Character.class || raw == char.class) {
            return isTimestamp(field, owner) ? ref(TIME) : KubeJson.object().put("type", "string");
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return KubeJson.object().put("type", "boolean");
        }
        if (raw == Integer.class || raw == int.class || raw == Short.class || raw == short.class
                || raw == Byte.class || raw == byte.class) {
            return KubeJson.object().put("type", "integer").put("format", "int32");
        }
        if (raw == Long.class || raw == long.class || raw == BigInteger.class) {
            return KubeJson.object().put("type", "integer").put("format", "int64");
        }
        if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class
                || raw == BigDecimal.class) {
            return KubeJson.object().put("type", "number").put("format", "double");
        }
        if (raw.isEnum()) {
            ObjectNode e = KubeJson.object().put("type", "string");
            ArrayNode values = e.putArray("enum");
            for (Object constant : raw.getEnumConstants()) {
                values.add(KubeJson.MAPPER.convertValue(constant, String.class));
            }
            return e;
        }
        if (java.time.temporal.Temporal.class.isAssignableFrom(raw)) {
            // fabric8 models metav1.MicroTime fields of some kinds (Lease) as java.time values.
            return ref(META + "MicroTime");
        }
        if (raw == Quantity.class || raw == IntOrString.class || raw == MicroTime.class || raw == Duration.class) {
            refs.add(raw);
            return ref(componentName(raw));
        }
        if (isFreeForm(type)) {
            return KubeJson.object().put("x-kubernetes-preserve-unknown-fields", true);
        }
        if (raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) {
            // A polymorphic value without @JsonUnwrapped: any of the alternatives' fields may appear.
            ObjectNode union = KubeJson.object().put("type", "object");
            ObjectNode properties = KubeJson.object();
            for (Class<?> alternative : alternatives(raw)) {
                addProperties(alternative, properties, refs);
            }
            union.set("properties", properties);
            return union;
        }
        refs.add(raw);
        return ref(componentName(raw));
    }

    /**
     * Values whose shape the model does not pin down: untyped fields (Object, JsonNode), raw
     * extensions, interfaces without subtypes, and classes with hand-written (de)serializers such
     * as JSONSchemaPropsOrArray.
     */
    private static boolean isFreeForm(JavaType type) {
        Class<?> raw = type.getRawClass();
        if (raw == Object.class || JsonNode.class.isAssignableFrom(raw) || AnyType.class.isAssignableFrom(raw)) {
            return true;
        }
        if ((raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) && raw.getAnnotation(JsonSubTypes.class) == null) {
            return true;
        }
        SerializationConfig config = KubeJson.MAPPER.getSerializationConfig();
        AnnotationIntrospector introspector = config.getAnnotationIntrospector();
        var annotated = config.introspectClassAnnotations(type).getClassInfo();
        Object deserializer = introspector.findDeserializer(annotated);
        // fabric8's JsonUnwrappedDeserializer only implements @JsonUnwrapped for Istio's oneOf beans.
        boolean customDeserializer = deserializer != null && !(deserializer instanceof Class<?> c
                && c.getName().equals(UNWRAPPED_DESERIALIZER));
        return customDeserializer || introspector.findSerializer(annotated) != null;
    }

    /**
     * fabric8 models metav1.Time as a plain String; kube-openapi references Time for these
     * fields, which {@code kubectl explain} shows as {@code <Time>}. The Go field names follow a
     * fixed convention, so the name identifies them.
     */
    private static boolean isTimestamp(String field, Class<?> owner) {
        if (!owner.getName().startsWith(K8S_MODEL)) {
            return false;
        }
        return field.endsWith("Timestamp") || field.endsWith("Time") || field.equals("time")
                || field.equals("startedAt") || field.equals("finishedAt");
    }

    private static boolean hasAnySetter(Class<?> type) {
        BeanDescription desc = KubeJson.MAPPER.getDeserializationConfig()
                .introspect(KubeJson.MAPPER.constructType(type));
        return desc.findAnySetterAccessor() != null;
    }

    private static ObjectNode oneOfStringNumber() {
        ObjectNode s = KubeJson.object();
        ArrayNode oneOf = s.putArray("oneOf");
        oneOf.addObject().put("type", "string");
        oneOf.addObject().put("type", "number");
        return s;
    }

    private static ObjectNode intOrString() {
        ObjectNode s = KubeJson.object().put("x-kubernetes-int-or-string", true);
        ArrayNode anyOf = s.putArray("anyOf");
        anyOf.addObject().put("type", "integer");
        anyOf.addObject().put("type", "string");
        return s;
    }

    private static ObjectNode dateTime() {
        return KubeJson.object().put("type", "string").put("format", "date-time");
    }
}
