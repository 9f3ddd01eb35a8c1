package io.capstan.nodeagent.runtime.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageCatalogTest {
    private final ImageCatalog builtin = ImageCatalog.builtin();

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "busybox, busybox",
            "busybox:1.36, busybox",
            "docker.io/library/busybox:1.36, busybox",
            "library/busybox, busybox",
            "index.docker.io/library/busybox:latest, busybox",
            "busybox@sha256:0123456789abcdef, busybox",
            "alpine:latest, alpine",
            "nginx:stable-alpine, nginx",
            "docker.io/nginx:1.27, nginx",
            "python:3.12-slim, python",
            "python3, python",
            "capstan/echo:1.0, capstan/echo",
            "docker.io/capstan/echo, capstan/echo",
    })
    void imageReferencesResolveAsDockerWouldNameThem(String ref, String image) {
        assertThat(builtin.resolve(ref)).map(CatalogImage::name).contains(image);
    }

    @ParameterizedTest(name = "{0} is unknown")
    @CsvSource({"quay.io/nginx/nginx", "localhost:5000/busybox", "ubuntu:24.04", "'  '"})
    void otherImagesAreUnknown(String ref) {
        assertThat(builtin.resolve(ref)).isEmpty();
    }

    @Test
    void theBuiltinCatalogHasTheImagesTheExamplesUse() {
        assertThat(builtin.names()).contains("alpine", "busybox", "capstan/echo", "nginx", "python");
        assertThat(builtin.resolve("busybox").orElseThrow().busybox()).contains("/bin", "/sbin", "/usr/bin");
        assertThat(builtin.resolve("nginx").orElseThrow().files()).containsKey("/usr/share/nginx/html/index.html");
    }

    @Test
    void aUsersFileAddsImagesAndReplacesBuiltinOnes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("images.yaml");
        Files.writeString(file, """
                images:
                  - name: nginx
                    busybox: [/bin]
                    cmd: [httpd, -f, -p, "8081"]
                  - name: registry.example.com/team/tool
                    aliases: [tool]
                    host: [/usr]
                    cmd: [/usr/bin/true]
                """);
        ImageCatalog catalog = ImageCatalog.load(file);
        assertThat(catalog.resolve("nginx:1.27").orElseThrow().cmd()).containsExactly("httpd", "-f", "-p", "8081");
        assertThat(catalog.resolve("tool:2").orElseThrow().name()).isEqualTo("registry.example.com/team/tool");
        assertThat(catalog.resolve("busybox")).isPresent();
        assertThat(catalog.busyboxCandidates()).isEqualTo(builtin.busyboxCandidates());
    }

    @Test
    void aMisspelledFieldIsRejectedWithItsName(@TempDir Path dir) {
        assertThatThrownBy(() -> catalog(dir, "images:\n  - name: x\n    entrypiont: [a]\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entrypiont");
    }

    @Test
    void imageFilesInsideAReadOnlyHostPathAreRejected(@TempDir Path dir) {
        assertThatThrownBy(() -> catalog(dir, """
                images:
                  - name: x
                    host: [/usr]
                    files: {/usr/local/x: hi}
                """)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inside the read-only host path /usr");
    }

    @Test
    void relativePathsAreRejected(@TempDir Path dir) {
        assertThatThrownBy(() -> catalog(dir, "images:\n  - name: x\n    busybox: [bin]\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be absolute");
    }

    @Test
    void hostPathsMayMapToAnotherContainerPath(@TempDir Path dir) throws Exception {
        CatalogImage image = catalog(dir, "images:\n  - name: x\n    host: [/usr, \"/opt/a:/a\"]\n")
                .resolve("x").orElseThrow();
        assertThat(image.hostBinds()).containsExactly(new CatalogImage.HostBind("/usr", "/usr"),
                new CatalogImage.HostBind("/opt/a", "/a"));
    }

    private static ImageCatalog catalog(Path dir, String yaml) throws Exception {
        Path file = dir.resolve("images.yaml");
        Files.writeString(file, yaml);
        return ImageCatalog.load(file);
    }
}
