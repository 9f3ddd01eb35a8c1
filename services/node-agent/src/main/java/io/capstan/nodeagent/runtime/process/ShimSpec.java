package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.ContainerRuntime.RuntimeFailure;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The instructions the shim follows to start a container ({@code <container-dir>/spec}): a flat
 * list of NUL-terminated fields, each operation followed by its fixed number of operands (see
 * {@code %ARITY} in {@code capstan-shim.pl}). NUL is the one byte no path, argument or
 * environment entry can hold, so nothing needs quoting.
 */
final class ShimSpec {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ShimSpec op(String name, String... operands) throws RuntimeFailure {
        field(name);
        for (String operand : operands) {
            field(operand);
        }
        return this;
    }

    private void field(String value) throws RuntimeFailure {
        if (value.indexOf('\0') >= 0) {
            throw new RuntimeFailure("CreateContainerError", "a command, argument, path or variable contains a NUL byte");
        }
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, out.toByteArray());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
