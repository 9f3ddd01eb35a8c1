package io.capstan.nodeagent.runtime;

import java.nio.file.Path;

/** A prepared pod: its directory (volumes go under {@code podDir/volumes/<name>}). */
public record PodSandbox(String podUid, Path podDir) {
    public Path volumeDir(String volumeName) {
        return podDir.resolve("volumes").resolve(volumeName);
    }
}
