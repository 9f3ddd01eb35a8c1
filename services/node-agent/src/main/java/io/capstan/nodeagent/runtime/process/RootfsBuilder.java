package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.FileTrees;
import io.capstan.nodeagent.runtime.ContainerConfig.Mount;
import io.capstan.nodeagent.runtime.ContainerRuntime.RuntimeFailure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Lays out one container's root: a fresh directory (its writable layer: /tmp, /root, /var and a
 * copy of the image's /etc) and the mounts the shim makes inside the container's own mount
 * namespace, in order: /proc, /sys (read-only), a private /dev, the image's directories and host
 * paths read-only, the pod's /etc/hosts, /etc/hostname and /etc/resolv.conf, then the volumes.
 *
 * <p>Every mount needs a mount point, and where it is created depends on what is mounted above
 * it: in the container's own directory, in the image or volume directory the path lies in, inside
 * /dev (by the shim, after the tmpfs is there), or nowhere when the path lies in a read-only host
 * directory that lacks it (an error for the pod, not a change to the host). Mount points are never
 * created through a symbolic link, so a volume's links cannot place mounts outside the container.
 */
final class RootfsBuilder {
    private static final int MS_RDONLY = 1;
    private static final int MS_NOSUID = 2;
    private static final int MS_NODEV = 4;
    private static final int MS_NOEXEC = 8;
    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");

    private enum Kind { IMAGE, HOST, VOLUME, TMPFS, KERNEL }

    private record Bind(String path, Kind kind, Path source, boolean readOnly) {
    }

    private final Path rootfs;
    private final ShimSpec spec;
    private final List<Bind> planned = new ArrayList<>();

    RootfsBuilder(Path rootfs, ShimSpec spec) {
        this.rootfs = rootfs;
        this.spec = spec;
    }

    /**
     * Creates the root directory and adds its mounts to the spec. {@code podFiles} holds the pod's
     * etc-hosts, hostname and resolv.conf.
     */
    void build(PreparedImage image, List<Mount> volumes, Path podFiles, String workingDir)
            throws RuntimeFailure, IOException {
        Files.createDirectories(rootfs);
        for (String dir : List.of("proc", "sys", "dev", "root", "var", "etc")) {
            Files.createDirectories(rootfs.resolve(dir));
        }
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.setPosixFilePermissions(rootfs.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        kernelFilesystems();
        Path imageEtc = image.dir().resolve("etc");
        if (Files.isDirectory(imageEtc)) {
            FileTrees.copy(imageEtc, rootfs.resolve("etc"));
        }

        List<Bind> binds = new ArrayList<>();
        try (Stream<Path> entries = Files.list(image.dir())) {
            for (Path entry : entries.sorted().toList()) {
                String name = entry.getFileName().toString();
                if (!name.equals("etc")) {
                    binds.add(new Bind("/" + name, Kind.IMAGE, entry, true));
                }
            }
        }
        hostBinds(image.hostBinds(), binds);
        binds.add(new Bind("/etc/hosts", Kind.VOLUME, podFiles.resolve("etc-hosts"), false));
        binds.add(new Bind("/etc/hostname", Kind.VOLUME, podFiles.resolve("hostname"), false));
        binds.add(new Bind("/etc/resolv.conf", Kind.VOLUME, podFiles.resolve("resolv.conf"), false));
        for (Mount volume : volumes) {
            if (!volume.containerPath().startsWith("/")
                    || ContainerPaths.components(volume.containerPath()).contains("..")) {
                throw new RuntimeFailure("CreateContainerError", "mount path " + volume.containerPath()
                        + " must be absolute without ..");
            }
            if (!Files.exists(volume.hostPath())) {
                throw new RuntimeFailure("CreateContainerError", "the volume for " + volume.containerPath()
                        + " has no directory on the node (" + volume.hostPath() + ")");
            }
            binds.add(new Bind(volume.containerPath(), Kind.VOLUME, volume.hostPath(), volume.readOnly()));
        }
        binds.sort(Comparator.comparingInt(b -> ContainerPaths.depth(b.path())));
        for (Bind bind : binds) {
            mountPoint(bind.path(), Files.isDirectory(bind.source()));
            spec.op("bind", bind.source().toString(), inRoot(bind.path()), bind.readOnly() ? "1" : "0");
            planned.add(bind);
        }
        mountPoint(workingDir, true);
    }

    private void kernelFilesystems() throws RuntimeFailure {
        spec.op("fs", "proc", inRoot("/proc"), flags(MS_NOSUID | MS_NODEV | MS_NOEXEC), "", "proc");
        spec.op("fs", "sysfs", inRoot("/sys"), flags(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), "", "sysfs");
        spec.op("fs", "tmpfs", inRoot("/dev"), flags(MS_NOSUID), "mode=755,size=65536k", "tmpfs");
        for (String device : DEVICES) {
            if (Files.exists(Path.of("/dev", device))) {
                spec.op("touch", inRoot("/dev/" + device));
                spec.op("bind", "/dev/" + device, inRoot("/dev/" + device), "0");
            }
        }
        spec.op("mkdir", inRoot("/dev/pts"));
        spec.op("fs", "devpts", inRoot("/dev/pts"), flags(MS_NOSUID | MS_NOEXEC),
                "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts");
        spec.op("symlink", "pts/ptmx", inRoot("/dev/ptmx"));
        spec.op("mkdir", inRoot("/dev/shm"));
        spec.op("fs", "tmpfs", inRoot("/dev/shm"), flags(MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=1777,size=65536k", "shm");
        spec.op("symlink", "/proc/self/fd", inRoot("/dev/fd"));
        spec.op("symlink", "/proc/self/fd/0", inRoot("/dev/stdin"));
        spec.op("symlink", "/proc/self/fd/1", inRoot("/dev/stdout"));
        spec.op("symlink", "/proc/self/fd/2", inRoot("/dev/stderr"));
        planned.add(new Bind("/proc", Kind.KERNEL, null, false));
        planned.add(new Bind("/sys", Kind.KERNEL, null, true));
        planned.add(new Bind("/dev", Kind.TMPFS, null, false));
    }

    /**
     * Host paths of the image. A path that is a relative symbolic link on the host ({@code /lib ->
     * usr/lib} on merged-/usr systems) becomes the same link in the container; a path already
     * visible through an earlier bind of its parent is skipped; missing paths are skipped.
     */
    private void hostBinds(List<CatalogImage.HostBind> hostBinds, List<Bind> binds) throws IOException, RuntimeFailure {
        List<CatalogImage.HostBind> done = new ArrayList<>();
        for (CatalogImage.HostBind bind : hostBinds) {
            Path source = Path.of(bind.source());
            if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS) || covered(bind, done)) {
                continue;
            }
            if (Files.isSymbolicLink(source)) {
                Path target = Files.readSymbolicLink(source);
                if (!target.isAbsolute() && ContainerPaths.depth(bind.target()) == 1) {
                    Files.createSymbolicLink(rootfs.resolve(bind.target().substring(1)), target);
                    continue;
                }
                source = source.toRealPath();
            }
            binds.add(new Bind(bind.target(), Kind.HOST, source, true));
            done.add(bind);
        }
    }

    private static boolean covered(CatalogImage.HostBind bind, List<CatalogImage.HostBind> done) {
        for (CatalogImage.HostBind earlier : done) {
            if (ContainerPaths.under(bind.target(), earlier.target()) && ContainerPaths.under(bind.source(), earlier.source())
                    && ContainerPaths.relative(bind.target(), earlier.target())
                    .equals(ContainerPaths.relative(bind.source(), earlier.source()))) {
                return true;
            }
        }
        return false;
    }

    /** Makes sure {@code path} exists (as a directory or a file) once the mounts above it are made. */
    private void mountPoint(String path, boolean directory) throws RuntimeFailure, IOException {
        Bind owner = null;
        for (Bind b : planned) {
            if (ContainerPaths.under(path, b.path())
                    && (owner == null || ContainerPaths.depth(b.path()) >= ContainerPaths.depth(owner.path()))) {
                owner = b;
            }
        }
        if (owner == null) {
            createOnHost(rootfs, ContainerPaths.components(path), directory, path);
            return;
        }
        List<String> rel = ContainerPaths.relative(path, owner.path());
        switch (owner.kind()) {
            case IMAGE, VOLUME -> createOnHost(owner.source(), rel, directory, path);
            case HOST -> {
                Path inHost = owner.source().resolve(String.join("/", rel));
                if (directory ? !Files.isDirectory(inHost) : !Files.isRegularFile(inHost)) {
                    throw new RuntimeFailure("CreateContainerError", "cannot mount at " + path + ": "
                            + owner.path() + " comes read-only from the host, where " + inHost + " does not exist");
                }
            }
            case TMPFS -> {
                if (rel.size() > 1) {
                    spec.op("mkdir", inRoot(owner.path() + "/" + String.join("/", rel.subList(0, rel.size() - 1))));
                }
                spec.op(directory ? "mkdir" : "touch", inRoot(path));
            }
            case KERNEL -> throw new RuntimeFailure("CreateContainerError", "cannot mount at " + path
                    + ": it lies inside " + owner.path());
        }
    }

    private static void createOnHost(Path base, List<String> rel, boolean directory, String path)
            throws RuntimeFailure, IOException {
        Path current = base;
        for (int i = 0; i < rel.size(); i++) {
            current = current.resolve(rel.get(i));
            if (Files.isSymbolicLink(current)) {
                throw new RuntimeFailure("CreateContainerError", "cannot mount at " + path
                        + ": the path crosses the symbolic link " + current);
            }
            boolean last = i == rel.size() - 1;
            if (!Files.exists(current)) {
                if (last && !directory) {
                    Files.createFile(current);
                } else {
                    Files.createDirectory(current);
                }
            } else if (!last && !Files.isDirectory(current)) {
                throw new RuntimeFailure("CreateContainerError", "cannot mount at " + path + ": " + current
                        + " is not a directory");
            }
        }
        if (Files.isDirectory(current) != directory) {
            throw new RuntimeFailure("CreateContainerError", "cannot mount " + (directory ? "a directory" : "a file")
                    + " at " + path + ": the mount point is " + (directory ? "a file" : "a directory"));
        }
    }

    private String inRoot(String containerPath) {
        return rootfs.resolve(containerPath.replaceFirst("^/+", "")).toString();
    }

    private static String flags(int flags) {
        return Integer.toString(flags);
    }
}
