package io.capstan.kubeproto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Converts between Kubernetes' protobuf wire format ({@code application/vnd.kubernetes.protobuf})
 * and the Kubernetes JSON the rest of Capstan works with.
 *
 * <p>The wire format is the four bytes {@code k8s\0} followed by a {@code runtime.Unknown} whose
 * {@code typeMeta} names the kind and whose {@code raw} holds the object's message. The JSON produced
 * is what Go's encoding/json writes for the same object, so a body a client sent as protobuf reads
 * exactly like the body it would have sent as JSON. The schema is the stable (GA) API groups of
 * {@code io.kubernetes:client-java-proto} read through the fabric8 model classes (see
 * {@link WireSchema}); kinds or fields newer than that schema are refused with 415 rather than
 * decoded with data missing. All methods are thread-safe.
 */
public final class KubeProtobuf {
    /** The media type of Kubernetes protobuf bodies. */
    public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

    private static final byte[] MAGIC = {'k', '8', 's', 0};
    private static final String UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown";
    private static final Set<String> ENVELOPE_KEYS = Set.of("apiVersion", "kind");
    private static final String SCHEMA_SOURCE = "io.kubernetes:client-java-proto 24.0.0";

    private KubeProtobuf() {
    }

    /**
     * Whether a Content-Type (or Accept entry) names Kubernetes protobuf, ignoring parameters and
     * case. Null and blank are not protobuf.
     */
    public static boolean isProtobuf(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semi = contentType.indexOf(';');
        String base = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        return base.equals(MEDIA_TYPE);
    }

    /**
     * Decodes a protobuf request body into the Kubernetes JSON of the object, with
     * {@code apiVersion} and {@code kind} set from the envelope.
     *
     * <p>Fields the schema does not know (sent by a client built against a newer Kubernetes) are
     * not dropped silently: the body is refused with 415 so the client can send JSON instead.
     *
     * @throws ApiException 400 when the magic is missing or the envelope or object does not parse,
     *                      415 when the envelope names a content encoding or type other than plain
     *                      protobuf, a kind this schema has no message for, or the object carries
     *                      field numbers the schema does not know
     */
    public static ObjectNode decode(byte[] body) {
        if (!hasMagic(body)) {
            throw ApiException.badRequest("the protobuf body does not start with the Kubernetes magic bytes \"k8s\\x00\"");
        }
        WireSchema schema = WireSchema.INSTANCE;
        Descriptor unknownType = schema.message(UNKNOWN);
        DynamicMessage envelope;
        try {
            envelope = DynamicMessage.parseFrom(unknownType,
                    ByteString.copyFrom(body, MAGIC.length, body.length - MAGIC.length));
        } catch (InvalidProtocolBufferException e) {
            throw ApiException.badRequest("the protobuf envelope (runtime.Unknown) does not parse: " + e.getMessage());
        }
        String encoding = (String) envelope.getField(unknownType.findFieldByName("contentEncoding"));
        if (!encoding.isEmpty()) {
            throw new ApiException(415, "UnsupportedMediaType",
                    "protobuf content encoding \"" + encoding + "\" is not supported");
        }
        String contentType = (String) envelope.getField(unknownType.findFieldByName("contentType"));
        if (!contentType.isEmpty() && !isProtobuf(contentType)) {
            throw new ApiException(415, "UnsupportedMediaType",
                    "the protobuf envelope holds content of type \"" + contentType + "\"");
        }
        Message typeMeta = (Message) envelope.getField(unknownType.findFieldByName("typeMeta"));
        String apiVersion = (String) typeMeta.getField(typeMeta.getDescriptorForType().findFieldByName("apiVersion"));
        String kind = (String) typeMeta.getField(typeMeta.getDescriptorForType().findFieldByName("kind"));
        WireSchema.Kind type = schema.kind(apiVersion, kind);
        if (type == null) {
            throw new ApiException(415, "UnsupportedMediaType", "protobuf is not supported for kind \"" + kind
                    + "\" in \"" + apiVersion + "\" (the Kubernetes protobuf schema of " + SCHEMA_SOURCE
                    + " has no message for it); send it as application/json");
        }
        ByteString raw = (ByteString) envelope.getField(unknownType.findFieldByName("raw"));
        DynamicMessage object;
        try {
            object = DynamicMessage.parseFrom(type.descriptor(), raw);
        } catch (InvalidProtocolBufferException e) {
            throw ApiException.badRequest("the protobuf " + kind + " does not parse: " + e.getMessage());
        }
        rejectUnknownFields(object, kind);
        JsonNode json = new ProtoToJson(schema).message(object, type.model(), "");
        ObjectNode out = KubeJson.object();
        out.put("apiVersion", apiVersion);
        out.put("kind", kind);
        out.setAll((ObjectNode) json);
        return out;
    }

    /**
     * Encodes the Kubernetes JSON of an object (with {@code apiVersion} and {@code kind}) as a
     * protobuf body: magic, then a {@code runtime.Unknown} holding the object's message.
     *
     * <p>Strict where decoding is lenient: a JSON field without a protobuf counterpart (an unknown
     * or misspelled key, a type mismatch) fails rather than being dropped, so callers answering a
     * protobuf-only client can fall back or report it.
     *
     * @throws ApiException 406 when the kind has no protobuf message (answer in JSON instead),
     *                      400 when a field cannot be represented
     */
    public static byte[] encode(ObjectNode obj) {
        String apiVersion = obj.path("apiVersion").asText("");
        String kind = obj.path("kind").asText("");
        WireSchema schema = WireSchema.INSTANCE;
        WireSchema.Kind type = schema.kind(apiVersion, kind);
        if (type == null) {
            throw ApiException.notAcceptable("kind \"" + kind + "\" in \"" + apiVersion
                    + "\" has no protobuf representation");
        }
        Message message = new JsonToProto(schema).kind(type, obj, ENVELOPE_KEYS);
        Descriptor unknownType = schema.message(UNKNOWN);
        Descriptor typeMetaType = unknownType.findFieldByName("typeMeta").getMessageType();
        DynamicMessage typeMeta = DynamicMessage.newBuilder(typeMetaType)
                .setField(typeMetaType.findFieldByName("apiVersion"), apiVersion)
                .setField(typeMetaType.findFieldByName("kind"), kind)
                .build();
        // Go's serializer leaves contentEncoding and contentType empty but still writes them.
        DynamicMessage envelope = DynamicMessage.newBuilder(unknownType)
                .setField(unknownType.findFieldByName("typeMeta"), typeMeta)
                .setField(unknownType.findFieldByName("raw"), message.toByteString())
                .setField(unknownType.findFieldByName("contentEncoding"), "")
                .setField(unknownType.findFieldByName("contentType"), "")
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream(MAGIC.length + envelope.getSerializedSize());
        out.writeBytes(MAGIC);
        out.writeBytes(envelope.toByteArray());
        return out.toByteArray();
    }

    /**
     * Fails with 415 when the message or any message inside it holds field numbers the schema does
     * not know: decoding would drop them, and with them data the client meant to send.
     */
    private static void rejectUnknownFields(Message m, String kind) {
        if (!m.getUnknownFields().asMap().isEmpty()) {
            throw new ApiException(415, "UnsupportedMediaType", "the protobuf " + kind + " carries fields "
                    + m.getUnknownFields().asMap().keySet() + " of " + m.getDescriptorForType().getFullName()
                    + " that the Kubernetes protobuf schema of " + SCHEMA_SOURCE
                    + " does not know (the client is newer); send it as application/json");
        }
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            if (e.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (e.getKey().isRepeated()) {
                for (Object item : (List<?>) e.getValue()) {
                    rejectUnknownFields((Message) item, kind);
                }
            } else {
                rejectUnknownFields((Message) e.getValue(), kind);
            }
        }
    }

    static boolean hasMagic(byte[] body) {
        if (body == null || body.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (body[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }
}
