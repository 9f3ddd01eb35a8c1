package io.capstan.nodeagent.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * How a pod in a network namespace of its own, on a bridge whose gateway is the host, reaches the
 * node's services on the host's loopback: Service cluster IPs in 127.96.0.0/16, LoadBalancer IPs
 * in 127.98.0.0/16, the node IPs 127.0.1.0/24 with NodePorts and DNS. Shared by the process
 * runtime's netns pod network and the docker runtime's bridged pods.
 *
 * <p>In the pod's namespace those ranges are routed out of the pod's interface to the gateway
 * instead of being local, and the rest of 127/8 (127.0.0.1 among it) stays the pod's own; the
 * pod's interface needs {@code route_localnet} (the replies come from 127.x addresses). On the
 * host the bridge needs {@code route_localnet}: the host then accepts packets for its 127.x
 * addresses arriving on the bridge, and sends its 127.x services' replies back across it (the
 * kernel drops both without it). Nothing global is changed.
 */
public final class HostLoopbackRoutes {
    /** Host-loopback ranges a pod reaches through the bridge: the node IPs, and Service and LoadBalancer IPs. */
    public static final List<String> HOST_RANGES = List.of("127.0.1.0/24", "127.96.0.0/14");
    /** The local route every namespace starts with, which makes all of 127/8 the namespace's own. */
    public static final String LOOPBACK = "127.0.0.0/8";

    private HostLoopbackRoutes() {
    }

    /**
     * {@code ip -batch} lines for a fresh pod namespace whose interface {@code device} has the
     * route to {@code gateway}: the whole-loopback local route replaced by local routes for 127/8
     * without {@link #HOST_RANGES}, and those ranges routed via the gateway.
     */
    public static List<String> podRoutes(String gateway, String device) {
        List<String> lines = new ArrayList<>();
        lines.add("route del local " + LOOPBACK + " dev lo table local");
        for (String cidr : subtract(LOOPBACK, HOST_RANGES)) {
            lines.add("route add local " + cidr + " dev lo table local");
        }
        for (String cidr : HOST_RANGES) {
            lines.add("route add " + cidr + " via " + gateway + " dev " + device);
        }
        return lines;
    }

    /**
     * The same state as {@link #podRoutes}, for a namespace that may have it already, in whole or
     * in part: every route is replaced (an existing one is fine), the narrower local routes come
     * before the whole-loopback one goes, so 127.0.0.1 never stops being local, and that one is
     * deleted only when {@code wholeLoopbackLocal} says it is there ({@code ip route show table
     * local exact 127.0.0.0/8} lists it).
     */
    public static List<String> podRoutesReapplied(String gateway, String device, boolean wholeLoopbackLocal) {
        List<String> lines = new ArrayList<>();
        for (String cidr : subtract(LOOPBACK, HOST_RANGES)) {
            lines.add("route replace local " + cidr + " dev lo table local");
        }
        for (String cidr : HOST_RANGES) {
            lines.add("route replace " + cidr + " via " + gateway + " dev " + device);
        }
        if (wholeLoopbackLocal) {
            lines.add("route del local " + LOOPBACK + " dev lo table local");
        }
        return lines;
    }

    /** The sysctl file that lets {@code device} carry 127.x traffic (in the namespace of whoever opens it). */
    public static String routeLocalnet(String device) {
        return "/proc/sys/net/ipv4/conf/" + device + "/route_localnet";
    }

    /**
     * The smallest list of CIDRs covering {@code range} without any of {@code excluded}, in address
     * order: a block disjoint from every exclusion is kept, one inside an exclusion is dropped, any
     * other is split in halves.
     */
    public static List<String> subtract(String range, List<String> excluded) {
        List<long[]> ex = excluded.stream().map(HostLoopbackRoutes::parse).toList();
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
}
