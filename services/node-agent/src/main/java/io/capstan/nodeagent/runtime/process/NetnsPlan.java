package io.capstan.nodeagent.runtime.process;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What the pod network namespaces of node N look like, as names and {@code ip -batch} lines: the
 * pure half of {@link PodNetns}, tested alone. Node N has the bridge {@code capbr<N>} with
 * {@code 198.18.N.1/24}; a pod has the namespace {@code capstan-<short uid>}, joined to the bridge
 * by the veth {@code cv<hash>} whose other end is the pod's {@code eth0}.
 *
 * <p>The node's services live on the host's loopback (Service cluster IPs in 127.96.0.0/16,
 * LoadBalancer IPs in 127.98.0.0/16, the node IPs 127.0.1.0/24 with NodePorts and DNS), so in the
 * pod's namespace those ranges are routed out of {@code eth0} to the bridge instead of being
 * local, and the rest of 127/8 (127.0.0.1 among it) stays the pod's own.
 */
final class NetnsPlan {
    /** Host-loopback ranges a pod reaches through the bridge: the node IPs, and Service and LoadBalancer IPs. */
    static final List<String> HOST_RANGES = List.of("127.0.1.0/24", "127.96.0.0/14");
    static final String PREFIX = "capstan-";

    private final int node;

    NetnsPlan(int nodeIndex) {
        if (nodeIndex < 1 || nodeIndex > 254) {
            throw new IllegalArgumentException("node index must be 1..254, was " + nodeIndex);
        }
        this.node = nodeIndex;
    }

    String bridge() {
        return "capbr" + node;
    }

    String gateway() {
        return "198.18." + node + ".1";
    }

    /** The first three octets of the node's pod range. */
    static String subnetPrefix(int nodeIndex) {
        return "198.18." + nodeIndex;
    }

    /** {@code capstan-} and the first 12 hex digits of the uid (a UUID), or of its hash for other uids. */
    static String netnsName(String podUid) {
        String hex = podUid.replace("-", "").toLowerCase(java.util.Locale.ROOT);
        return PREFIX + (hex.matches("[0-9a-f]{12,}") ? hex.substring(0, 12) : hash(podUid));
    }

    /** {@code cv} and 12 hex digits of the uid's hash: 14 characters, under the kernel's 15. */
    static String vethName(String podUid) {
        return "cv" + hash(podUid);
    }

    /** Creates the bridge's address and brings it up; the bridge itself is created first, if missing. */
    List<String> bridgeBatch() {
        return List.of("addr replace " + gateway() + "/24 dev " + bridge(), "link set " + bridge() + " up");
    }

    /** In the host's namespace: the veth pair, its pod end moved into the pod's namespace as eth0. */
    List<String> hostBatch(String netns, String veth) {
        return List.of(
                "link add " + veth + " type veth peer name eth0 netns " + netns,
                "link set " + veth + " master " + bridge(),
                "link set " + veth + " up");
    }

    /** In the pod's namespace ({@code ip -n <netns> -batch}): addresses and routes. */
    List<String> podBatch(String podIp) {
        List<String> lines = new ArrayList<>();
        lines.add("link set lo up");
        lines.add("addr add " + podIp + "/24 dev eth0");
        lines.add("link set eth0 up");
        lines.add("route add default via " + gateway() + " dev eth0");
        lines.add("route del local 127.0.0.0/8 dev lo table local");
        for (String cidr : subtract("127.0.0.0/8", HOST_RANGES)) {
            lines.add("route add local " + cidr + " dev lo table local");
        }
        for (String cidr : HOST_RANGES) {
            lines.add("route add " + cidr + " via " + gateway() + " dev eth0");
        }
        return lines;
    }

    /**
     * The smallest list of CIDRs covering {@code range} without any of {@code excluded}, in address
     * order: a block disjoint from every exclusion is kept, one inside an exclusion is dropped, any
     * other is split in halves.
     */
    static List<String> subtract(String range, List<String> excluded) {
        List<long[]> ex = excluded.stream().map(NetnsPlan::parse).toList();
        List<String> out = new ArrayList<>();
        long[] r = parse(range);
        split(r[0], (int) r[1], ex, out);
        return out;
    }

    private static void split(long base, int bits, List<long[]> excluded, List<String> out) {
        long end = base + (1L << (32 - bits));
        boolean overlaps = false;
        for (long[] e : excluded) {
            long eBase = e[0];
            long eEnd = eBase + (1L << (32 - e[1]));
            if (eBase <= base && end <= eEnd) {
                return;
            }
            overlaps |= eBase < end && base < eEnd;
        }
        if (!overlaps) {
            out.add(format(base) + "/" + bits);
            return;
        }
        split(base, bits + 1, excluded, out);
        split(base + (1L << (32 - bits - 1)), bits + 1, excluded, out);
    }

    private static long[] parse(String cidr) {
        String[] parts = cidr.split("/");
        String[] octets = parts[0].split("\\.");
        if (octets.length != 4 || parts.length != 2) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
        }
        long address = 0;
        for (String o : octets) {
            address = address << 8 | Integer.parseInt(o);
        }
        int bits = Integer.parseInt(parts[1]);
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        if ((address & mask) != address) {
            throw new IllegalArgumentException("host bits set in " + cidr);
        }
        return new long[] {address, bits};
    }

    private static String format(long address) {
        return (address >> 24 & 255) + "." + (address >> 16 & 255) + "." + (address >> 8 & 255) + "." + (address & 255);
    }

    private static String hash(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
