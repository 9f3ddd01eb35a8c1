package io.capstan.nodeagent.volumes;

import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostPathTest {
    @TempDir
    Path dir;

    @Test
    void orCreateTypesCreateWhatIsMissing() {
        Path d = VolumeManager.hostPath(new HostPathVolumeSource(dir.resolve("made").toString(), "DirectoryOrCreate"));
        assertThat(d).isDirectory();
        Path f = VolumeManager.hostPath(new HostPathVolumeSource(dir.resolve("sub/file").toString(), "FileOrCreate"));
        assertThat(f).isRegularFile();
    }

    @Test
    void typeChecksFailWithTheKubeletsMessage() throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> VolumeManager.hostPath(new HostPathVolumeSource(file.toString(), "Directory")))
                .isInstanceOf(VolumeError.class).hasMessage("hostPath type check failed: " + file + " is not a directory");
        assertThatThrownBy(() -> VolumeManager.hostPath(new HostPathVolumeSource(dir.toString(), "File")))
                .hasMessage("hostPath type check failed: " + dir + " is not a file");
        assertThatThrownBy(() -> VolumeManager.hostPath(new HostPathVolumeSource(file.toString(), "Socket")))
                .hasMessage("hostPath type check failed: " + file + " is not a socket file");
        assertThat(VolumeManager.hostPath(new HostPathVolumeSource("/dev/null", "CharDevice"))).isEqualTo(Path.of("/dev/null"));
        assertThat(VolumeManager.hostPath(new HostPathVolumeSource(dir.resolve("anything").toString(), null))).isNotNull();
    }
}
