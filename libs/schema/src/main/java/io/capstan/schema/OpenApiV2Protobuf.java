package io.capstan.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import io.capstan.api.json.KubeJson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.regex.Pattern;

/**
 * The {@code GET /openapi/v2} body in protobuf: one Swagger 2.0 document for every served
 * group-version, encoded as gnostic's {@code openapi.v2.Document} message, which is what kubectl
 * up to 1.29 decodes ({@code proto.Unmarshal}) for field-validation support, {@code explain} and
 * apply's strategic merge patches. kubectl asks with {@code Accept: }{@link #ACCEPT}; the server
 * answers with {@code Content-Type: }{@link #CONTENT_TYPE}, as kube-openapi's handler does.
 *
 * <p>The document is converted from the {@link OpenApiV3} documents: the same URL paths with their
 * operations (operationId, parameters, body, a response schema per status code, consumes,
 * produces, {@code x-kubernetes-group-version-kind} and {@code x-kubernetes-action}), and
 * {@code definitions} made of every group-version's {@code components.schemas} with references
 * rewritten to {@code #/definitions/}. A v3 {@code allOf} that only wraps a reference (to give it
 * patch extensions) becomes the reference itself, as in the v2 documents kube-apiserver serves.
 * Schema constructs v2 cannot express ({@code anyOf}, {@code oneOf}, {@code nullable}) are dropped;
 * a schema that keeps no type is an arbitrary value for kubectl.
 *
 * <p>Vendor extension values are protobuf {@code Any} messages holding YAML text. The messages and
 * field numbers are those of gnostic's {@code openapiv2/OpenAPIv2.proto}; the wire format is
 * written directly, without generated classes.
 *
 * <p>The bytes are cached per {@link OpenApiV3} and rebuilt when the set of v3 document hashes
 * changes (a custom resource definition is added, changed or removed). Thread-safe.
 */
public final class OpenApiV2Protobuf {
    /** The media type kubectl sends in {@code Accept} for {@code GET /openapi/v2}. */
    public static final String ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
    /** The {@code Content-Type} of the answer, as kube-openapi returns it ('.' instead of '@'). */
    public static final String CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private static final String V3_REF = ModelSchemas.REF_PREFIX;
    private static final String V2_REF = "#/definitions/";
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch");
    private static final Set<String> V2_TYPES = Set.of("object", "array", "string", "integer", "number", "boolean");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_./-]*");
    private static final Set<String> YAML_WORDS = Set.of("true", "false", "yes", "no", "on", "off", "y", "n",
            "null");

    private static final Map<OpenApiV3, Cached> CACHE = new WeakHashMap<>();

    private record Cached(String key, byte[] bytes) {
    }

    private OpenApiV2Protobuf() {
    }

    /**
     * The protobuf-encoded Swagger 2.0 document of everything {@code v3} serves. The result is the
     * caller's own copy.
     */
    public static byte[] encode(OpenApiV3 v3) {
        ObjectNode index = v3.index();
        StringBuilder key = new StringBuilder();
        index.path("paths").properties().forEach(e ->
                key.append(e.getKey()).append('=').append(e.getValue().path("serverRelativeURL").asText()).append('\n'));
        synchronized (CACHE) {
            Cached cached = CACHE.get(v3);
            if (cached != null && cached.key().contentEquals(key)) {
                return cached.bytes().clone();
            }
        }
        byte[] bytes = build(v3, index);
        synchronized (CACHE) {
            CACHE.put(v3, new Cached(key.toString(), bytes));
        }
        return bytes.clone();
    }

    private static byte[] build(OpenApiV3 v3, ObjectNode index) {
        Map<String, JsonNode> paths = new TreeMap<>();
        Map<String, JsonNode> schemas = new TreeMap<>();
        for (Iterator<String> it = index.path("paths").fieldNames(); it.hasNext(); ) {
            v3.document(it.next()).ifPresent(doc -> {
                doc.path("paths").properties().forEach(e -> paths.putIfAbsent(e.getKey(), e.getValue()));
                doc.path("components").path("schemas").properties()
                        .forEach(e -> schemas.putIfAbsent(e.getKey(), e.getValue()));
            });
        }

        Msg document = new Msg();
        document.string(1, "2.0");                                          // Document.swagger
        document.message(2, new Msg().string(1, "Kubernetes").string(2, "unversioned")); // info: title, version
        Msg pathsMsg = new Msg();
        paths.forEach((path, item) -> pathsMsg.message(2, new Msg()        // Paths.path (NamedPathItem)
                .string(1, path).message(2, pathItem(item))));
        document.message(8, pathsMsg);                                      // Document.paths
        Msg definitions = new Msg();
        schemas.forEach((name, schema) -> definitions.message(1, new Msg() // Definitions.additional_properties
                .string(1, name).message(2, definition(name, schema))));
        document.message(9, definitions);                                   // Document.definitions
        return document.bytes();
    }

    // ---- paths ----

    /** PathItem: get=2 put=3 post=4 delete=5 options=6 head=7 patch=8 parameters=9. */
    private static Msg pathItem(JsonNode item) {
        Msg msg = new Msg();
        for (int i = 0; i < METHODS.size(); i++) {
            JsonNode op = item.get(METHODS.get(i));
            if (op instanceof ObjectNode) {
                msg.message(i + 2, operation(op));
            }
        }
        for (JsonNode p : item.path("parameters")) {
            msg.message(9, parametersItem(p));
        }
        return msg;
    }

    /**
     * Operation: tags=1 summary=2 description=3 operation_id=5 produces=6 consumes=7 parameters=8
     * responses=9 schemes=10 deprecated=11 vendor_extension=13.
     */
    private static Msg operation(JsonNode op) {
        Msg msg = new Msg();
        for (JsonNode tag : op.path("tags")) {
            msg.string(1, tag.asText());
        }
        msg.string(2, op.path("summary").asText(""));
        msg.string(3, op.path("description").asText(""));
        msg.string(5, op.path("operationId").asText(""));

        Set<String> produces = new LinkedHashSet<>();
        for (JsonNode response : op.path("responses")) {
            response.path("content").fieldNames().forEachRemaining(produces::add);
        }
        if (produces.isEmpty()) {
            produces.add("application/json");
        }
        produces.forEach(p -> msg.string(6, p));
        JsonNode requestBody = op.path("requestBody");
        requestBody.path("content").fieldNames().forEachRemaining(c -> msg.string(7, c));

        for (JsonNode p : op.path("parameters")) {
            msg.message(8, parametersItem(p));
        }
        if (requestBody.isObject()) {
            msg.message(8, bodyParameter(requestBody));
        }

        Msg responses = new Msg();                                          // Responses
        op.path("responses").properties().forEach(e -> {
            Msg response = new Msg().string(1, e.getValue().path("description").asText("")); // Response.description
            JsonNode schema = firstContentSchema(e.getValue());
            if (schema != null) {
                response.message(2, new Msg().message(1, schema(schema))); // Response.schema: SchemaItem.schema
            }
            responses.message(1, new Msg().string(1, e.getKey())           // Responses.response_code
                    .message(2, new Msg().message(1, response)));          // NamedResponseValue.value: ResponseValue.response
        });
        msg.message(9, responses);
        msg.string(10, "https");
        msg.bool(11, op.path("deprecated").asBoolean(false));
        extensions(op, msg, 13);
        return msg;
    }

    private static JsonNode firstContentSchema(JsonNode withContent) {
        JsonNode content = withContent.path("content");
        JsonNode json = content.path("application/json").path("schema");
        if (json.isObject()) {
            return json;
        }
        for (JsonNode media : content) {
            if (media.path("schema").isObject()) {
                return media.get("schema");
            }
        }
        return null;
    }

    /** ParametersItem.parameter=1 → Parameter.body_parameter=1 → BodyParameter. */
    private static Msg bodyParameter(JsonNode requestBody) {
        Msg body = new Msg()                                                // BodyParameter
                .string(1, requestBody.path("description").asText(""))
                .string(2, "body")
                .string(3, "body")
                .bool(4, requestBody.path("required").asBoolean(false));
        JsonNode schema = firstContentSchema(requestBody);
        body.message(5, schema(schema == null ? KubeJson.object() : schema));
        return new Msg().message(1, new Msg().message(1, body));
    }

    /**
     * ParametersItem.parameter=1 → Parameter.non_body_parameter=2 → NonBodyParameter with
     * header=1, query=3 or path=4 sub-schema. The query sub-schema has allow_empty_value at 5, so
     * its type and format are at 6 and 7; the path and header ones have them at 5 and 6.
     */
    private static Msg parametersItem(JsonNode p) {
        String in = p.path("in").asText("query");
        JsonNode schema = p.path("schema");
        String type = schema.path("type").asText("string");
        String format = schema.path("format").asText("");
        Msg sub = new Msg()
                .bool(1, p.path("required").asBoolean(false))
                .string(2, in)
                .string(3, p.path("description").asText(""))
                .string(4, p.path("name").asText());
        int choice;
        if (in.equals("path") || in.equals("header")) {
            sub.string(5, type).string(6, format);
            choice = in.equals("path") ? 4 : 1;
        } else {
            sub.string(6, type).string(7, format);
            choice = 3;
        }
        Msg nonBody = new Msg().message(choice, sub);
        return new Msg().message(1, new Msg().message(2, nonBody));
    }

    // ---- schemas ----

    /**
     * A top-level definition. Quantity and IntOrString, which v3 describes with oneOf/anyOf, are
     * strings with a format in v2, as kube-apiserver publishes them.
     */
    private static Msg definition(String name, JsonNode schema) {
        if (!schema.has("type") && !schema.has("$ref") && !schema.has("properties")) {
            if (name.equals(ModelSchemas.INT_OR_STRING)) {
                ObjectNode copy = schema.deepCopy();
                copy.put("type", "string").put("format", "int-or-string");
                return schema(copy);
            }
            if (name.equals(ModelSchemas.QUANTITY)) {
                ObjectNode copy = schema.deepCopy();
                copy.put("type", "string");
                return schema(copy);
            }
        }
        return schema(schema);
    }

    /**
     * Schema: _ref=1 format=2 title=3 description=4 default=5 multiple_of=6 maximum=7
     * exclusive_maximum=8 minimum=9 exclusive_minimum=10 max_length=11 min_length=12 pattern=13
     * max_items=14 min_items=15 unique_items=16 max_properties=17 min_properties=18 required=19
     * enum=20 additional_properties=21 type=22 items=23 all_of=24 properties=25 read_only=27
     * vendor_extension=31.
     */
    static Msg schema(JsonNode s) {
        Msg msg = new Msg();
        JsonNode ref = s.get("$ref");
        JsonNode allOf = s.get("allOf");
        if (ref == null && allOf != null && allOf.size() == 1 && allOf.get(0).has("$ref")
                && !s.has("type") && !s.has("properties")) {
            ref = allOf.get(0).get("$ref");
            allOf = null;
        }
        if (ref != null) {
            // kube-openapi's parser rejects a reference with a type or properties beside it.
            msg.string(1, rewriteRef(ref.asText()));
            msg.string(4, s.path("description").asText(""));
            extensions(s, msg, 31);
            return msg;
        }
        msg.string(2, s.path("format").asText(""));
        msg.string(3, s.path("title").asText(""));
        msg.string(4, s.path("description").asText(""));
        if (s.has("default")) {
            msg.message(5, any(s.get("default")));
        }
        doubleIf(msg, 6, s.get("multipleOf"));
        doubleIf(msg, 7, s.get("maximum"));
        msg.bool(8, s.path("exclusiveMaximum").asBoolean(false));
        doubleIf(msg, 9, s.get("minimum"));
        msg.bool(10, s.path("exclusiveMinimum").asBoolean(false));
        longIf(msg, 11, s.get("maxLength"));
        longIf(msg, 12, s.get("minLength"));
        msg.string(13, s.path("pattern").asText(""));
        longIf(msg, 14, s.get("maxItems"));
        longIf(msg, 15, s.get("minItems"));
        msg.bool(16, s.path("uniqueItems").asBoolean(false));
        longIf(msg, 17, s.get("maxProperties"));
        longIf(msg, 18, s.get("minProperties"));
        for (JsonNode r : s.path("required")) {
            msg.string(19, r.asText());
        }
        for (JsonNode e : s.path("enum")) {
            msg.message(20, any(e));
        }
        JsonNode additional = s.get("additionalProperties");
        if (additional != null && additional.isBoolean()) {
            msg.message(21, new Msg().bool(2, additional.asBoolean(), true)); // AdditionalPropertiesItem.boolean
        } else if (additional != null && additional.isObject()) {
            msg.message(21, new Msg().message(1, schema(additional)));         // AdditionalPropertiesItem.schema
        }
        String type = v2Type(s.get("type"));
        if (type != null) {
            msg.message(22, new Msg().string(1, type));                        // TypeItem.value
        }
        JsonNode items = s.get("items");
        if (items != null && items.isObject()) {
            msg.message(23, new Msg().message(1, schema(items)));              // ItemsItem.schema
        } else if (items != null && items.isArray() && !items.isEmpty()) {
            msg.message(23, new Msg().message(1, schema(items.get(0))));
        } else if ("array".equals(type)) {
            // kubectl's parser requires exactly one item schema; an unspecified one is any value.
            msg.message(23, new Msg().message(1, new Msg()));
        }
        if (allOf != null) {
            for (JsonNode part : allOf) {
                msg.message(24, schema(part));
            }
        }
        JsonNode properties = s.get("properties");
        if (properties != null && properties.isObject()) {
            Msg props = new Msg();                                             // Properties
            properties.properties().forEach(e -> props.message(1, new Msg()  // additional_properties: NamedSchema
                    .string(1, e.getKey()).message(2, schema(e.getValue()))));
            msg.message(25, props);
        }
        msg.bool(27, s.path("readOnly").asBoolean(false));
        extensions(s, msg, 31);
        return msg;
    }

    private static String v2Type(JsonNode type) {
        if (type == null) {
            return null;
        }
        if (type.isTextual()) {
            return V2_TYPES.contains(type.asText()) ? type.asText() : null;
        }
        for (JsonNode t : type) {
            if (V2_TYPES.contains(t.asText())) {
                return t.asText();
            }
        }
        return null;
    }

    private static String rewriteRef(String ref) {
        return ref.startsWith(V3_REF) ? V2_REF + ref.substring(V3_REF.length()) : ref;
    }

    private static void doubleIf(Msg msg, int field, JsonNode value) {
        if (value != null && value.isNumber()) {
            msg.doubleValue(field, value.asDouble());
        }
    }

    private static void longIf(Msg msg, int field, JsonNode value) {
        if (value != null && value.canConvertToLong()) {
            msg.int64(field, value.asLong());
        }
    }

    /** Every {@code x-} member as a NamedAny (name=1, value=2). */
    private static void extensions(JsonNode node, Msg msg, int field) {
        node.properties().forEach(e -> {
            if (e.getKey().startsWith("x-")) {
                msg.message(field, new Msg().string(1, e.getKey()).message(2, any(e.getValue())));
            }
        });
    }

    /** Any: yaml=2 (field 1, a google.protobuf.Any, is unused). */
    private static Msg any(JsonNode value) {
        return new Msg().string(2, yaml(value), true);
    }

    // ---- YAML ----

    /** Block-style YAML of a JSON value, as kube-openapi marshals extension values. */
    static String yaml(JsonNode value) {
        StringBuilder out = new StringBuilder();
        if (isContainer(value) && !value.isEmpty()) {
            emit(value, 0, false, out);
        } else {
            out.append(scalar(value)).append('\n');
        }
        return out.toString();
    }

    private static boolean isContainer(JsonNode v) {
        return v.isObject() || v.isArray();
    }

    /** Writes a non-empty container at {@code indent}; with {@code inline} its first line follows a "- ". */
    private static void emit(JsonNode value, int indent, boolean inline, StringBuilder out) {
        boolean first = true;
        if (value.isObject()) {
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                if (!(first && inline)) {
                    out.append(" ".repeat(indent));
                }
                first = false;
                out.append(scalarString(e.getKey())).append(':');
                JsonNode child = e.getValue();
                if (isContainer(child) && !child.isEmpty()) {
                    out.append('\n');
                    emit(child, indent + 2, false, out);
                } else {
                    out.append(' ').append(scalar(child)).append('\n');
                }
            }
        } else {
            for (JsonNode child : value) {
                if (!(first && inline)) {
                    out.append(" ".repeat(indent));
                }
                first = false;
                out.append('-');
                if (isContainer(child) && !child.isEmpty()) {
                    out.append(' ');
                    emit(child, indent + 2, true, out);
                } else {
                    out.append(' ').append(scalar(child)).append('\n');
                }
            }
        }
    }

    private static String scalar(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "null";
        }
        if (v.isObject()) {
            return "{}";
        }
        if (v.isArray()) {
            return "[]";
        }
        if (v.isTextual()) {
            return scalarString(v.asText());
        }
        return v.toString();
    }

    private static String scalarString(String s) {
        if (PLAIN.matcher(s).matches() && !YAML_WORDS.contains(s.toLowerCase(Locale.ROOT))) {
            return s;
        }
        try {
            // A JSON string is a YAML double-quoted scalar.
            return KubeJson.MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serializes", e);
        }
    }

    // ---- wire format ----

    /** One protobuf message being written; fields at their default values are omitted, as proto3 does. */
    static final class Msg {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(buffer, 256);

        Msg string(int field, String value) {
            return string(field, value, false);
        }

        Msg string(int field, String value, boolean evenIfEmpty) {
            if (value == null || (value.isEmpty() && !evenIfEmpty)) {
                return this;
            }
            return write(() -> out.writeString(field, value));
        }

        Msg bool(int field, boolean value) {
            return bool(field, value, false);
        }

        /** A bool inside a oneof is written even when false, so the choice is recorded. */
        Msg bool(int field, boolean value, boolean evenIfFalse) {
            return value || evenIfFalse ? write(() -> out.writeBool(field, value)) : this;
        }

        Msg int64(int field, long value) {
            return write(() -> out.writeInt64(field, value));
        }

        Msg doubleValue(int field, double value) {
            return write(() -> out.writeDouble(field, value));
        }

        Msg message(int field, Msg value) {
            byte[] bytes = value.bytes();
            return write(() -> out.writeByteArray(field, bytes));
        }

        byte[] bytes() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return buffer.toByteArray();
        }

        private Msg write(IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }
}
