package io.capstan.mesh.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A type's version is a hash of its content (SHA-256 of each message's deterministic
 * serialization, then of those digests in order), so the same resources always have the same
 * version and an unchanged type is never pushed again.
 *
 * <p>Digests are remembered by message identity: the translator reuses the message objects of
 * unchanged Services, so a rebuild hashes only what changed. {@link #nextGeneration()} forgets the
 * digests of messages that were not used since the previous generation.
 *
 * <p>Not thread-safe: used under the publisher's lock.
 */
final class TypeVersions {
    private Map<Message, byte[]> digests = new IdentityHashMap<>();
    private Map<Message, byte[]> used = new IdentityHashMap<>();
    private final Map<List<?>, String> listVersions = new IdentityHashMap<>();

    /** The version of {@code resources} (16 hex digits). */
    String version(List<? extends Message> resources) {
        String known = listVersions.get(resources);
        if (known != null) {
            return known;
        }
        MessageDigest all = sha256();
        for (Message m : resources) {
            all.update(digest(m));
        }
        String version = HexFormat.of().formatHex(all.digest(), 0, 8);
        listVersions.put(resources, version);
        return version;
    }

    private byte[] digest(Message m) {
        byte[] d = used.get(m);
        if (d != null) {
            return d;
        }
        d = digests.get(m);
        if (d == null) {
            d = sha256().digest(deterministicBytes(m));
        }
        used.put(m, d);
        return d;
    }

    /** Starts a rebuild: list versions are forgotten, message digests used since the last call are kept. */
    void nextGeneration() {
        digests = used;
        used = new IdentityHashMap<>(Math.max(16, digests.size()));
        listVersions.clear();
    }

    static byte[] deterministicBytes(Message m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(m.getSerializedSize());
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        coded.useDeterministicSerialization();
        try {
            m.writeTo(coded);
            coded.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the type is part of the content: two types may serialize to the same bytes
        byte[] type = m.getDescriptorForType().getFullName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteBuffer.allocate(type.length + out.size()).put(type).put(out.toByteArray()).array();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
