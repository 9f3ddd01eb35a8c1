package io.capstan.nodeagent.runtime.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A catalog image ready to run: its directory (applet links and files), and its entrypoint, cmd,
 * env and host binds with placeholders resolved. {@code appletDirs} are the busybox directories
 * on the host, which lead PATH when a container cannot be isolated.
 */
record PreparedImage(String name, Path dir, List<String> entrypoint, List<String> cmd, Map<String, String> env,
                     String workingDir, List<CatalogImage.HostBind> hostBinds, List<Path> appletDirs) {
}
