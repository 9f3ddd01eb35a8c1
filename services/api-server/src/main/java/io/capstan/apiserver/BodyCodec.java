package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.ApiException;
import io.capstan.kubeproto.KubeProtobuf;
import io.capstan.schema.UnknownFields;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns request bodies into JSON trees: JSON, YAML and Kubernetes protobuf, with the checks
 * kube-apiserver's decoders make (apiVersion and kind against the URL, filled in when absent;
 * unknown and duplicate fields under {@code fieldValidation}).
 */
final class BodyCodec {
    private static final ObjectMapper STRICT_JSON = KubeJson.MAPPER.copy()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private BodyCodec() {
    }

    /** Parses a body of any supported media type into a JSON tree (not necessarily an object). */
    static JsonNode parse(byte[] body, String contentType, boolean detectDuplicates) {
        String base = MediaTypes.base(contentType);
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("the request body is empty");
        }
        if (MediaTypes.PROTOBUF.equals(base)) {
            return KubeProtobuf.decode(body);
        }
        try {
            if (base == null || base.equals(MediaTypes.JSON) || base.endsWith("+json")) {
                return (detectDuplicates ? STRICT_JSON : KubeJson.MAPPER).readTree(body);
            }
            if (base.equals(MediaTypes.YAML) || base.equals("application/x-yaml") || base.equals("text/yaml")
                    || base.equals(MediaTypes.APPLY_PATCH)) {
                JsonNode n = KubeJson.YAML.readTree(body);
                return n == null ? KubeJson.NODES.missingNode() : n;
            }
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.startsWith("Duplicate field")) {
                throw ApiException.badRequest("strict decoding error: json: duplicate field " + msg.substring(msg.indexOf('\'')).replace('\'', '"'));
            }
            throw ApiException.badRequest("couldn't decode the request body: " + (msg == null ? e.getMessage() : msg));
        } catch (IOException e) {
            throw ApiException.badRequest("couldn't read the request body: " + e.getMessage());
        }
        throw ApiException.unsupportedMediaType(contentType);
    }

    /**
     * Decodes an object body for a create or update of {@code type}: must be an object, apiVersion
     * and kind default to the URL's and must match it, unknown fields are rejected (Strict) or
     * reported as warnings (Warn).
     */
    static ObjectNode decodeObject(byte[] body, String contentType, ResourceType type, WriteOptions options) {
        JsonNode n = parse(body, contentType, options.fieldValidation() == WriteOptions.FieldValidation.STRICT);
        if (!(n instanceof ObjectNode obj)) {
            throw ApiException.badRequest("the request body must be a JSON or YAML object, got " + n.getNodeType());
        }
        checkTypeMeta(obj, type);
        checkUnknownFields(obj, type, options);
        return obj;
    }

    static void checkTypeMeta(ObjectNode obj, ResourceType type) {
        String apiVersion = obj.path("apiVersion").asText("");
        String kind = obj.path("kind").asText("");
        if (apiVersion.isEmpty()) {
            obj.put("apiVersion", type.apiVersion());
        } else if (!apiVersion.equals(type.apiVersion())) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion
                    + ") does not match the expected API version (" + type.apiVersion() + ")");
        }
        if (kind.isEmpty()) {
            obj.put("kind", type.kind());
        } else if (!kind.equals(type.kind())) {
            throw ApiException.badRequest("the kind in the data (" + kind + ") does not match the expected kind ("
                    + type.kind() + ")");
        }
        if (obj.has("metadata") && !obj.get("metadata").isObject()) {
            throw ApiException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
                    + type.kind() + ": metadata must be an object");
        }
    }

    static void checkUnknownFields(ObjectNode obj, ResourceType type, WriteOptions options) {
        if (options.fieldValidation() == WriteOptions.FieldValidation.IGNORE) {
            return;
        }
        List<String> unknown = UnknownFields.find(type, obj);
        if (unknown.isEmpty()) {
            return;
        }
        if (options.fieldValidation() == WriteOptions.FieldValidation.STRICT) {
            throw ApiException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
                    + type.kind() + ": strict decoding error: "
                    + unknown.stream().map(f -> "unknown field \"" + strip(f) + "\"").collect(Collectors.joining(", ")));
        }
        unknown.forEach(f -> options.warn("unknown field \"" + strip(f) + "\""));
    }

    private static String strip(String field) {
        return field.startsWith(".") ? field.substring(1) : field;
    }
}
