package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.FileTrees;
import io.capstan.nodeagent.runtime.ContainerRuntime.ImagePullFailure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Turns catalog images into directories under {@code <stateDir>/images}: busybox applet links and
 * the image's files, built once and named by a hash of everything they are made from, so a
 * changed definition gets a new directory and containers still running keep the old one.
 * Thread-safe; concurrent first uses of one image build it once.
 */
final class ImageStore {
    private final Path imagesDir;
    private final ImageCatalog catalog;
    private final Placeholders placeholders;
    private final Map<String, PreparedImage> prepared = new ConcurrentHashMap<>();

    ImageStore(Path imagesDir, ImageCatalog catalog, Placeholders placeholders) {
        this.imagesDir = imagesDir;
        this.catalog = catalog;
        this.placeholders = placeholders;
    }

    /** The image ready to run, built on first use. */
    PreparedImage prepare(CatalogImage image) throws ImagePullFailure {
        PreparedImage ready = prepared.get(image.name());
        if (ready != null) {
            return ready;
        }
        synchronized (this) {
            ready = prepared.get(image.name());
            if (ready == null) {
                ready = build(image);
                prepared.put(image.name(), ready);
            }
            return ready;
        }
    }

    private PreparedImage build(CatalogImage image) throws ImagePullFailure {
        List<String> entrypoint = resolveAll(image.entrypoint(), image);
        List<String> cmd = resolveAll(image.cmd(), image);
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : image.env().entrySet()) {
            env.put(e.getKey(), placeholders.resolve(e.getValue(), image.name()));
        }
        List<CatalogImage.HostBind> binds = new ArrayList<>();
        for (CatalogImage.HostBind bind : image.hostBinds()) {
            binds.add(new CatalogImage.HostBind(placeholders.resolve(bind.source(), image.name()),
                    placeholders.resolve(bind.target(), image.name())));
        }
        Busybox busybox = image.busybox().isEmpty() ? null : Busybox.find(catalog.busyboxCandidates(), image.name());
        String fingerprint = image + "|" + binds + "|" + (busybox == null ? "" : busybox.fingerprint());
        Path dir = imagesDir.resolve(image.name().replaceAll("[^A-Za-z0-9._-]", "_") + "-" + sha256(fingerprint));
        try {
            if (!Files.isDirectory(dir)) {
                materialize(image, busybox, dir);
            }
        } catch (IOException e) {
            throw new ImagePullFailure("cannot prepare image " + image.name() + " in " + dir + ": " + e.getMessage());
        }
        List<Path> appletDirs = image.busybox().stream().map(d -> dir.resolve(d.substring(1))).toList();
        return new PreparedImage(image.name(), dir, entrypoint, cmd, env, image.workingDir(), binds, appletDirs);
    }

    private List<String> resolveAll(List<String> values, CatalogImage image) throws ImagePullFailure {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            out.add(placeholders.resolve(v, image.name()));
        }
        return out;
    }

    private static void materialize(CatalogImage image, Busybox busybox, Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".tmp");
        try {
            if (busybox != null) {
                String home = image.busybox().getFirst();
                Path binary = tmp.resolve(home.substring(1)).resolve("busybox");
                Files.createDirectories(binary.getParent());
                try {
                    Files.createLink(binary, busybox.path());
                } catch (IOException | UnsupportedOperationException crossDevice) {
                    Files.copy(busybox.path(), binary, StandardCopyOption.COPY_ATTRIBUTES);
                }
                for (String appletDir : image.busybox()) {
                    Path d = tmp.resolve(appletDir.substring(1));
                    Files.createDirectories(d);
                    // relative links work both inside the container and, without isolation, on the host
                    Path target = d.relativize(binary);
                    for (String applet : busybox.applets()) {
                        Path link = d.resolve(applet);
                        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                            Files.createSymbolicLink(link, target);
                        }
                    }
                }
            }
            for (Map.Entry<String, String> file : image.files().entrySet()) {
                Path path = tmp.resolve(file.getKey().substring(1));
                Files.createDirectories(path.getParent());
                Files.deleteIfExists(path);
                Files.writeString(path, file.getValue());
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        file.getValue().startsWith("#!") ? "rwxr-xr-x" : "rw-r--r--"));
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException builtByAnother) {
                // another runtime on this state directory built the same definition first
            }
        } finally {
            if (Files.exists(tmp)) {
                FileTrees.delete(tmp);
            }
        }
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A statically linked busybox on this host and its applets. */
    record Busybox(Path path, List<String> applets, long size, long modified) {
        static Busybox find(List<String> candidates, String image) throws ImagePullFailure {
            for (String candidate : candidates) {
                Path path = Path.of(candidate);
                if (Files.isRegularFile(path) && Files.isExecutable(path)) {
                    if (isDynamic(path)) {
                        throw new ImagePullFailure("image " + image + " needs a statically linked busybox, but "
                                + path + " is dynamically linked (install busybox-static: scripts/install-deps.sh)");
                    }
                    try {
                        return new Busybox(path, applets(path), Files.size(path),
                                Files.getLastModifiedTime(path).toMillis());
                    } catch (IOException e) {
                        throw new ImagePullFailure("cannot use " + path + " for image " + image + ": " + e.getMessage());
                    }
                }
            }
            throw new ImagePullFailure("image " + image + " needs busybox (Debian's busybox-static, see "
                    + "scripts/install-deps.sh); none found at " + candidates);
        }

        String fingerprint() {
            return path + ":" + size + ":" + modified + ":" + applets.size();
        }

        private static List<String> applets(Path busybox) throws IOException {
            Process p = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
            try (InputStream in = p.getInputStream()) {
                String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("busybox --list failed: " + out);
                }
                return out.lines().map(String::strip).filter(a -> !a.isEmpty() && !a.contains("/")).toList();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } finally {
                p.destroyForcibly();
            }
        }

        /** True when the ELF file names a program interpreter (PT_INTERP), i.e. needs shared libraries. */
        static boolean isDynamic(Path elf) {
            try (FileChannel ch = FileChannel.open(elf)) {
                ByteBuffer header = ByteBuffer.allocate(64);
                ch.read(header, 0);
                header.flip();
                if (header.limit() < 52 || header.getInt(0) != 0x464c457f) {
                    return false;
                }
                header.order(header.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                boolean is64 = header.get(4) == 2;
                long phoff = is64 ? header.getLong(0x20) : Integer.toUnsignedLong(header.getInt(0x1c));
                int phentsize = Short.toUnsignedInt(header.getShort(is64 ? 0x36 : 0x2a));
                int phnum = Short.toUnsignedInt(header.getShort(is64 ? 0x38 : 0x2c));
                ByteBuffer type = ByteBuffer.allocate(4).order(header.order());
                for (int i = 0; i < phnum; i++) {
                    type.clear();
                    ch.read(type, phoff + (long) i * phentsize);
                    if (type.getInt(0) == 3) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
