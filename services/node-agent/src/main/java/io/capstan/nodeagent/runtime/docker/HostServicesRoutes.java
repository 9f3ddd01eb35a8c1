package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.HostCommands;
import io.capstan.nodeagent.runtime.HostLoopbackRoutes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Lets a bridged pod reach the node's services on the host's loopback (Service, LoadBalancer and
 * node IPs, see {@link HostLoopbackRoutes}), as the process runtime's netns pod network does for
 * its bridge: in the pause container's network namespace (entered with {@code nsenter --net}) the
 * host ranges are routed out of {@code eth0} via the bridge's gateway and the rest of 127/8 stays
 * the pod's own, and {@code route_localnet} is set on the pod's {@code eth0} and on the host's end,
 * the Docker network's bridge.
 *
 * <p>That needs root, {@code nsenter}, {@code ip} and {@code sh} here, and the daemon on this host,
 * in this network namespace (its bridge is here) and this PID namespace (the pause container's PID
 * is its process here, whose namespace has the pod IP on eth0). When any of that is missing
 * {@link #apply} says why, and the pod runs without the routes. Re-applying is harmless.
 */
final class HostServicesRoutes {
    private static final Path SYS_NET = Path.of("/sys/class/net");
    private static final String DEVICE = "eth0";

    private final String unavailable;
    private final String nsenter;
    private final String ip;
    private final String sh;

    HostServicesRoutes() {
        String nsenterPath = HostCommands.find("nsenter");
        String ipPath = HostCommands.find("ip");
        String shPath = HostCommands.find("sh");
        String problem = null;
        if (!HostCommands.isRoot()) {
            problem = "the node-agent does not run as root";
        } else if (nsenterPath == null) {
            problem = "nsenter (util-linux) is not installed";
        } else if (ipPath == null) {
            problem = "ip (iproute2) is not installed";
        } else if (shPath == null) {
            problem = "there is no sh";
        }
        this.unavailable = problem;
        this.nsenter = nsenterPath;
        this.ip = ipPath;
        this.sh = shPath;
    }

    /** Why no pod can get the routes here (not root, tools missing), or null. */
    String unavailable() {
        return unavailable;
    }

    /**
     * Configures the pod's namespace (that of the pause container's process {@code pid}, which
     * must have {@code podIp} on eth0) and the host's side of {@code bridge} with {@code gateway}.
     * Returns null when done, else why it could not be done; nothing is thrown.
     */
    String apply(String bridge, String gateway, long pid, String podIp) {
        if (unavailable != null) {
            return unavailable;
        }
        if (bridge == null || !Files.isDirectory(SYS_NET.resolve(bridge))) {
            return "the Docker network's bridge " + bridge + " is not in this network namespace (the Docker daemon runs "
                    + "elsewhere: on another host, or in a container)";
        }
        Path netns = Path.of("/proc", Long.toString(pid), "ns", "net");
        try {
            if (pid <= 0 || !Files.exists(netns)
                    || Files.readSymbolicLink(netns).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")))) {
                return "the pause container's process " + pid + " is not visible here (the Docker daemon runs in "
                        + "another PID namespace)";
            }
            String addresses = HostCommands.run(List.of(nsenter, "--net=" + netns, ip, "-4", "-o", "addr", "show", "dev", DEVICE), null);
            if (!addresses.contains(" " + podIp + "/")) {
                return "process " + pid + " is not the pause container's here: its network namespace has not " + podIp
                        + " on " + DEVICE + " (the Docker daemon runs in another PID namespace)";
            }
            // the host's end: accept the pod's packets to 127.x, and let the 127.x services' replies cross the bridge
            Files.writeString(Path.of(HostLoopbackRoutes.routeLocalnet(bridge)), "1\n");
            HostCommands.run(List.of(nsenter, "--net=" + netns, sh, "-c", "echo 1 > " + HostLoopbackRoutes.routeLocalnet(DEVICE)),
                    null);
            boolean wholeLoopbackLocal = !HostCommands.run(List.of(nsenter, "--net=" + netns, ip, "-4", "route", "show", "table",
                    "local", "exact", HostLoopbackRoutes.LOOPBACK), null).isBlank();
            HostCommands.run(List.of(nsenter, "--net=" + netns, ip, "-batch", "-"),
                    HostLoopbackRoutes.podRoutesReapplied(gateway, DEVICE, wholeLoopbackLocal));
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }
}
