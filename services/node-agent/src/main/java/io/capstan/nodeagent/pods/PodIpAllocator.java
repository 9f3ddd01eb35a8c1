package io.capstan.nodeagent.pods;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pod IPs from the node's /24 ({@code 127.244.N.1} to {@code .254}, or from {@code .2} where
 * {@code .1} is the pod bridge's own address), kept on disk the way the
 * host-local CNI plugin keeps them: one file per address holding the pod's uid, plus the last
 * address handed out. A restarted agent gives a pod back the address it had; a released address
 * is handed out again only after every other free one (round robin), so a new pod does not get
 * the address a just-deleted pod's clients may still be calling.
 *
 * <p>Thread-safe: all methods synchronize on this object.
 */
public final class PodIpAllocator {
    private static final String LAST = "last_reserved_ip";

    private final Path dir;
    private final String prefix;
    private final int firstHost;
    // @GuardedBy("this") address -> uid
    private final Map<String, String> allocated = new HashMap<>();
    // @GuardedBy("this")
    private int last;

    /** @param subnetPrefix the first three octets, e.g. {@code 127.244.1} */
    public PodIpAllocator(Path dir, String subnetPrefix) {
        this(dir, subnetPrefix, 1);
    }

    /** @param firstHost the lowest last octet handed out (1, or 2 where .1 is the gateway) */
    public PodIpAllocator(Path dir, String subnetPrefix, int firstHost) {
        this.dir = dir;
        this.prefix = subnetPrefix;
        this.firstHost = firstHost;
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + ".*")) {
                for (Path f : files) {
                    allocated.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8).trim());
                }
            }
            Path lastFile = dir.resolve(LAST);
            if (Files.exists(lastFile)) {
                String ip = Files.readString(lastFile).trim();
                last = Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1));
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read pod IP allocations in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The pod's address: the one it already has, else the next free one after the last handed out. */
    public synchronized String allocate(String uid) {
        Optional<String> existing = addressOf(uid);
        if (existing.isPresent()) {
            return existing.get();
        }
        int count = 254 - firstHost + 1;
        int after = Math.max(0, last - firstHost + 1);
        for (int i = 0; i < count; i++) {
            int host = firstHost + (after + i) % count;
            String ip = prefix + "." + host;
            if (!allocated.containsKey(ip)) {
                write(dir.resolve(ip), uid);
                write(dir.resolve(LAST), ip);
                allocated.put(ip, uid);
                last = host;
                return ip;
            }
        }
        throw new IllegalStateException("no free pod IP in " + prefix + ".0/24");
    }

    public synchronized Optional<String> addressOf(String uid) {
        return allocated.entrySet().stream().filter(e -> e.getValue().equals(uid)).map(Map.Entry::getKey).findFirst();
    }

    public synchronized void release(String uid) {
        allocated.entrySet().removeIf(e -> {
            if (e.getValue().equals(uid)) {
                try {
                    Files.deleteIfExists(dir.resolve(e.getKey()));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                return true;
            }
            return false;
        });
    }

    /** Releases every address whose pod is not in {@code uids} (pods that went while the agent was down). */
    public synchronized void retainOnly(Set<String> uids) {
        for (String uid : Set.copyOf(allocated.values())) {
            if (!uids.contains(uid)) {
                release(uid);
            }
        }
    }

    public synchronized Set<String> uids() {
        return Set.copyOf(allocated.values());
    }

    private static void write(Path file, String content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
