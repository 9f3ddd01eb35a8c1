package io.capstan.nodeagent.runtime.docker;

import io.capstan.testkit.Dockerd;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The well-known images (busybox, alpine, nginx, python, capstan/echo) in a test's dockerd, without pulling. */
final class RuntimeImages {
    private RuntimeImages() {
    }

    /** Runs scripts/build-runtime-images.sh against the daemon, with the echo server of the test class path. */
    static void importInto(Dockerd dockerd) {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("scripts/build-runtime-images.sh"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new AssertionError("no scripts/build-runtime-images.sh above " + Path.of("").toAbsolutePath());
        }
        String echo;
        try {
            echo = Path.of(Class.forName("io.capstan.echo.EchoServer").getProtectionDomain().getCodeSource().getLocation()
                    .toURI()).toString();
        } catch (ReflectiveOperationException | URISyntaxException e) {
            throw new AssertionError("the echo server is not on the test class path", e);
        }
        Dockerd.Result result = dockerd.run(Duration.ofMinutes(5),
                List.of(root.resolve("scripts/build-runtime-images.sh").toString(), "--echo", echo));
        if (result.exit() != 0) {
            throw new AssertionError("scripts/build-runtime-images.sh failed: " + result.output());
        }
    }
}
