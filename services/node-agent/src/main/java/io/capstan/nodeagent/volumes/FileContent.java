package io.capstan.nodeagent.volumes;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** One file of a projected volume: its bytes and permission bits (0644 is 420). */
public record FileContent(byte[] data, int mode) {
    public static FileContent text(String text, int mode) {
        return new FileContent(text.getBytes(StandardCharsets.UTF_8), mode);
    }

    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileContent f && f.mode == mode && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + mode;
    }

    @Override
    public String toString() {
        return "FileContent[" + data.length + " bytes, mode " + Integer.toOctalString(mode) + "]";
    }
}
