package io.capstan.controllers.common;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;

/**
 * A Jackson module that interns the short strings of deserialized objects. The informer caches
 * hold thousands of pods whose label values, images, container and port names, probe paths and
 * enum-like values ("Always", "TCP", "ClusterFirst") repeat; sharing one String for each saves a
 * tenth of the cache's heap, which the JVM's string deduplication (it shares only the bytes)
 * does not. Long strings (annotations such as last-applied-configuration) are rarely repeated
 * and are left alone.
 */
public final class InternedStrings {
    /** Strings up to this length are interned. */
    static final int MAX_LENGTH = 64;

    private InternedStrings() {
    }

    public static SimpleModule module() {
        return new SimpleModule("capstan-interned-strings").addDeserializer(String.class, new Deserializer());
    }

    private static final class Deserializer extends StdScalarDeserializer<String> {
        Deserializer() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String s = StringDeserializer.instance.deserialize(p, ctxt);
            return s != null && s.length() <= MAX_LENGTH ? s.intern() : s;
        }
    }
}
