package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.HostCommands;
import io.capstan.nodeagent.runtime.HostLoopbackRoutes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Pod network namespaces on node N's bridge, made with iproute2 ({@code ip}) as the bridge CNI
 * plugin would (see {@link NetnsPlan} for the layout). Each namespace is recorded under
 * {@code <records>/<netns>} (holding the pod uid) before it is created, so a namespace this node
 * made is always found again: by a restarted runtime, which keeps the namespaces of pods it still
 * has and removes those whose pod directory is gone, and by {@code ./capstan down}.
 *
 * <p>Needs root and {@code ip}; the constructor fails with a message saying which is missing.
 * Thread-safe: the kernel serializes the {@code ip} calls; each pod's own calls are serialized by
 * the runtime (sandbox creation and removal of one pod never overlap).
 */
final class PodNetns {
    private static final Path NETNS_DIR = Path.of("/run/netns");
    private static final Path SYS_NET = Path.of("/sys/class/net");

    private final NetnsPlan plan;
    private final Path records;
    private final String ip;

    PodNetns(int nodeIndex, Path records) {
        this.plan = new NetnsPlan(nodeIndex);
        this.records = records;
        if (!HostCommands.isRoot()) {
            throw new IllegalStateException("capstan.node-agent.pod-network=netns needs root (network namespaces, "
                    + "veth pairs and a bridge); run the node-agent as root or use pod-network=loopback");
        }
        this.ip = findIp();
        try {
            Files.createDirectories(records);
            ensureBridge();
        } catch (IOException e) {
            throw new IllegalStateException("cannot set up the pod bridge " + plan.bridge() + ": " + e.getMessage(), e);
        }
    }

    /** {@code /run/netns/<name>}: what a container's shim joins. */
    static Path path(String netns) {
        return NETNS_DIR.resolve(netns);
    }

    String bridge() {
        return plan.bridge();
    }

    /**
     * The pod's namespace with {@code podIp} on its eth0, made if it is missing and taken over as it
     * is when a runtime before this one made it for the same address (its containers run in it).
     * Returns the namespace's name.
     */
    String setUp(String podUid, String podIp, Path podDir) throws IOException {
        String netns = NetnsPlan.netnsName(podUid);
        String veth = NetnsPlan.vethName(podUid);
        Path done = podDir.resolve("network");
        String wanted = "netns=" + netns + "\nveth=" + veth + "\nip=" + podIp + "\n";
        if (Files.exists(done) && Files.readString(done).equals(wanted) && Files.exists(path(netns))
                && Files.exists(SYS_NET.resolve(veth))) {
            return netns;
        }
        Files.deleteIfExists(done);
        remove(netns, veth);
        Files.writeString(records.resolve(netns), podUid + "\n");
        ip(List.of("netns", "add", netns), null);
        ip(List.of("-batch", "-"), plan.hostBatch(netns, veth));
        ip(List.of("netns", "exec", netns, "/bin/sh", "-c",
                "echo 1 > " + HostLoopbackRoutes.routeLocalnet("eth0")), null);
        ip(List.of("-n", netns, "-batch", "-"), plan.podBatch(podIp));
        Files.writeString(done, wanted);
        return netns;
    }

    /** Removes the pod's namespace and veth, if there are any. Idempotent. */
    void tearDown(String podUid) throws IOException {
        String netns = NetnsPlan.netnsName(podUid);
        remove(netns, NetnsPlan.vethName(podUid));
        Files.deleteIfExists(records.resolve(netns));
    }

    /** Removes the namespaces this node made for pods that {@code podKnown} no longer knows (uid). */
    void removeStale(Predicate<String> podKnown) {
        for (Map.Entry<String, String> record : recorded().entrySet()) {
            if (!podKnown.test(record.getValue())) {
                try {
                    tearDown(record.getValue());
                } catch (IOException e) {
                    // tried again at the next start
                }
            }
        }
    }

    /** Namespace name to pod uid, for every namespace this node made and has not removed. */
    Map<String, String> recorded() {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(records, NetnsPlan.PREFIX + "*")) {
            List<Path> list = new ArrayList<>();
            files.forEach(list::add);
            return list.stream().collect(Collectors.toMap(p -> p.getFileName().toString(), p -> {
                try {
                    return Files.readString(p).trim();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the pod network records in " + records, e);
        }
    }

    private void remove(String netns, String veth) throws IOException {
        // with processes still inside, deleting the name leaves the namespace (and eth0) alive: the veth goes explicitly
        if (Files.exists(SYS_NET.resolve(veth))) {
            ip(List.of("link", "del", veth), null);
        }
        if (Files.exists(path(netns))) {
            ip(List.of("netns", "del", netns), null);
        }
    }

    private void ensureBridge() throws IOException {
        if (!Files.exists(SYS_NET.resolve(plan.bridge()))) {
            ip(List.of("link", "add", plan.bridge(), "type", "bridge"), null);
        }
        ip(List.of("-batch", "-"), plan.bridgeBatch());
        // replies from the host's 127.x services to a pod cross the bridge: the kernel drops them without this
        Files.writeString(Path.of(HostLoopbackRoutes.routeLocalnet(plan.bridge())), "1\n");
    }

    private static String findIp() {
        String ip = HostCommands.find("ip");
        if (ip == null) {
            throw new IllegalStateException("capstan.node-agent.pod-network=netns needs iproute2's ip command, which is "
                    + "not on the PATH (nor in /usr/sbin, /sbin); install iproute2 or use pod-network=loopback");
        }
        return ip;
    }

    /** Runs {@code ip <args>}, with {@code batch} on its stdin (null for none). */
    private void ip(List<String> args, List<String> batch) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(ip);
        argv.addAll(args);
        HostCommands.run(argv, batch);
    }
}
