package io.capstan.kubeproto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;
import io.capstan.kubeproto.WireSchema.Field;
import io.capstan.kubeproto.WireSchema.MessageSpec;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a Kubernetes protobuf message as the JSON Go's encoding/json would write for the same
 * object: Go field names, inlined structs lifted into their parent, omitempty zero values left
 * out, and the hand-written MarshalJSON of Time, Quantity, IntOrString and friends. Names and
 * inlining come from {@link WireSchema}, which reads them off the fabric8 model classes.
 */
final class ProtoToJson {
    private static final JsonNodeFactory NODES = KubeJson.NODES;
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSXXX")
            .withZone(ZoneOffset.UTC);

    private final WireSchema schema;

    ProtoToJson(WireSchema schema) {
        this.schema = schema;
    }

    /**
     * The JSON of a message read as the fabric8 class {@code model}; null for the messages whose Go
     * value marshals to null (zero Time).
     */
    JsonNode message(Message m, Class<?> model, String path) {
        MessageSpec spec = schema.spec(m.getDescriptorForType(), model);
        return switch (spec.shape()) {
            case STRUCT -> struct(m, spec, NODES.objectNode(), path);
            case TIME -> time(m, SECONDS);
            case MICRO_TIME -> time(m, MICROS);
            case QUANTITY -> NODES.textNode((String) m.getField(field(m, "string")));
            case INT_OR_STRING -> ((Long) m.getField(field(m, "type"))) == 1L
                    ? NODES.textNode((String) m.getField(field(m, "strVal")))
                    : NODES.numberNode((Integer) m.getField(field(m, "intVal")));
            case RAW_JSON -> rawJson((ByteString) m.getField(m.getDescriptorForType().getFields().get(0)), path);
            case LIST -> repeated(m, field(m, "items"), null, path);
        };
    }

    private ObjectNode struct(Message m, MessageSpec spec, ObjectNode out, String path) {
        for (Field f : spec.fields()) {
            FieldDescriptor fd = f.proto();
            if (fd.isRepeated()) {
                if (m.getRepeatedFieldCount(fd) > 0) {
                    String at = path + "." + f.json();
                    out.set(f.json(), fd.isMapField() ? map(m, fd, f.model(), at) : repeated(m, fd, f.model(), at));
                }
                continue;
            }
            if (!m.hasField(fd)) {
                continue;
            }
            Object value = m.getField(fd);
            if (f.inline()) {
                Message inner = (Message) value;
                struct(inner, schema.spec(inner.getDescriptorForType(), f.model()), out, path);
                continue;
            }
            // Go writes non-pointer fields even when zero; omitempty leaves those out again.
            if (!f.zeroIsAValue() && isGoZero(fd, value)) {
                continue;
            }
            JsonNode json = value(fd, value, f.model(), path + "." + f.json());
            if (json != null) {
                out.set(f.json(), json);
            }
        }
        return out;
    }

    /** Go's omitempty test for the scalar kinds a proto2 field can carry; structs are never empty. */
    private static boolean isGoZero(FieldDescriptor fd, Object value) {
        return switch (fd.getJavaType()) {
            case STRING -> ((String) value).isEmpty();
            case BYTE_STRING -> ((ByteString) value).isEmpty();
            case BOOLEAN -> !(Boolean) value;
            case INT, LONG, FLOAT, DOUBLE -> ((Number) value).doubleValue() == 0;
            default -> false;
        };
    }

    private JsonNode value(FieldDescriptor fd, Object value, Class<?> model, String path) {
        return switch (fd.getJavaType()) {
            case STRING -> NODES.textNode((String) value);
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case INT -> NODES.numberNode((Integer) value);
            // As a JSON parser would read it back, so decoded trees compare equal to parsed JSON.
            case LONG -> (Long) value == ((Long) value).intValue()
                    ? NODES.numberNode(((Long) value).intValue()) : NODES.numberNode((Long) value);
            case FLOAT -> NODES.numberNode((Float) value);
            case DOUBLE -> NODES.numberNode((Double) value);
            case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case MESSAGE -> message((Message) value, model, path);
            case ENUM -> NODES.textNode(value.toString());
        };
    }

    private ArrayNode repeated(Message m, FieldDescriptor fd, Class<?> model, String path) {
        ArrayNode out = NODES.arrayNode();
        int n = m.getRepeatedFieldCount(fd);
        for (int i = 0; i < n; i++) {
            JsonNode item = value(fd, m.getRepeatedField(fd, i), model, path + "[" + i + "]");
            out.add(item == null ? NODES.nullNode() : item);
        }
        return out;
    }

    /** Go writes map keys sorted; so do we, whatever order the entries came in. */
    private ObjectNode map(Message m, FieldDescriptor fd, Class<?> model, String path) {
        Descriptor entry = fd.getMessageType();
        FieldDescriptor key = entry.findFieldByName("key");
        FieldDescriptor val = entry.findFieldByName("value");
        Map<String, JsonNode> sorted = new TreeMap<>();
        for (Object o : (List<?>) m.getField(fd)) {
            Message e = (Message) o;
            String k = String.valueOf(e.getField(key));
            JsonNode v = value(val, e.getField(val), model, path + "[" + k + "]");
            sorted.put(k, v == null ? NODES.nullNode() : v);
        }
        ObjectNode out = NODES.objectNode();
        sorted.forEach(out::set);
        return out;
    }

    /** Go's zero Time travels as an empty message and marshals to null; we leave the field out. */
    private static JsonNode time(Message m, DateTimeFormatter format) {
        FieldDescriptor seconds = field(m, "seconds");
        FieldDescriptor nanos = field(m, "nanos");
        if (!m.hasField(seconds) && !m.hasField(nanos)) {
            return null;
        }
        Instant t = Instant.ofEpochSecond((Long) m.getField(seconds), (Integer) m.getField(nanos));
        return NODES.textNode(format.format(t));
    }

    private JsonNode rawJson(ByteString raw, String path) {
        if (raw.isEmpty()) {
            return null;
        }
        if (KubeProtobuf.hasMagic(raw.toByteArray())) {
            // An embedded object that a Go client serialized with the protobuf codec.
            return KubeProtobuf.decode(raw.toByteArray());
        }
        try {
            return KubeJson.MAPPER.readTree(raw.toByteArray());
        } catch (IOException e) {
            throw ApiException.badRequest("protobuf field " + JsonToProto.at(path) + " does not hold valid JSON: "
                    + e.getMessage());
        }
    }

    private static FieldDescriptor field(Message m, String name) {
        return m.getDescriptorForType().findFieldByName(name);
    }

}
