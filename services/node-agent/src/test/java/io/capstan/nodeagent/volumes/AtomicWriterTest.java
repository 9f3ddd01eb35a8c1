package io.capstan.nodeagent.volumes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AtomicWriterTest {
    @TempDir
    Path dir;

    @Test
    void filesAppearThroughTheDataSymlinkWithTheirModes() throws IOException {
        assertThat(AtomicWriter.write(dir, Map.of("city", FileContent.text("Ann Arbor", 0644),
                "nested/deep", FileContent.text("x", 0600)))).isTrue();
        assertThat(Files.readString(dir.resolve("city"))).isEqualTo("Ann Arbor");
        assertThat(Files.readString(dir.resolve("nested/deep"))).isEqualTo("x");
        assertThat(Files.isSymbolicLink(dir.resolve("city"))).isTrue();
        assertThat(Files.isSymbolicLink(dir.resolve("..data"))).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("nested/deep")))).isEqualTo("rw-------");
    }

    @Test
    void anUnchangedPayloadIsNotRewrittenAndAChangeReplacesEverything() throws IOException {
        AtomicWriter.write(dir, Map.of("a", FileContent.text("1", 0644), "b", FileContent.text("2", 0644)));
        Path before = Files.readSymbolicLink(dir.resolve("..data"));
        assertThat(AtomicWriter.write(dir, Map.of("a", FileContent.text("1", 0644), "b", FileContent.text("2", 0644)))).isFalse();
        assertThat(AtomicWriter.write(dir, Map.of("a", FileContent.text("changed", 0644)))).isTrue();
        assertThat(Files.readSymbolicLink(dir.resolve("..data"))).isNotEqualTo(before);
        assertThat(Files.readString(dir.resolve("a"))).isEqualTo("changed");
        assertThat(Files.exists(dir.resolve("b"))).as("keys that went are gone").isFalse();
        assertThat(Files.exists(dir.resolve(before))).as("the old generation is removed").isFalse();
    }
}
