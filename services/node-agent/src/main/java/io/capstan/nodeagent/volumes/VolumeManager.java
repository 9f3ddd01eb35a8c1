package io.capstan.nodeagent.volumes;

import io.capstan.nodeagent.kube.Lookups;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sets up a pod's volumes as host directories the process runtime can mount: emptyDir under the
 * sandbox (medium Memory on the host's tmpfs, /dev/shm, when there is one), configMap, secret,
 * downwardAPI and projected written atomically ({@link AtomicWriter}) and refreshed on every
 * call, hostPath with the kubelet's type checks, persistentVolumeClaim through its bound
 * PersistentVolume's hostPath or local path. An emptyDir's sizeLimit is recorded in the log, not
 * enforced.
 *
 * <p>Stateless apart from the memory root; safe for concurrent calls on different pods.
 */
public final class VolumeManager {
    private static final Logger LOG = Logger.getLogger(VolumeManager.class);

    private final Path memoryRoot;

    /** What a pod's volumes resolved to: host path and whether the source is read-only. */
    public record Mounted(Path path, boolean readOnly) {
    }

    /** @param memoryRoot where medium-Memory emptyDirs go (a tmpfs such as /dev/shm/capstan-node), or null for none */
    public VolumeManager(Path memoryRoot) {
        this.memoryRoot = memoryRoot;
    }

    /** The default memory root: /dev/shm/capstan-&lt;node&gt; when /dev/shm is a writable directory. */
    public static Path defaultMemoryRoot(String nodeName) {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm.resolve("capstan-" + nodeName) : null;
    }

    /**
     * Sets up (or refreshes) every volume of {@code pod}.
     *
     * @throws VolumeError naming the first volume that could not be set up
     */
    public Map<String, Mounted> setUp(Pod pod, PodSandbox sandbox, Lookups lookups, String podIp, String hostIp,
                                      Map<String, Quantity> allocatable) {
        Map<String, Mounted> mounted = new LinkedHashMap<>();
        List<Volume> volumes = pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes();
        String namespace = pod.getMetadata().getNamespace();
        for (Volume v : volumes) {
            try {
                mounted.put(v.getName(), setUp(v, pod, namespace, sandbox, lookups, podIp, hostIp, allocatable));
            } catch (VolumeError e) {
                throw new VolumeError("MountVolume.SetUp failed for volume \"" + v.getName() + "\" : " + e.getMessage());
            } catch (UncheckedIOException e) {
                throw new VolumeError("MountVolume.SetUp failed for volume \"" + v.getName() + "\" : " + e.getCause().getMessage());
            }
        }
        return mounted;
    }

    private Mounted setUp(Volume v, Pod pod, String namespace, PodSandbox sandbox, Lookups lookups, String podIp, String hostIp,
                          Map<String, Quantity> allocatable) {
        Path dir = sandbox.volumeDir(v.getName());
        if (v.getEmptyDir() != null) {
            Path path = dir;
            if ("Memory".equals(v.getEmptyDir().getMedium()) && memoryRoot != null) {
                path = memoryRoot.resolve(pod.getMetadata().getUid()).resolve(v.getName());
            }
            if (v.getEmptyDir().getSizeLimit() != null && !Files.isDirectory(path)) {
                LOG.infof("pod %s/%s: emptyDir %s sizeLimit %s is recorded, not enforced", namespace, pod.getMetadata().getName(),
                        v.getName(), v.getEmptyDir().getSizeLimit());
            }
            createDirectories(path);
            return new Mounted(path, false);
        }
        if (v.getConfigMap() != null) {
            var source = v.getConfigMap();
            AtomicWriter.write(dir, Projections.configMap(source.getName(), source.getItems(), source.getDefaultMode(),
                    source.getOptional(), lookups.configMap(namespace, source.getName())));
            return new Mounted(dir, true);
        }
        if (v.getSecret() != null) {
            var source = v.getSecret();
            AtomicWriter.write(dir, Projections.secret(source.getSecretName(), source.getItems(), source.getDefaultMode(),
                    source.getOptional(), lookups.secret(namespace, source.getSecretName())));
            return new Mounted(dir, true);
        }
        if (v.getDownwardAPI() != null) {
            AtomicWriter.write(dir, Projections.downwardApi(v.getDownwardAPI().getItems(), v.getDownwardAPI().getDefaultMode(),
                    pod, podIp, hostIp, allocatable));
            return new Mounted(dir, true);
        }
        if (v.getProjected() != null) {
            AtomicWriter.write(dir, projected(v, pod, namespace, lookups, podIp, hostIp, allocatable));
            return new Mounted(dir, true);
        }
        if (v.getHostPath() != null) {
            return new Mounted(hostPath(v.getHostPath()), false);
        }
        if (v.getPersistentVolumeClaim() != null) {
            return claim(namespace, v.getPersistentVolumeClaim().getClaimName(),
                    Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly()), lookups);
        }
        throw new VolumeError("volume type is not supported by this node (emptyDir, configMap, secret, downwardAPI, "
                + "projected, hostPath and persistentVolumeClaim are)");
    }

    private static Map<String, FileContent> projected(Volume v, Pod pod, String namespace, Lookups lookups, String podIp,
                                                      String hostIp, Map<String, Quantity> allocatable) {
        Integer mode = v.getProjected().getDefaultMode();
        Map<String, FileContent> files = new LinkedHashMap<>();
        for (VolumeProjection source : v.getProjected().getSources()) {
            if (source.getConfigMap() != null) {
                var cm = source.getConfigMap();
                files.putAll(Projections.configMap(cm.getName(), cm.getItems(), mode, cm.getOptional(),
                        lookups.configMap(namespace, cm.getName())));
            } else if (source.getSecret() != null) {
                var secret = source.getSecret();
                files.putAll(Projections.secret(secret.getName(), secret.getItems(), mode, secret.getOptional(),
                        lookups.secret(namespace, secret.getName())));
            } else if (source.getDownwardAPI() != null) {
                files.putAll(Projections.downwardApi(source.getDownwardAPI().getItems(), mode, pod, podIp, hostIp, allocatable));
            } else if (source.getServiceAccountToken() != null) {
                // Capstan issues no service account tokens yet: the file exists so clients start, but
                // it is a placeholder the api-server does not check (it authenticates nobody)
                String sa = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
                files.put(source.getServiceAccountToken().getPath(),
                        FileContent.text("capstan-unverified-token:" + namespace + ":" + sa, mode == null ? 0644 : mode));
            }
        }
        return files;
    }

    /** hostPath with the kubelet's type checks; *OrCreate types create what is missing. */
    static Path hostPath(HostPathVolumeSource source) {
        Path path = Path.of(source.getPath());
        String type = source.getType() == null ? "" : source.getType();
        switch (type) {
            case "" -> {
                // no check, as in Kubernetes
            }
            case "DirectoryOrCreate" -> {
                if (!Files.exists(path)) {
                    createDirectories(path);
                } else if (!Files.isDirectory(path)) {
                    throw new VolumeError("hostPath type check failed: " + path + " is not a directory");
                }
            }
            case "Directory" -> {
                if (!Files.isDirectory(path)) {
                    throw new VolumeError("hostPath type check failed: " + path + " is not a directory");
                }
            }
            case "FileOrCreate" -> {
                if (!Files.exists(path)) {
                    try {
                        Files.createDirectories(path.getParent());
                        Files.createFile(path);
                    } catch (IOException e) {
                        throw new VolumeError("hostPath type check failed: cannot create " + path + ": " + e.getMessage());
                    }
                } else if (!Files.isRegularFile(path)) {
                    throw new VolumeError("hostPath type check failed: " + path + " is not a file");
                }
            }
            case "File" -> {
                if (!Files.isRegularFile(path)) {
                    throw new VolumeError("hostPath type check failed: " + path + " is not a file");
                }
            }
            case "Socket" -> requireType(path, 0140000, "a socket file");
            case "CharDevice" -> requireType(path, 0020000, "a character device");
            case "BlockDevice" -> requireType(path, 0060000, "a block device");
            default -> throw new VolumeError("hostPath type check failed: unknown type " + type);
        }
        return path;
    }

    private static void requireType(Path path, int fileType, String what) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 0170000) == fileType) {
                return;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // missing, or not a Unix file system: the check fails
        }
        throw new VolumeError("hostPath type check failed: " + path + " is not " + what);
    }

    private static Mounted claim(String namespace, String claimName, boolean readOnly, Lookups lookups) {
        PersistentVolumeClaim claim = lookups.claim(namespace, claimName)
                .orElseThrow(() -> new VolumeError("persistentvolumeclaim \"" + claimName + "\" not found"));
        String volumeName = claim.getSpec() == null ? null : claim.getSpec().getVolumeName();
        String phase = claim.getStatus() == null ? "" : claim.getStatus().getPhase();
        if (volumeName == null || volumeName.isEmpty() || !"Bound".equals(phase)) {
            throw new VolumeError("PVC " + namespace + "/" + claimName + " has non-bound phase (\"" + phase
                    + "\") or empty pvc.Spec.VolumeName (\"" + (volumeName == null ? "" : volumeName) + "\")");
        }
        PersistentVolume pv = lookups.volume(volumeName)
                .orElseThrow(() -> new VolumeError("persistentvolume \"" + volumeName + "\" not found"));
        Path path;
        if (pv.getSpec().getHostPath() != null) {
            path = Path.of(pv.getSpec().getHostPath().getPath());
        } else if (pv.getSpec().getLocal() != null) {
            path = Path.of(pv.getSpec().getLocal().getPath());
        } else {
            throw new VolumeError("the volume type of PersistentVolume " + volumeName + " is not supported by this node "
                    + "(hostPath and local are)");
        }
        createDirectories(path);
        boolean pvReadOnly = pv.getSpec().getAccessModes() != null && pv.getSpec().getAccessModes().equals(List.of("ReadOnlyMany"));
        return new Mounted(path, readOnly || pvReadOnly);
    }

    /** Removes what lives outside the sandbox directory (medium-Memory emptyDirs); the runtime removes the rest. */
    public void tearDown(String podUid) {
        if (memoryRoot == null) {
            return;
        }
        try {
            AtomicWriter.deleteTree(memoryRoot.resolve(podUid));
        } catch (IOException e) {
            LOG.warnf("cannot remove memory volumes of pod %s: %s", podUid, e.getMessage());
        }
    }

    private static void createDirectories(Path path) {
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new VolumeError("cannot create " + path + ": " + e.getMessage());
        }
    }
}
