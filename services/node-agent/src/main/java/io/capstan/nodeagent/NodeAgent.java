package io.capstan.nodeagent;

import io.capstan.controller.ApiClients;
import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.ResourceEventHandler;
import io.capstan.nodeagent.dns.PodDnsConfigurer;
import io.capstan.nodeagent.kube.ApiCalls;
import io.capstan.nodeagent.node.HostResources;
import io.capstan.nodeagent.node.NodeFactsSource;
import io.capstan.nodeagent.node.NodeHeartbeat;
import io.capstan.nodeagent.pods.Backoff;
import io.capstan.nodeagent.pods.PodEvents;
import io.capstan.nodeagent.pods.PodIpAllocator;
import io.capstan.nodeagent.pods.PodManager;
import io.capstan.nodeagent.pods.PodMetrics;
import io.capstan.nodeagent.pods.PodServices;
import io.capstan.nodeagent.probes.Prober;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.runtime.docker.DockerRuntime;
import io.capstan.nodeagent.server.PodDirectory;
import io.capstan.nodeagent.sim.SimulatedNodes;
import io.capstan.nodeagent.volumes.VolumeManager;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServerStart;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The node-agent: on start it either runs this node (registers the Node and keeps its Lease
 * and status, follows the pods bound to it through an informer filtered by
 * {@code spec.nodeName}, runs them through the container runtime) or, with
 * {@code simulated-nodes} &gt; 0, stands in for that many nodes that run nothing. Stopping the
 * agent stops none of the containers: a restarted agent takes them over.
 */
@ApplicationScoped
public class NodeAgent {
    private static final Logger LOG = Logger.getLogger(NodeAgent.class);

    @Inject
    NodeAgentConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    Instance<ContainerRuntime> runtimes;

    @Inject
    Vertx vertx;

    private volatile int httpPort;
    private KubernetesClient client;
    private ScheduledExecutorService timer;
    private ExecutorService executor;
    private EventRecorder recorder;
    private NodeHeartbeat heartbeat;
    private Informer<Pod> podInformer;
    private Informer<Service> serviceInformer;
    private volatile PodManager pods;
    private SimulatedNodes simulated;

    void onHttpStart(@Observes HttpServerStart start) {
        if (start.options().getPort() > 0) {
            httpPort = start.options().getPort();
        }
    }

    void onStart(@Observes StartupEvent event) {
        client = ApiClients.create(config.apiServerUrl(), new ObjectMapper(), httpClients());
        if (config.simulatedNodes() > 0) {
            startSimulated();
        } else {
            startNode();
        }
    }

    /**
     * A node's agent talks to the api-server over the Vert.x that Quarkus already runs for the kubelet API: the JDK's
     * HTTP client would load about 220 more classes and its own selector thread (bench/pods: 1.3 MB less RSS settled,
     * 5 MB less at the peak). The simulated nodes keep the JDK's client, whose HTTP/2 carries their thousands of
     * concurrent heartbeats over one connection (bench/scheduler measured it).
     */
    private HttpClient.Factory httpClients() {
        if (config.simulatedNodes() > 0) {
            return new JdkHttpClientFactory() {
                @Override
                protected java.net.http.HttpClient.Builder createNewHttpClientBuilder() {
                    // HTTP callbacks on virtual threads instead of a cached pool of platform threads (memory)
                    return java.net.http.HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor());
                }
            };
        }
        return new VertxHttpClientFactory(vertx);
    }

    private void startNode() {
        String name = nodeName();
        int index = config.nodeIndex();
        if (index < 1 || index > 254) {
            throw new IllegalArgumentException("capstan.node-agent.node-index must be 1..254, was " + index);
        }
        String nodeIp = config.nodeIp().orElse("127.0.1." + index);
        ContainerRuntime runtime = runtimes.get();
        // pods behind a bridge (netns, docker's network) get .2 and up: .1 is the bridge's own address; pods on
        // the node's loopback (pod-network=loopback, docker.network container:<x> or host) get 127.244.N.x
        String bridgedSubnet = runtime.podSubnetPrefix();
        boolean bridged = bridgedSubnet != null;
        String podSubnet = bridged ? bridgedSubnet : "127.244." + index;
        Path stateDir = stateDir(name);
        ApiCalls api = new ApiCalls(client);
        NodeFactsSource facts = new NodeFactsSource(name, nodeIp, List.of(podSubnet + ".0/24"), new HostResources(stateDir), runtime,
                this::kubeletPort, config.maxPods(), NodeFactsSource.bytes(config.evictionHardMemory()), config.kubeletVersion());
        heartbeat = new NodeHeartbeat(client, api, name, facts::facts, config.leaseRenewInterval(),
                config.nodeStatusUpdateInterval(), config.nodeStatusReportInterval(), Clock.systemUTC());

        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pod-timer");
            t.setDaemon(true);
            return t;
        });
        executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pod-", 0).factory());
        recorder = new EventRecorder(client, "kubelet", name, Clock.systemUTC());
        podInformer = new Informer<>(Pod.class, client, kafka(), Informer.Options.defaults()
                .withResyncPeriod(config.informerResyncPeriod()).withFieldSelector("spec.nodeName=" + name)).dropManagedFields();
        // the service environment variables of every container start read this cache, as the kubelet's service lister
        serviceInformer = new Informer<>(Service.class, client, kafka(), Informer.Options.defaults()
                .withResyncPeriod(config.informerResyncPeriod())).dropManagedFields();
        PodMetrics metrics = new PodMetrics(registry);
        PodServices services = new PodServices(runtime, client, api, new PodEvents(recorder), timer, executor, new Prober(runtime),
                new VolumeManager(VolumeManager.defaultMemoryRoot(name)), new PodIpAllocator(stateDir.resolve("ipam"), podSubnet, bridged ? 2 : 1),
                Backoff.crashLoop(Clock.systemUTC()), Backoff.crashLoop(Clock.systemUTC()), metrics, Clock.systemUTC(), name, nodeIp,
                facts::allocatable, config.podResyncInterval(),
                new PodDnsConfigurer(config.clusterDns().orElse(List.of(nodeIp)), config.clusterDomain(), Path.of(config.resolvConf())),
                serviceInformer, new Semaphore(parallelPodStarts(), true));
        pods = new PodManager(services, podInformer, config.runtimeRelistInterval());
        metrics.gauges(pods);
        Gauge.builder("kubelet_node_name", () -> 1).tag("node", name).description("The node's name. The count is always 1.")
                .register(registry);
        LOG.infof("node-agent %s: InternalIP %s, pods %s.0/24 (%s), runtime %s, state %s, api-server %s, kafka %s", name, nodeIp,
                podSubnet, runtime instanceof DockerRuntime ? "docker network" : config.podNetwork(), runtime.name(), stateDir, config.apiServerUrl(), config.kafkaBootstrapServers());
        // register once the kubelet port is known (a random test port is bound after start-up)
        Thread.ofVirtual().name("node-register").start(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (kubeletPort() <= 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            heartbeat.start();
        });
        if (!config.heapShrinkAfter().isZero()) {
            HeapShrink shrink = HeapShrink.create(config.heapShrinkAfter(), registry);
            podInformer.addEventHandler(ResourceEventHandler.onAnyChange(shrink::podsChanged));
            long every = Math.max(1000, config.heapShrinkAfter().toMillis() / 3);
            timer.scheduleWithFixedDelay(shrink::tick, every, every, TimeUnit.MILLISECONDS);
        }
        serviceInformer.start();
        podInformer.start();
        pods.start();
    }

    private void startSimulated() {
        Map<String, Quantity> capacity = new LinkedHashMap<>();
        capacity.put("cpu", new Quantity(config.simulated().cpu()));
        capacity.put("ephemeral-storage", new Quantity(config.simulated().ephemeralStorage()));
        capacity.put("memory", new Quantity(config.simulated().memory()));
        capacity.put("pods", new Quantity(String.valueOf(config.simulated().pods())));
        var info = new io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder()
                .withMachineID("").withSystemUUID("").withBootID("").withKernelVersion("").withOsImage("simulated")
                .withContainerRuntimeVersion("simulated://0").withKubeletVersion(config.kubeletVersion()).withKubeProxyVersion("")
                .withOperatingSystem("linux").withArchitecture(HostResources.architecture()).build();
        simulated = new SimulatedNodes(client, new ApiCalls(client), new SimulatedNodes.Settings(nodeName(), config.simulatedNodes(),
                capacity, config.simulated().leaseRenewInterval(), config.nodeStatusReportInterval(), config.simulated().concurrency(),
                kubeletPort(), info), kafka(), config.informerResyncPeriod(), registry, Clock.systemUTC());
        simulated.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (simulated != null) {
            simulated.close();
        }
        if (podInformer != null) {
            podInformer.close();
        }
        if (serviceInformer != null) {
            serviceInformer.close();
        }
        if (heartbeat != null) {
            heartbeat.close();
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (recorder != null) {
            recorder.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** The pods this agent runs, for the streaming server; empty in simulated mode and before start. */
    public PodDirectory podDirectory() {
        return (namespace, name) -> {
            PodManager p = pods;
            return p == null ? Optional.empty() : p.pod(namespace, name);
        };
    }

    /** Ready once the Node is registered and the pod informer has listed (or, simulated, once started). */
    public boolean ready() {
        if (simulated != null) {
            return simulated.registered() > 0;
        }
        return heartbeat != null && heartbeat.registered() && podInformer != null && podInformer.hasSynced();
    }

    /** Whether pods get network namespaces of their own ({@code pod-network=netns}); anything else but loopback is refused. */
    boolean netns() {
        return switch (config.podNetwork()) {
            case "netns" -> true;
            case "loopback" -> false;
            default -> throw new IllegalArgumentException("capstan.node-agent.pod-network must be loopback or netns, was "
                    + config.podNetwork());
        };
    }

    public String nodeName() {
        return config.nodeName().filter(n -> !n.isBlank()).orElseGet(NodeAgent::hostName);
    }

    Path stateDir(String name) {
        return Path.of(config.stateDir().orElse(".capstan/node-agent/" + name)).toAbsolutePath();
    }

    private int parallelPodStarts() {
        return config.parallelPodStarts() > 0 ? config.parallelPodStarts() : 2 * Runtime.getRuntime().availableProcessors();
    }

    private Map<String, Object> kafka() {
        return Map.of("bootstrap.servers", config.kafkaBootstrapServers());
    }

    /** The kubelet endpoint's actual port: the bound port once the server started, else the configured one. */
    int kubeletPort() {
        if (httpPort > 0) {
            return httpPort;
        }
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        // a random port (0) is published as a system property, with the profile prefix, once bound
        for (String property : List.of("%" + io.quarkus.runtime.configuration.ConfigUtils.getProfiles().get(0) + "." + key, key)) {
            String bound = System.getProperty(property);
            if (bound != null && bound.matches("[1-9][0-9]*")) {
                return Integer.parseInt(bound);
            }
        }
        return ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(10250);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
