package io.capstan.nodeagent.volumes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a projected volume the way the kubelet's AtomicWriter does, so a process reading it
 * never sees half an update: the files go into a fresh timestamped directory
 * ({@code ..2024_05_01_10_00_00.123456789}), a {@code ..data} symlink is switched to it with one
 * rename, and each top-level name is a symlink through {@code ..data}. Applications that watch
 * {@code ..data} (as many do for configMap reloads) work unchanged.
 *
 * <p>Not thread-safe per directory: one pod worker owns each volume.
 */
public final class AtomicWriter {
    static final String DATA = "..data";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss.nnnnnnnnn");

    private AtomicWriter() {
    }

    /** Writes {@code payload} into {@code dir}; false when the directory already held exactly it. */
    public static boolean write(Path dir, Map<String, FileContent> payload) {
        try {
            Files.createDirectories(dir);
            Path data = dir.resolve(DATA);
            Path current = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
            Map<String, FileContent> wanted = new HashMap<>();
            payload.forEach((path, file) -> wanted.put(Path.of(path).normalize().toString(), new FileContent(file.data(), writable(file.mode()))));
            if (current != null && read(current).equals(wanted)) {
                return false;
            }
            Path fresh = dir.resolve(LocalDateTime.now(ZoneOffset.UTC).format(STAMP));
            Files.createDirectories(fresh);
            for (Map.Entry<String, FileContent> file : payload.entrySet()) {
                Path target = safeResolve(fresh, file.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue().data());
                Files.setPosixFilePermissions(target, permissions(file.getValue().mode()));
            }
            Path tmp = dir.resolve(DATA + "_tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, fresh.getFileName());
            Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Set<String> topLevel = new LinkedHashSet<>();
            for (String path : payload.keySet()) {
                topLevel.add(path.split("/", 2)[0]);
            }
            for (String name : topLevel) {
                Path link = dir.resolve(name);
                if (!Files.isSymbolicLink(link)) {
                    try {
                        Files.createSymbolicLink(link, Path.of(DATA, name));
                    } catch (FileAlreadyExistsException e) {
                        // a regular file of the same name would have to be removed by hand; leave it
                    }
                }
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (name.startsWith("..")) {
                        if (!name.equals(DATA) && !entry.equals(fresh) && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                            deleteTree(entry);
                        }
                    } else if (!topLevel.contains(name) && Files.isSymbolicLink(entry)) {
                        Files.delete(entry);
                    }
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("writing volume " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The files under {@code dir} with their modes, keyed by relative path. */
    static Map<String, FileContent> read(Path dir) throws IOException {
        Map<String, FileContent> files = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                int mode = mode(Files.getPosixFilePermissions(p));
                files.put(dir.relativize(p).toString(), new FileContent(Files.readAllBytes(p), mode));
            }
        }
        return files;
    }

    /** Rejects paths that would escape the volume ({@code ../x}, absolute paths), as validation does. */
    private static Path safeResolve(Path base, String relative) {
        Path p = base.resolve(relative).normalize();
        if (!p.startsWith(base) || Path.of(relative).isAbsolute()) {
            throw new VolumeError("invalid path in volume: " + relative);
        }
        return p;
    }

    /** Permission bits from the lowest (others execute, 0001) to the highest (owner read, 0400). */
    private static final PosixFilePermission[] BITS = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    /** The agent must be able to read back and replace what it wrote, whatever mode the spec asked for. */
    private static int writable(int mode) {
        return (mode & 0777) | 0400;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((writable(mode) & (1 << i)) != 0) {
                set.add(BITS[i]);
            }
        }
        return set;
    }

    static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (int i = 0; i < BITS.length; i++) {
            if (permissions.contains(BITS[i])) {
                mode |= 1 << i;
            }
        }
        return mode;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
