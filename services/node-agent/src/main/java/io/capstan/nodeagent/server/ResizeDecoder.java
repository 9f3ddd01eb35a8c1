package io.capstan.nodeagent.server;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Terminal sizes from the resize stream: JSON objects {@code {"Width":80,"Height":24}} one after
 * another, which over SPDY may arrive split across or joined in DATA frames.
 */
final class ResizeDecoder {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    interface Target {
        void resize(int width, int height);
    }

    /** Feeds bytes; calls {@code target} for every complete size. */
    void feed(byte[] data, Target target) {
        for (byte b : data) {
            pending.write(b);
            if (b == '}') {
                emit(pending.toByteArray(), target);
                pending.reset();
            }
        }
    }

    static void emit(byte[] json, Target target) {
        try {
            JsonNode size = KubeJson.MAPPER.readTree(json);
            int width = size.path("Width").asInt(0);
            int height = size.path("Height").asInt(0);
            if (width > 0 && height > 0) {
                target.resize(width, height);
            }
        } catch (IOException malformed) {
            // a size that does not parse changes nothing, as in the kubelet
        }
    }
}
