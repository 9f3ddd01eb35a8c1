package io.capstan.nodeagent.node;

import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.ContainerImageBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Measures this host into {@link NodeStatusModel.NodeFacts}, as the kubelet's setters do:
 * capacity from the host (cpu, memory, the state directory's file system as ephemeral-storage,
 * pods), allocatable after the default hard eviction thresholds (memory.available 100Mi,
 * nodefs.available 10%), pressure when those thresholds are crossed (and when fewer than 10%
 * of PIDs are free), nodeInfo from /etc and /proc, the runtime's images, and not Ready while
 * the runtime does not answer.
 */
public final class NodeFactsSource {
    private static final int MAX_IMAGES = 50;

    private final String name;
    private final String internalIp;
    private final List<String> podCidrs;
    private final HostResources host;
    private final ContainerRuntime runtime;
    private final IntSupplier kubeletPort;
    private final int maxPods;
    private final long evictionHardMemory;
    private final String kubeletVersion;
    private volatile NodeStatusModel.NodeFacts last;

    public NodeFactsSource(String name, String internalIp, List<String> podCidrs, HostResources host, ContainerRuntime runtime,
                           IntSupplier kubeletPort, int maxPods, long evictionHardMemory, String kubeletVersion) {
        this.name = name;
        this.internalIp = internalIp;
        this.podCidrs = List.copyOf(podCidrs);
        this.host = host;
        this.runtime = runtime;
        this.kubeletPort = kubeletPort;
        this.maxPods = maxPods;
        this.evictionHardMemory = evictionHardMemory;
        this.kubeletVersion = kubeletVersion;
    }

    public NodeStatusModel.NodeFacts facts() {
        HostResources.Snapshot h = host.measure();
        Map<String, Quantity> capacity = new LinkedHashMap<>();
        capacity.put("cpu", new Quantity(String.valueOf(h.cpus())));
        capacity.put("ephemeral-storage", new Quantity(Quantities.binary(h.diskBytes())));
        capacity.put("hugepages-1Gi", new Quantity("0"));
        capacity.put("hugepages-2Mi", new Quantity("0"));
        capacity.put("memory", new Quantity(Quantities.binary(h.memoryBytes())));
        capacity.put("pods", new Quantity(String.valueOf(maxPods)));
        Map<String, Quantity> allocatable = new LinkedHashMap<>(capacity);
        long diskThreshold = h.diskBytes() / 10;
        allocatable.put("ephemeral-storage", new Quantity(Quantities.binary(Math.max(0, h.diskBytes() - diskThreshold))));
        allocatable.put("memory", new Quantity(Quantities.binary(Math.max(0, h.memoryBytes() - evictionHardMemory))));

        String notReady = null;
        List<ContainerImage> images = new ArrayList<>();
        try {
            runtime.listContainers();
            for (String image : runtime.images()) {
                if (images.size() >= MAX_IMAGES) {
                    break;
                }
                images.add(new ContainerImageBuilder().withNames(image).withSizeBytes(0L).build());
            }
        } catch (RuntimeException e) {
            notReady = "container runtime is down: " + e.getMessage();
        }
        NodeStatusModel.NodeFacts facts = new NodeStatusModel.NodeFacts(name, internalIp, kubeletPort.getAsInt(), podCidrs,
                capacity, allocatable, info(), images, h.memoryAvailableBytes() < evictionHardMemory,
                h.diskAvailableBytes() < diskThreshold, h.pidMax() - h.processes() < h.pidMax() / 10, notReady);
        last = facts;
        return facts;
    }

    /** The allocatable of the last measurement (resourceFieldRef defaults); measures once if there is none yet. */
    public Map<String, Quantity> allocatable() {
        NodeStatusModel.NodeFacts facts = last;
        return (facts != null ? facts : facts()).allocatable();
    }

    public NodeSystemInfo info() {
        String machineId = HostResources.firstLine("/etc/machine-id").orElse("");
        return new NodeSystemInfoBuilder()
                .withMachineID(machineId)
                .withSystemUUID(HostResources.firstLine("/sys/class/dmi/id/product_uuid").orElse(machineId))
                .withBootID(HostResources.firstLine("/proc/sys/kernel/random/boot_id").orElse(""))
                .withKernelVersion(HostResources.firstLine("/proc/sys/kernel/osrelease").orElse(System.getProperty("os.version")))
                .withOsImage(HostResources.osImage())
                .withContainerRuntimeVersion(runtime.name() + "://" + (runtime.version() != null ? runtime.version() : runtimeVersion()))
                .withKubeletVersion(kubeletVersion)
                .withKubeProxyVersion("")
                .withOperatingSystem(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("linux") ? "linux"
                        : System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT))
                .withArchitecture(HostResources.architecture())
                .build();
    }

    private static String runtimeVersion() {
        String v = NodeFactsSource.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0" : v;
    }

    /** Bytes of a quantity such as {@code 100Mi}. */
    public static long bytes(String quantity) {
        BigDecimal value = Quantities.value(new Quantity(quantity));
        return value == null ? 0 : value.longValue();
    }
}
