package io.capstan.nodeagent.runtime.process;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The process runtime's images: a config file mapping well-known image names (busybox, alpine,
 * nginx, python, capstan/echo) to what runs them on this host, so the usual example manifests run
 * as written. The built-in catalog is the {@code images.yaml} resource beside this class; a
 * user's file ({@link #load}) adds images and replaces built-in ones of the same name.
 *
 * <p>Names match the way Docker resolves them: tag and digest are ignored, and
 * {@code docker.io/library/busybox:1.36}, {@code library/busybox} and {@code busybox} are one image.
 */
public final class ImageCatalog {
    private static final String BUILTIN = "images.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final List<String> busyboxCandidates;
    private final Map<String, CatalogImage> images;
    private final Map<String, CatalogImage> byName;

    private ImageCatalog(List<String> busyboxCandidates, Map<String, CatalogImage> images) {
        this.busyboxCandidates = List.copyOf(busyboxCandidates);
        this.images = Map.copyOf(images);
        Map<String, CatalogImage> index = new LinkedHashMap<>();
        images.values().forEach(image -> image.aliases().forEach(alias -> index.put(alias, image)));
        images.values().forEach(image -> index.put(image.name(), image));
        this.byName = Map.copyOf(index);
    }

    /** The catalog that ships with Capstan. */
    public static ImageCatalog builtin() {
        try (InputStream in = ImageCatalog.class.getResourceAsStream(BUILTIN)) {
            if (in == null) {
                throw new IllegalStateException("resource " + BUILTIN + " is missing beside " + ImageCatalog.class.getName());
            }
            return new ImageCatalog(List.of(), Map.of()).merge(parse(in, BUILTIN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The built-in catalog extended (and, for equal names, overridden) by the user's file. */
    public static ImageCatalog load(Path yaml) throws IOException {
        try (InputStream in = Files.newInputStream(yaml)) {
            return builtin().merge(parse(in, yaml.toString()));
        }
    }

    /** The image a pod's {@code image:} names, empty if the catalog has none. */
    public Optional<CatalogImage> resolve(String imageRef) {
        if (imageRef == null || imageRef.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(byName.get(normalize(imageRef)));
    }

    /** Canonical names of every image, sorted. */
    public List<String> names() {
        return images.keySet().stream().sorted().toList();
    }

    /** Where to look for a statically linked busybox; the first that exists is used. */
    public List<String> busyboxCandidates() {
        return busyboxCandidates;
    }

    /**
     * An image reference as the catalog keys it: without tag or digest, without Docker Hub's
     * registry and {@code library/} prefix, lower case.
     */
    public static String normalize(String ref) {
        String name = ref.trim();
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            name = name.substring(0, colon);
        }
        for (String hub : List.of("docker.io/", "index.docker.io/", "registry-1.docker.io/")) {
            if (name.startsWith(hub)) {
                name = name.substring(hub.length());
                break;
            }
        }
        if (name.startsWith("library/")) {
            name = name.substring("library/".length());
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private ImageCatalog merge(CatalogFile file) {
        Map<String, CatalogImage> merged = new LinkedHashMap<>(images);
        for (CatalogImage image : file.images()) {
            merged.put(image.name(), image);
        }
        List<String> busybox = file.busybox().isEmpty() ? busyboxCandidates : file.busybox();
        return new ImageCatalog(busybox, merged);
    }

    private static CatalogFile parse(InputStream in, String source) throws IOException {
        try {
            CatalogFile file = YAML.readValue(in, CatalogFile.class);
            return file == null ? new CatalogFile(null, null) : file;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("bad image catalog " + source + ": " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad image catalog " + source + ": " + e.getMessage(), e);
        }
    }

    /** The file's shape: {@code busybox} (binary candidates) and {@code images}. */
    record CatalogFile(List<String> busybox, List<CatalogImage> images) {
        @JsonCreator
        CatalogFile(@JsonProperty("busybox") List<String> busybox, @JsonProperty("images") List<CatalogImage> images) {
            this.busybox = busybox == null ? List.of() : List.copyOf(busybox);
            this.images = images == null ? List.of() : new ArrayList<>(images);
        }
    }
}
