package io.capstan.nodeagent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The node-agent's settings ({@code capstan.node-agent.*}). {@code ./capstan} sets node-name,
 * node-index, api-server-url, kafka-bootstrap-servers, state-dir and the kubelet endpoint
 * ({@code quarkus.http.host/port}); everything else has a kubelet-like default.
 */
@ConfigMapping(prefix = "capstan.node-agent")
public interface NodeAgentConfig {
    /** The Node's name; defaults to the host name (kubelet's --hostname-override). */
    Optional<String> nodeName();

    /**
     * N in 1..254: the node's InternalIP is 127.0.1.N and its pods get 127.244.N.0/24 (198.18.N.0/24
     * with netns, 198.19.N.0/24 with the docker runtime).
     */
    @WithDefault("1")
    int nodeIndex();

    /**
     * The address the Node advertises as its InternalIP: where the api-server reaches this agent's
     * kubelet API (logs, exec, port-forward) and the pods' {@code status.hostIP}. Defaults to
     * 127.0.1.N; where the agent runs in a container of its own (the Helm chart), its pod IP.
     */
    Optional<String> nodeIp();

    @WithDefault("http://127.0.0.1:6443")
    String apiServerUrl();

    /** The Kafka brokers of the change feed the pod informer follows. */
    @WithDefault("127.0.0.1:9092")
    String kafkaBootstrapServers();

    /** Runtime state and pod directories; defaults to .capstan/node-agent/&lt;node-name&gt;. */
    Optional<String> stateDir();

    /**
     * The container runtime: {@code process} (each container a host process, images from the
     * image catalog) or {@code docker} (a Docker daemon, see {@link #docker()}).
     */
    @WithDefault("process")
    String runtime();

    /**
     * How the process runtime networks pods: {@code loopback} puts every pod on the host's network
     * with an address in 127.244.N.0/24; {@code netns} (Linux, root, iproute2) gives each pod its
     * own network namespace on the bridge {@code capbr<N>} with an address in 198.18.N.0/24. The
     * docker runtime networks pods on its own bridge network ({@link Docker#network()}) and refuses
     * {@code netns}.
     */
    @WithDefault("loopback")
    String podNetwork();

    /** The docker runtime ({@code runtime=docker}). */
    Docker docker();

    /** Settings of the docker runtime ({@code capstan.node-agent.docker.*}). */
    interface Docker {
        /**
         * The daemon's address ({@code unix:///path} or {@code tcp://host:port}); defaults to the
         * environment's {@code DOCKER_HOST}, else {@code unix:///var/run/docker.sock}.
         */
        Optional<String> host();

        /**
         * The network every pod's sandbox joins. A name is a bridge network of the runtime's, made
         * if missing with {@link #podSubnet()}, each pod with a network namespace and an address of
         * its own; defaults to {@code capstan-node<N>}. {@code container:<name-or-id>} (a running
         * container's network namespace, such as the node-agent's own container, where the node
         * proxy or Envoy serve the node's Services on loopback) or {@code host} makes every pod join
         * that one namespace instead, as the process runtime's loopback pod network: no network is
         * made, the pod IPs are allocated from 127.244.N.0/24 on its loopback (pod-subnet is
         * ignored), pods reach the Services and each other there and share its ports (two pods
         * cannot listen on one port on all addresses). With {@code container:} Docker allows no
         * hostname of the pod's own: the container's hostname is that container's, the pod's is
         * in its /etc/hosts (with the pod IP) and in {@code HOSTNAME}. {@code hostNetwork} pods
         * join the same namespace.
         */
        Optional<String> network();

        /**
         * The network's subnet, a /24: the gateway is .1 and pod IPs are allocated from .2 to .254.
         * Defaults to 198.19.N.0/24. An existing network with another subnet is an error at start.
         */
        Optional<String> podSubnet();

        /** Whether an image the daemon lacks is pulled (kubelet's IfNotPresent); false makes it ErrImagePull at once. */
        @WithDefault("true")
        boolean pullImages();

        /** The image of every pod's sandbox ("pause") container; it needs {@code sh} and {@code sleep}. */
        @WithDefault("busybox")
        String pauseImage();
    }

    /** An image catalog file for the process runtime; its built-in catalog otherwise. */
    Optional<String> imageCatalog();

    /** 0 runs a real node; N &gt; 0 registers N simulated nodes instead (like KWOK) and runs nothing. */
    @WithDefault("0")
    int simulatedNodes();

    /** How often the node's Lease is renewed (kubelet: 10 s, a quarter of its 40 s duration). */
    @WithDefault("10s")
    Duration leaseRenewInterval();

    /** How often node status is computed; it is posted when it changed (kubelet: nodeStatusUpdateFrequency). */
    @WithDefault("10s")
    Duration nodeStatusUpdateInterval();

    /** Node status is posted at least this often even if unchanged (kubelet: nodeStatusReportFrequency). */
    @WithDefault("5m")
    Duration nodeStatusReportInterval();

    /**
     * After the old generation has grown and no pod event came for this long, one full collection
     * returns the heap's free part ({@link HeapShrink}); 0 turns it off.
     */
    @WithDefault("15s")
    Duration heapShrinkAfter();

    /**
     * How many new pods may be between their sandbox and their first started process at once;
     * the others wait their turn in the order they arrived. 0 means twice the CPUs.
     */
    @WithDefault("0")
    int parallelPodStarts();

    /** How often every pod is synced even without events (kubelet's --sync-frequency). */
    @WithDefault("60s")
    Duration podResyncInterval();

    /** How often the runtime is relisted to notice exited containers (the kubelet's PLEG relist). */
    @WithDefault("1s")
    Duration runtimeRelistInterval();

    /** How often the pod informer relists from the api-server. */
    @WithDefault("10m")
    Duration informerResyncPeriod();

    /** Maximum pods on this node (status.capacity.pods). */
    @WithDefault("110")
    int maxPods();

    /** The version reported as status.nodeInfo.kubeletVersion (kubectl get nodes' VERSION). */
    @WithDefault("v1.33.0-capstan.0")
    String kubeletVersion();

    /** Memory kept from pods: allocatable = capacity - this (kubelet's memory.available&lt;100Mi eviction threshold). */
    @WithDefault("100Mi")
    String evictionHardMemory();

    /**
     * The cluster DNS servers written into ClusterFirst pods' resolv.conf (kubelet's
     * --cluster-dns); defaults to the node's own IP, where the node proxy serves DNS on port 53.
     */
    Optional<List<String>> clusterDns();

    /** The cluster's DNS domain (kubelet's --cluster-domain). */
    @WithDefault("cluster.local")
    String clusterDomain();

    /** The node's resolver configuration, which Default pods get (kubelet's --resolv-conf). */
    @WithDefault("/etc/resolv.conf")
    String resolvConf();

    Simulated simulated();

    /** Simulated nodes ({@code simulated-nodes} &gt; 0). */
    interface Simulated {
        /** Capacity of each simulated node. */
        @WithDefault("32")
        String cpu();

        @WithDefault("256Gi")
        String memory();

        @WithDefault("1Ti")
        String ephemeralStorage();

        @WithDefault("110")
        int pods();

        /** How often each simulated node's Lease is renewed; renewals are spread over the interval. */
        @WithDefault("10s")
        Duration leaseRenewInterval();

        /** Requests in flight at once to the api-server (lease renewals, pod status, deletes). */
        @WithDefault("32")
        int concurrency();
    }
}
