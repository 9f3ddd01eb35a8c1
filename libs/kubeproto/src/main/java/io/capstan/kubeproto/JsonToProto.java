package io.capstan.kubeproto;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;
import io.capstan.kubeproto.WireSchema.Field;
import io.capstan.kubeproto.WireSchema.MessageSpec;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Builds a Kubernetes protobuf message from Kubernetes JSON, the inverse of {@link ProtoToJson}.
 * Strict: a JSON key the message has no field for is an error, because dropping it would
 * silently lose data.
 */
final class JsonToProto {
    private static final Set<String> TYPE_META = Set.of("apiVersion", "kind");

    private final WireSchema schema;

    JsonToProto(WireSchema schema) {
        this.schema = schema;
    }

    /** The message for the JSON of a kind; {@code ignore} lists top-level keys the envelope carries. */
    Message kind(WireSchema.Kind kind, JsonNode json, Set<String> ignore) {
        Descriptor d = kind.descriptor();
        if (!json.isObject()) {
            throw ApiException.badRequest("the object must be a JSON object");
        }
        DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
        Set<String> used = new HashSet<>(ignore);
        struct(b, schema.spec(d, kind.model()), json, "", used);
        unknownKeys(json, used, "");
        return b.build();
    }

    private Message message(Descriptor d, Class<?> model, JsonNode json, String path) {
        MessageSpec spec = schema.spec(d, model);
        DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
        switch (spec.shape()) {
            case STRUCT -> {
                expect(json.isObject(), path, "an object");
                // A kind nested in another object (list items, volumeClaimTemplates) loses its
                // TypeMeta on the wire, exactly as with Go clients: protobuf has no field for it.
                Set<String> used = new HashSet<>(schema.isKind(d) ? TYPE_META : Set.of());
                struct(b, spec, json, path, used);
                unknownKeys(json, used, path);
            }
            case TIME, MICRO_TIME -> {
                expect(json.isTextual(), path, "an RFC 3339 time");
                Instant t = parseTime(json.asText(), path);
                b.setField(d.findFieldByName("seconds"), t.getEpochSecond());
                if (spec.shape() == WireSchema.Shape.MICRO_TIME) {
                    b.setField(d.findFieldByName("nanos"), t.getNano());
                }
            }
            case QUANTITY -> {
                expect(json.isTextual() || json.isNumber(), path, "a quantity");
                b.setField(d.findFieldByName("string"), json.asText());
            }
            case INT_OR_STRING -> {
                expect(json.isTextual() || json.isIntegralNumber(), path, "an integer or a string");
                if (json.isTextual()) {
                    b.setField(d.findFieldByName("type"), 1L);
                    b.setField(d.findFieldByName("strVal"), json.asText());
                } else {
                    b.setField(d.findFieldByName("type"), 0L);
                    b.setField(d.findFieldByName("intVal"), json.intValue());
                }
            }
            case RAW_JSON -> b.setField(d.getFields().get(0), ByteString.copyFrom(KubeJson.bytes(json)));
            case LIST -> repeated(b, d.findFieldByName("items"), null, json, path);
        }
        return b.build();
    }

    private void struct(DynamicMessage.Builder b, MessageSpec spec, JsonNode json, String path, Set<String> used) {
        for (Field f : spec.fields()) {
            FieldDescriptor fd = f.proto();
            if (f.inline()) {
                Descriptor inner = fd.getMessageType();
                DynamicMessage.Builder ib = DynamicMessage.newBuilder(inner);
                int before = used.size();
                struct(ib, schema.spec(inner, f.model()), json, path, used);
                if (used.size() > before) {
                    b.setField(fd, ib.build());
                }
                continue;
            }
            JsonNode v = json.get(f.json());
            if (v == null) {
                continue;
            }
            used.add(f.json());
            if (v.isNull()) {
                continue;
            }
            String at = path + "." + f.json();
            if (fd.isMapField()) {
                map(b, fd, f.model(), v, at);
            } else if (fd.isRepeated()) {
                repeated(b, fd, f.model(), v, at);
            } else if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                b.setField(fd, message(fd.getMessageType(), f.model(), v, at));
            } else {
                b.setField(fd, scalar(fd, v, at));
            }
        }
    }

    private void repeated(DynamicMessage.Builder b, FieldDescriptor fd, Class<?> model, JsonNode v, String path) {
        expect(v.isArray(), path, "an array");
        for (int i = 0; i < v.size(); i++) {
            String at = path + "[" + i + "]";
            b.addRepeatedField(fd, fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    ? message(fd.getMessageType(), model, v.get(i), at) : scalar(fd, v.get(i), at));
        }
    }

    private void map(DynamicMessage.Builder b, FieldDescriptor fd, Class<?> model, JsonNode v, String path) {
        expect(v.isObject(), path, "an object");
        Descriptor entry = fd.getMessageType();
        FieldDescriptor key = entry.findFieldByName("key");
        FieldDescriptor val = entry.findFieldByName("value");
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = path + "[" + e.getKey() + "]";
            DynamicMessage.Builder eb = DynamicMessage.newBuilder(entry).setField(key, e.getKey());
            if (!e.getValue().isNull()) {
                eb.setField(val, val.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                        ? message(val.getMessageType(), model, e.getValue(), at) : scalar(val, e.getValue(), at));
            }
            b.addRepeatedField(fd, eb.build());
        }
    }

    private static Object scalar(FieldDescriptor fd, JsonNode v, String path) {
        switch (fd.getJavaType()) {
            case STRING -> {
                expect(v.isTextual(), path, "a string");
                return v.asText();
            }
            case BOOLEAN -> {
                expect(v.isBoolean(), path, "a boolean");
                return v.booleanValue();
            }
            case INT -> {
                expect(v.canConvertToInt() || isIntegerText(v), path, "a 32-bit integer");
                return v.isTextual() ? Integer.parseInt(v.asText()) : v.intValue();
            }
            case LONG -> {
                // int64 may arrive as a string from protobuf-JSON writers; Kubernetes JSON uses numbers.
                expect(v.canConvertToLong() || isIntegerText(v), path, "an integer");
                return v.isTextual() ? Long.parseLong(v.asText()) : v.longValue();
            }
            case FLOAT -> {
                expect(v.isNumber(), path, "a number");
                return v.floatValue();
            }
            case DOUBLE -> {
                expect(v.isNumber(), path, "a number");
                return v.doubleValue();
            }
            case BYTE_STRING -> {
                expect(v.isTextual(), path, "a base64 string");
                try {
                    return ByteString.copyFrom(Base64.getDecoder().decode(v.asText()));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest(at(path) + ": illegal base64 data: " + e.getMessage());
                }
            }
            default -> throw ApiException.badRequest(at(path) + ": unsupported field type " + fd.getType());
        }
    }

    private static boolean isIntegerText(JsonNode v) {
        return v.isTextual() && v.asText().matches("-?\\d{1,19}");
    }

    private static Instant parseTime(String text, String path) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(at(path) + ": not an RFC 3339 time: " + text);
        }
    }

    private static void unknownKeys(JsonNode json, Set<String> used, String path) {
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!used.contains(k)) {
                throw ApiException.badRequest("field " + (path.isEmpty() ? "" : at(path) + ".") + k
                        + " has no protobuf counterpart; it cannot be encoded as application/vnd.kubernetes.protobuf");
            }
        }
    }

    private static void expect(boolean ok, String path, String what) {
        if (!ok) {
            throw ApiException.badRequest(at(path) + ": expected " + what);
        }
    }

    /** The field path without its leading dot, for error messages. */
    static String at(String path) {
        return path.isEmpty() ? "(the object)" : path.substring(1);
    }
}
