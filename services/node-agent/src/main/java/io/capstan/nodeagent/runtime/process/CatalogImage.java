package io.capstan.nodeagent.runtime.process;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One image of the process runtime's catalog: what a well-known image name runs on this host.
 * {@code entrypoint} and {@code cmd} have Docker's meaning (a pod's {@code command} replaces the
 * entrypoint, its {@code args} the cmd). The container's root is assembled from three sources:
 * {@code busybox} directories filled with busybox applet links, {@code files} written with the
 * given content (executable when it starts with {@code #!}), and {@code host} paths bound
 * read-only, either at the same path ({@code /usr}) or elsewhere ({@code /src:/dst}). Host paths may
 * use {@code ${java.home}} (the node-agent's JVM) and {@code ${capstan.echo.classpath}} (the echo
 * server's jar, found on the node-agent's classpath); host paths missing on this machine are skipped.
 */
public record CatalogImage(String name, List<String> aliases, List<String> entrypoint, List<String> cmd,
                           Map<String, String> env, String workingDir, List<String> busybox,
                           Map<String, String> files, List<String> host) {

    @JsonCreator
    public CatalogImage(@JsonProperty("name") String name, @JsonProperty("aliases") List<String> aliases,
                        @JsonProperty("entrypoint") List<String> entrypoint, @JsonProperty("cmd") List<String> cmd,
                        @JsonProperty("env") Map<String, String> env, @JsonProperty("workingDir") String workingDir,
                        @JsonProperty("busybox") List<String> busybox, @JsonProperty("files") Map<String, String> files,
                        @JsonProperty("host") List<String> host) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an image needs a name");
        }
        this.name = ImageCatalog.normalize(name);
        this.aliases = aliases == null ? List.of() : aliases.stream().map(ImageCatalog::normalize).toList();
        this.entrypoint = copy(entrypoint);
        this.cmd = copy(cmd);
        this.env = copy(env);
        this.workingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
        this.busybox = copy(busybox);
        this.files = copy(files);
        this.host = copy(host);
        validate();
    }

    /** The host binds, each as (host path, container path), placeholders not yet resolved. */
    List<HostBind> hostBinds() {
        List<HostBind> binds = new ArrayList<>();
        for (String entry : host) {
            int colon = entry.indexOf(':');
            binds.add(colon < 0 ? new HostBind(entry, entry)
                    : new HostBind(entry.substring(0, colon), entry.substring(colon + 1)));
        }
        return binds;
    }

    record HostBind(String source, String target) {
    }

    private void validate() {
        checkPath(workingDir, "workingDir");
        busybox.forEach(p -> checkPath(p, "busybox"));
        files.keySet().forEach(p -> checkPath(p, "files"));
        for (HostBind bind : hostBinds()) {
            checkPath(bind.target(), "host");
            if (!bind.source().startsWith("/") && !bind.source().startsWith("${")) {
                throw new IllegalArgumentException("image " + name + ": host path " + bind.source() + " is not absolute");
            }
            for (String own : concat(busybox, List.copyOf(files.keySet()))) {
                if (ContainerPaths.under(own, bind.target())) {
                    throw new IllegalArgumentException("image " + name + ": " + own
                            + " lies inside the read-only host path " + bind.target());
                }
            }
        }
    }

    private void checkPath(String path, String field) {
        if (path.startsWith("${")) {
            return;
        }
        if (!path.startsWith("/") || List.of(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("image " + name + ": " + field + " path " + path
                    + " must be absolute without ..");
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> copy(List<String> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    private static Map<String, String> copy(Map<String, String> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
