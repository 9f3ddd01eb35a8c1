package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.ContainerRuntime.ImagePullFailure;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values catalog entries may refer to: {@code ${java.home}} (the JVM running the node-agent,
 * which the echo image reuses) and {@code ${capstan.echo.classpath}} (the echo server's jar, or its
 * classes directory in a build, found on the node-agent's own classpath).
 */
final class Placeholders {
    static final String ECHO_CLASS = "io.capstan.echo.EchoServer";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");

    private final Map<String, Optional<String>> values;

    Placeholders(Map<String, Optional<String>> values) {
        this.values = Map.copyOf(values);
    }

    static Placeholders ofThisJvm() {
        return new Placeholders(Map.of(
                "java.home", Optional.of(System.getProperty("java.home")),
                "capstan.echo.classpath", echoClasspath().map(Path::toString)));
    }

    /** Replaces every placeholder; one without a value on this node makes the image unusable here. */
    String resolve(String text, String image) throws ImagePullFailure {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Optional<String> value = values.get(m.group(1));
            if (value == null) {
                throw new ImagePullFailure("image " + image + " refers to ${" + m.group(1)
                        + "}, which the process runtime does not know");
            }
            if (value.isEmpty()) {
                throw new ImagePullFailure("image " + image + " needs ${" + m.group(1)
                        + "}, which this node-agent cannot provide (is capstan-echo on its classpath?)");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value.get()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static Optional<Path> echoClasspath() {
        String resource = ECHO_CLASS.replace('.', '/') + ".class";
        URL url = Placeholders.class.getClassLoader().getResource(resource);
        try {
            if (url != null && url.getProtocol().equals("jar")) {
                String spec = url.getPath();
                return existing(Path.of(URI.create(spec.substring(0, spec.indexOf("!/")))));
            }
            if (url != null && url.getProtocol().equals("file")) {
                String path = Path.of(url.toURI()).toString();
                return existing(Path.of(path.substring(0, path.length() - resource.length())));
            }
            CodeSource source = Class.forName(ECHO_CLASS, false, Placeholders.class.getClassLoader())
                    .getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : existing(Path.of(source.getLocation().toURI()));
        } catch (ClassNotFoundException | URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> existing(Path path) {
        return Files.exists(path) ? Optional.of(path.toAbsolutePath()) : Optional.empty();
    }
}
