package io.capstan.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkout under test: {@code -Dcapstan.root} (set by the module's pom), else the first
 * directory upwards from the working directory that holds the Maven wrapper and {@code charts/}.
 */
final class Repo {
    static final Path ROOT = find();

    private Repo() {
    }

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path find() {
        String configured = System.getProperty("capstan.root");
        if (configured != null && Files.isDirectory(Path.of(configured, "charts"))) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("charts"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no Capstan checkout above " + Path.of("").toAbsolutePath());
    }
}
