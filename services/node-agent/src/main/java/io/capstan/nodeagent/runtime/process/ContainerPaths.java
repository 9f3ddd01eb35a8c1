package io.capstan.nodeagent.runtime.process;

import java.util.Arrays;
import java.util.List;

/** Absolute paths inside a container, compared by component ({@code /usr} holds {@code /usr/bin}, not {@code /usrx}). */
final class ContainerPaths {
    private ContainerPaths() {
    }

    /** True when {@code path} is {@code parent} or lies below it. */
    static boolean under(String path, String parent) {
        List<String> p = components(path);
        List<String> q = components(parent);
        return p.size() >= q.size() && p.subList(0, q.size()).equals(q);
    }

    /** The path's components, without empty ones and {@code .}. */
    static List<String> components(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty() && !s.equals(".")).toList();
    }

    /** The components of {@code path} below {@code parent}; {@code path} must be {@link #under} it. */
    static List<String> relative(String path, String parent) {
        List<String> p = components(path);
        return p.subList(components(parent).size(), p.size());
    }

    static int depth(String path) {
        return components(path).size();
    }
}
