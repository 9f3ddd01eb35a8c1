package io.capstan.workloads.common;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.util.TokenBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Deep copies of fabric8 model objects, so the pure models never mutate their inputs. */
public final class Copies {
    private Copies() {
    }

    /**
     * Serializes {@code value} into a token buffer and reads it back: one pass each way, without
     * the JSON tree in between (half the time of a copy through {@code convertValue} of a tree,
     * which is what a bare {@code convertValue} would not copy at all: it returns an object of the
     * right type as it is).
     */
    @SuppressWarnings("unchecked")
    public static <T> T deepCopy(T value) {
        if (value == null) {
            return null;
        }
        try (TokenBuffer buffer = new TokenBuffer(KubeJson.MAPPER, false)) {
            KubeJson.MAPPER.writeValue(buffer, value);
            try (JsonParser parser = buffer.asParser(KubeJson.MAPPER)) {
                return (T) KubeJson.MAPPER.readValue(parser, value.getClass());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
