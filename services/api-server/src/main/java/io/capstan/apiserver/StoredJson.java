package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Objects as the client sees them, made from their stored bytes without decoding and encoding
 * the whole object again: a stored object has no {@code metadata.resourceVersion} (it is the
 * etcd mod revision), so the answer is the stored JSON with {@code "resourceVersion":"N"}
 * appended to its metadata, which is where setting it on the decoded tree puts it too.
 */
final class StoredJson {
    private StoredJson() {
    }

    /**
     * The offset of the closing brace of the top-level {@code metadata} object in compact JSON,
     * negated minus one when metadata is empty ({@code -(offset + 1)}); {@link Integer#MIN_VALUE}
     * when the bytes cannot be spliced (no metadata object, a resourceVersion already there, line
     * breaks, or not a JSON object).
     */
    static int metadataEnd(byte[] json) {
        for (byte b : json) {
            if (b == '\n' || b == '\r') {
                return Integer.MIN_VALUE;
            }
        }
        try (JsonParser p = KubeJson.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Integer.MIN_VALUE;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean metadata = "metadata".equals(p.currentName());
                JsonToken value = p.nextToken();
                if (!metadata) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_OBJECT) {
                    return Integer.MIN_VALUE;
                }
                boolean empty = true;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    if ("resourceVersion".equals(p.currentName())) {
                        return Integer.MIN_VALUE;
                    }
                    empty = false;
                    p.nextToken();
                    p.skipChildren();
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    return Integer.MIN_VALUE;
                }
                long offset = p.currentTokenLocation().getByteOffset();
                if (offset < 0 || offset >= json.length || json[(int) offset] != '}') {
                    return Integer.MIN_VALUE;
                }
                return empty ? -((int) offset + 1) : (int) offset;
            }
            return Integer.MIN_VALUE;
        } catch (IOException | RuntimeException e) {
            return Integer.MIN_VALUE;
        }
    }

    /**
     * The stored object with its resourceVersion, written to a buffer after {@code prefix} and
     * before {@code suffix} (both may be null); null when the bytes cannot be spliced.
     */
    static Buffer withResourceVersion(byte[] stored, long revision, byte[] prefix, byte[] suffix) {
        int end = metadataEnd(stored);
        if (end == Integer.MIN_VALUE) {
            return null;
        }
        boolean empty = end < 0;
        int at = empty ? -(end + 1) : end;
        byte[] rv = ((empty ? "" : ",") + "\"resourceVersion\":\"" + revision + "\"").getBytes(StandardCharsets.US_ASCII);
        int size = stored.length + rv.length + (prefix == null ? 0 : prefix.length) + (suffix == null ? 0 : suffix.length);
        Buffer out = Buffer.buffer(size);
        if (prefix != null) {
            out.appendBytes(prefix);
        }
        out.appendBytes(stored, 0, at).appendBytes(rv).appendBytes(stored, at, stored.length - at);
        if (suffix != null) {
            out.appendBytes(suffix);
        }
        return out;
    }

    private static final byte[] CLOSE = {'}'};

    /**
     * {@code {"type":eventType,"object":o}}, o being the stored object with its resourceVersion;
     * the stored bytes are spliced, not decoded, unless they cannot be, and then o is decoded and
     * encoded again. A watch stream's and the change feed's event.
     */
    static byte[] watchEvent(String eventType, byte[] stored, long revision) {
        byte[] head = ("{\"type\":\"" + eventType + "\",\"object\":").getBytes(StandardCharsets.UTF_8);
        Buffer spliced = withResourceVersion(stored, revision, head, CLOSE);
        return spliced != null ? spliced.getBytes()
                : watchEvent(head, ResourceStore.withRevision((ObjectNode) KubeJson.read(stored), revision));
    }

    private static byte[] watchEvent(byte[] head, JsonNode object) {
        byte[] obj = KubeJson.bytes(object);
        byte[] out = new byte[head.length + obj.length + 1];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(obj, 0, out, head.length, obj.length);
        out[out.length - 1] = '}';
        return out;
    }

    /** {@link #withResourceVersion(byte[], long, byte[], byte[])} as bytes, or null. */
    static byte[] bytesWithResourceVersion(byte[] stored, long revision) {
        Buffer b = withResourceVersion(stored, revision, null, null);
        return b == null ? null : b.getBytes();
    }
}
