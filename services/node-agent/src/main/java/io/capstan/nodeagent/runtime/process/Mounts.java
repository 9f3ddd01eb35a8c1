package io.capstan.nodeagent.runtime.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Mounts the node-agent made in the host's namespace below a pod's directory (tmpfs for secrets,
 * say). The runtime's own mounts live in the containers' namespaces and vanish with them; these
 * would make deleting the pod's directory fail, or worse, descend into them.
 */
final class Mounts {
    private Mounts() {
    }

    static void unmountBelow(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().normalize().toString();
        List<String> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                String point = fields[4].replace("\\040", " ");
                if (point.equals(prefix) || point.startsWith(prefix + "/")) {
                    points.add(point);
                }
            }
        }
        points.sort(Comparator.comparingInt(String::length).reversed());
        for (String point : points) {
            Process p = new ProcessBuilder("umount", "-l", point).redirectErrorStream(true).start();
            try {
                String out = new String(p.getInputStream().readAllBytes()).trim();
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("umount " + point + " failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while unmounting " + point, e);
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
