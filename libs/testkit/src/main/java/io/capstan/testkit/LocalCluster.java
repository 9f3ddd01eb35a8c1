package io.capstan.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every Capstan role as a real process, as {@code ./capstan up} runs them: etcd, Kafka, the
 * api-server, the controller-manager, the scheduler, node-agents with the process runtime and,
 * when asked, the mesh control plane with a node proxy per node,
 * for end-to-end tests and benchmarks. Node indexes are picked at random above 100 so the nodes'
 * addresses (127.0.1.N, pods in 127.244.N.0/24) do not collide with a cluster of
 * {@code ./capstan up} on the same machine. The controller-manager notices silent nodes after 20 s
 * (two missed 10 s Lease renewals) and evicts after 5 s more, so a test can watch pods move in
 * seconds rather than Kubernetes' default five minutes. Closing it (or the JVM's exit, or a failed start) stops every role and kills the pods' processes, which outlive
 * their node-agent by design.
 */
public final class LocalCluster implements AutoCloseable {
    private static final List<String> SERVICE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /**
     * As ./capstan starts node-agents (bench/pods: under 150 MB RSS with 50 pods), with compact
     * object headers where the JDK has them as a product flag (25+; the agents run on this JVM's
     * java).
     */
    public static final List<String> AGENT_JVM = withCompactHeaders(List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx48m", "-Xmn4m",
            "-XX:MaxMetaspaceSize=96m", "-XX:ReservedCodeCacheSize=24m", "-Xss256k", "-XX:CICompilerCount=1",
            "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=3", "-XX:MinHeapFreeRatio=5", "-XX:MaxHeapFreeRatio=10",
            "-XX:-ShrinkHeapInSteps", "-XX:TrimNativeHeapInterval=5000",
            "-XX:-UsePerfData", "-Dio.netty.allocator.numDirectArenas=1", "-Dio.netty.allocator.numHeapArenas=1"));

    /**
     * {@link #AGENT_JVM}, then the flags of {@code -Dcapstan.agent.jvm}, else of the environment's
     * {@code CAPSTAN_AGENT_JVM} (the benches' experiments; a later flag wins).
     */
    static List<String> agentJvm() {
        return JvmFlags.withExtra(AGENT_JVM, "capstan.agent.jvm", "CAPSTAN_AGENT_JVM");
    }

    /**
     * As ./capstan starts node proxies (bench/proxy: C1 only and a 64 MB code cache keep it near
     * 128 MB RSS with 1,000 Services and avoid the code-cache-triggered full GCs of a smaller one).
     */
    public static final List<String> PROXY_JVM = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx64m",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:-ShrinkHeapInSteps",
            "-XX:MetaspaceSize=64m", "-XX:MaxMetaspaceSize=80m", "-XX:ReservedCodeCacheSize=64m",
            "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-Xss256k", "-XX:TrimNativeHeapInterval=1000",
            "-XX:-UsePerfData", "-Dio.netty.allocator.numDirectArenas=1", "-Dio.netty.allocator.numHeapArenas=0");

    public final EtcdProcess etcd;
    public final KafkaProcess kafka;
    public final ApiServerProcess apiServer;
    public final ServiceProcess controllerManager;
    public final ServiceProcess scheduler;
    public final Path stateDir;
    /** The mesh control plane, or null when started without the mesh. */
    public final ServiceProcess mesh;
    private final int xdsPort;
    private final int firstIndex;
    private final Map<String, ServiceProcess> agents = new LinkedHashMap<>();
    private final Map<String, ServiceProcess> proxies = new LinkedHashMap<>();
    private final Map<String, Integer> dnsPorts = new LinkedHashMap<>();
    private final String podNetwork;

    /**
     * Tears the stack down if the JVM ends without {@link #close()} (a bench stopped with Ctrl-C, a test JVM killed
     * with SIGTERM): {@link ExitReaper} kills each role's process anyway; this kills the pods' processes too, once
     * the agents that would restart them are gone.
     */
    private final Thread exitHook = new Thread(this::teardown, "local-cluster-teardown");
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalCluster(int nodes, boolean withMesh, String podNetwork) throws IOException {
        this.podNetwork = podNetwork;
        stateDir = Files.createTempDirectory("capstan-e2e");
        Runtime.getRuntime().addShutdownHook(exitHook);
        try {
            firstIndex = 100 + ThreadLocalRandom.current().nextInt(140);
            etcd = EtcdProcess.start();
            kafka = KafkaProcess.start();
            apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
            controllerManager = ServiceProcess.start("controller-manager", "services/controller-manager", "127.0.0.1", FreePorts.next(),
                    Map.of("capstan.controller-manager.api-server-url", apiServer.url(),
                            "capstan.controller-manager.etcd-endpoints", etcd.endpoint(),
                            "capstan.controller-manager.kafka-bootstrap-servers", kafka.bootstrapServers(),
                            "capstan.controller-manager.data-dir", stateDir.resolve("controller-manager").toString(),
                            "capstan.controller-manager.node-monitor-grace-period", "20s",
                            "capstan.controller-manager.default-toleration-seconds", "5"), SERVICE_JVM);
            scheduler = ServiceProcess.start("scheduler", "services/scheduler", "127.0.0.1", FreePorts.next(),
                    Map.of("capstan.scheduler.api-server-url", apiServer.url(),
                            "capstan.scheduler.etcd-endpoints", etcd.endpoint(),
                            "capstan.scheduler.kafka-bootstrap-servers", kafka.bootstrapServers()), SERVICE_JVM);
            xdsPort = withMesh ? FreePorts.next() : -1;
            mesh = withMesh ? ServiceProcess.start("mesh", "mesh/control-plane", "127.0.0.1", FreePorts.next(),
                    Map.of("capstan.mesh.api-server-url", apiServer.url(),
                            "capstan.mesh.kafka-bootstrap-servers", kafka.bootstrapServers(),
                            "capstan.mesh.xds-port", Integer.toString(xdsPort)), SERVICE_JVM, "/q/health/ready") : null;
            for (int i = 0; i < nodes; i++) {
                String node = nodeName(i);
                if (withMesh) {
                    startProxy(node);
                }
                startAgent(node);
            }
        } catch (RuntimeException | Error e) {
            // what did start does not wait for the JVM's exit
            close();
            throw e;
        }
    }

    /** Starts every role and {@code nodes} node-agents; each is live when this returns. */
    public static LocalCluster start(int nodes) {
        return start(nodes, false);
    }

    /**
     * As {@link #start(int)}, and with {@code withMesh} also the mesh control plane and a node
     * proxy per node (Service IPs, NodePorts at the node's IP, DNS on a free port of the node's IP).
     */
    public static LocalCluster start(int nodes, boolean withMesh) {
        return start(nodes, withMesh, "loopback");
    }

    /**
     * As {@link #start(int, boolean)}, with the node-agents' pod network: {@code loopback} (pods
     * share the host's network) or {@code netns} (a network namespace per pod on the node's bridge;
     * root only).
     */
    public static LocalCluster start(int nodes, boolean withMesh, String podNetwork) {
        try {
            return new LocalCluster(nodes, withMesh, podNetwork);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The node's IP, 127.0.1.N. */
    public static String nodeIp(String node) {
        return "127.0.1." + Integer.parseInt(node.substring(node.lastIndexOf('-') + 1));
    }

    /**
     * Starts (or restarts) the node proxy of {@code node}. It serves DNS on port 53 of the node's
     * IP, where the node-agent's pods look for it (their resolv.conf names the node's IP), as
     * root; on a free port otherwise.
     */
    public ServiceProcess startProxy(String node) {
        int dnsPort = dnsPorts.computeIfAbsent(node, n -> "root".equals(System.getProperty("user.name")) ? 53 : FreePorts.next());
        ServiceProcess proxy = ServiceProcess.start("proxy", "services/proxy", nodeIp(node), FreePorts.next(),
                Map.of("capstan.proxy.node-name", node,
                        "capstan.proxy.node-ip", nodeIp(node),
                        "capstan.proxy.xds-address", "127.0.0.1:" + xdsPort,
                        "capstan.proxy.dns-port", Integer.toString(dnsPort)), PROXY_JVM);
        proxies.put(node, proxy);
        return proxy;
    }

    public ServiceProcess proxy(String node) {
        return proxies.get(node);
    }

    /** The UDP/TCP port the node's proxy answers DNS on, at {@link #nodeIp}. */
    public int dnsPort(String node) {
        return dnsPorts.get(node);
    }

    public String nodeName(int i) {
        return "e2e-node-" + (firstIndex + i);
    }

    public List<String> nodeNames() {
        return new ArrayList<>(agents.keySet());
    }

    /** Starts (or restarts) the node-agent of {@code node}, with the same state directory as before. */
    public ServiceProcess startAgent(String node) {
        int index = Integer.parseInt(node.substring(node.lastIndexOf('-') + 1));
        ServiceProcess agent = ServiceProcess.start(node, "services/node-agent", "127.0.1." + index, FreePorts.next(),
                Map.of("capstan.node-agent.node-name", node,
                        "capstan.node-agent.node-index", Integer.toString(index),
                        "capstan.node-agent.api-server-url", apiServer.url(),
                        "capstan.node-agent.kafka-bootstrap-servers", kafka.bootstrapServers(),
                        "capstan.node-agent.state-dir", stateDir.resolve(node).toString(),
                        "capstan.node-agent.pod-network", podNetwork),
                agentJvm());
        agents.put(node, agent);
        return agent;
    }

    public ServiceProcess agent(String node) {
        return agents.get(node);
    }

    private static List<String> withCompactHeaders(List<String> flags) {
        if (Runtime.version().feature() < 25) {
            return flags;
        }
        List<String> out = new java.util.ArrayList<>(flags);
        out.add("-XX:+UseCompactObjectHeaders");
        return List.copyOf(out);
    }

    /** The logs of every role, for a failed test's report. */
    public String logs() {
        StringBuilder b = new StringBuilder();
        b.append("=== api-server\n").append(tail(apiServer.log()));
        b.append("=== controller-manager\n").append(tail(controllerManager.log()));
        b.append("=== scheduler\n").append(tail(scheduler.log()));
        if (mesh != null) {
            b.append("=== mesh\n").append(tail(mesh.log()));
        }
        proxies.forEach((name, proxy) -> b.append("=== proxy ").append(name).append('\n').append(tail(proxy.log())));
        agents.forEach((name, agent) -> b.append("=== ").append(name).append('\n').append(tail(agent.log())));
        return b.toString();
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, or has run, the same teardown
        }
        teardown();
    }

    /** Stops what has started (a failed start leaves later roles null), once. */
    private void teardown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<AutoCloseable> all = new ArrayList<>(agents.values());
        all.addAll(proxies.values());
        all.add(mesh);
        all.addAll(Arrays.asList(scheduler, controllerManager, apiServer, kafka, etcd));
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort teardown
            }
        }
        Containers.killUnder(stateDir);
        if ("netns".equals(podNetwork)) {
            removePodNetworks();
        }
    }

    /** The network namespaces the node-agents recorded under the state directory, and their bridges. */
    private void removePodNetworks() {
        for (String node : agents.keySet()) {
            Path records = stateDir.resolve(node).resolve("runtime").resolve("netns");
            try (var names = Files.isDirectory(records) ? Files.list(records) : java.util.stream.Stream.<Path>empty()) {
                for (Path record : names.toList()) {
                    run("ip", "netns", "del", record.getFileName().toString());
                }
            } catch (IOException ignored) {
                // best effort teardown
            }
            run("ip", "link", "del", "capbr" + node.substring(node.lastIndexOf('-') + 1));
        }
    }

    private static void run(String... command) {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort teardown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
