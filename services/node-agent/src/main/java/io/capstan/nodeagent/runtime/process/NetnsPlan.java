package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.HostLoopbackRoutes;

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
 * local, and the rest of 127/8 (127.0.0.1 among it) stays the pod's own ({@link HostLoopbackRoutes},
 * which the docker runtime's bridged pods use too).
 */
final class NetnsPlan {
    /** Host-loopback ranges a pod reaches through the bridge: the node IPs, and Service and LoadBalancer IPs. */
    static final List<String> HOST_RANGES = HostLoopbackRoutes.HOST_RANGES;
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
        lines.addAll(HostLoopbackRoutes.podRoutes(gateway(), "eth0"));
        return lines;
    }

    /** {@link HostLoopbackRoutes#subtract}. */
    static List<String> subtract(String range, List<String> excluded) {
        return HostLoopbackRoutes.subtract(range, excluded);
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
