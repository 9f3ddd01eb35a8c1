package io.capstan.mesh.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.capstan.xds.XdsNames;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane in-process against a real etcd, Kafka and api-server. Services and
 * EndpointSlices are written through the API; three independent clients read the result: a bare
 * state-of-the-world ADS client (shapes, ACK, EDS-only pushes, NACK without a resend loop), a
 * bare delta ADS client, and grpc-java's own xDS support balancing calls over three backends.
 * Each client is in its own group, so one's NACK does not roll back another's snapshot.
 */
@QuarkusTest
@QuarkusTestResource(value = MeshCluster.class, restrictToAnnotatedClass = true)
class MeshControlPlaneIT {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
    static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
    static final String LDS = Resources.V3.LISTENER_TYPE_URL;
    static final String RDS = Resources.V3.ROUTE_TYPE_URL;
    static final String WEB = XdsNames.serviceHost("web", "default");
    static final String WEB80 = XdsNames.outboundCluster(80, "", WEB);
    static final String WEB6379 = XdsNames.outboundCluster(6379, "", WEB);
    static final String GREETER = XdsNames.serviceHost("greeter", "default");
    static final String GREETER_CLUSTER = XdsNames.outboundCluster(50051, "", GREETER);

    static KubernetesClient kube;
    static Service web;
    static final List<Server> backends = new ArrayList<>();

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @BeforeAll
    static void cluster() throws IOException {
        kube = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(MeshCluster.apiServer.url()).build())
                .withHttpClientFactory(new JdkHttpClientFactory())
                .withKubernetesSerialization(new KubernetesSerialization(new ObjectMapper(), false))
                .build();
        web = kube.services().inNamespace("default").resource(new ServiceBuilder()
                .withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withType("NodePort")
                .addNewPort().withName("http").withPort(80).withNewTargetPort(8080).endPort()
                .addNewPort().withName("redis").withPort(6379).withNewTargetPort(6379).endPort()
                .endSpec().build()).create();
        kube.resource(webSlice(endpoint("10.244.0.5", true, false), endpoint("10.244.0.6", false, true))).create();

        List<Endpoint> greeterEndpoints = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Server backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(who(i)).build().start();
            backends.add(backend);
            kube.resource(new EndpointSliceBuilder().withNewMetadata().withName("greeter-" + i).withNamespace("default")
                    .addToLabels("kubernetes.io/service-name", "greeter").endMetadata()
                    .withAddressType("IPv4")
                    .addNewPort().withName("grpc").withPort(backend.getPort()).withProtocol("TCP").endPort()
                    .withEndpoints(endpoint("127.0.0.1", true, false)).build()).create();
        }
        kube.services().inNamespace("default").resource(new ServiceBuilder()
                .withNewMetadata().withName("greeter").withNamespace("default").endMetadata()
                .withNewSpec().addNewPort().withName("grpc").withPort(50051).endPort().endSpec().build()).create();
        // Untyped on the client's side: the Istio model's polymorphic lbPolicy does not resolve reliably
        // in the test's class loader (the control plane under test reads it typed).
        kube.resource(kube.getKubernetesSerialization().unmarshal("""
                {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule",
                 "metadata":{"name":"greeter","namespace":"default"},
                 "spec":{"host":"greeter","trafficPolicy":{"loadBalancer":{"simple":"ROUND_ROBIN"}}}}""",
                io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)).create();
    }

    @AfterAll
    static void stop() {
        backends.forEach(Server::shutdownNow);
        if (kube != null) {
            kube.close();
        }
    }

    static Endpoint endpoint(String ip, boolean ready, boolean terminating) {
        return new EndpointBuilder().withAddresses(ip).withHostname("web-" + ip.substring(ip.lastIndexOf('.') + 1))
                .withNewConditions().withReady(ready).withServing(true).withTerminating(terminating).endConditions().build();
    }

    static EndpointSlice webSlice(Endpoint... endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withName("web-1").withNamespace("default")
                .addToLabels("kubernetes.io/service-name", "web").endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort()
                .addNewPort().withName("redis").withPort(6379).withProtocol("TCP").endPort()
                .withEndpoints(endpoints).build();
    }

    static void updateWebSlice(Endpoint... endpoints) {
        EndpointSlice current = kube.resources(EndpointSlice.class).inNamespace("default").withName("web-1").get();
        kube.resource(new EndpointSliceBuilder(current).withEndpoints(endpoints).build()).update();
    }

    /** A unary method that answers with the backend's index, with raw bytes in and out (no generated code). */
    static final MethodDescriptor<byte[], byte[]> WHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("capstan.test.Who/Who")
            .setRequestMarshaller(new Bytes()).setResponseMarshaller(new Bytes()).build();

    static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static ServerServiceDefinition who(int index) {
        return ServerServiceDefinition.builder("capstan.test.Who")
                .addMethod(WHO, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(new byte[]{(byte) index});
                    out.onCompleted();
                })).build();
    }

    static Node node(String name) {
        return XdsNames.nodeProxy(name, "127.0.0.1");
    }

    /** Reads responses until one of {@code type} satisfies {@code done}, ACKing everything else on the way. */
    static DiscoveryResponse until(AdsClient c, Map<String, List<String>> names, Map<String, DiscoveryResponse> last, String type,
                                   Predicate<DiscoveryResponse> done) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            DiscoveryResponse r = c.next(Duration.ofSeconds(1));
            if (r == null) {
                continue;
            }
            last.put(r.getTypeUrl(), r);
            if (r.getTypeUrl().equals(type) && done.test(r)) {
                return r;
            }
            c.request(r.getTypeUrl(), names.getOrDefault(r.getTypeUrl(), List.of()), r);
        }
        throw new AssertionError("no " + type + " response as expected in " + TIMEOUT);
    }

    static <T extends com.google.protobuf.Message> Map<String, T> byName(List<T> items, java.util.function.Function<T, String> name) {
        Map<String, T> map = new HashMap<>();
        items.forEach(i -> map.put(name.apply(i), i));
        return map;
    }

    static Map<String, HealthStatus> health(ClusterLoadAssignment cla) {
        Map<String, HealthStatus> m = new HashMap<>();
        for (LbEndpoint e : cla.getEndpoints(0).getLbEndpointsList()) {
            var a = e.getEndpoint().getAddress().getSocketAddress();
            m.put(a.getAddress() + ":" + a.getPortValue(), e.getHealthStatus());
        }
        return m;
    }

    @Test
    void stateOfTheWorldClientGetsEveryTypeThenOnlyEdsOnEndpointChangesAndNoResendAfterNack() throws Exception {
        Map<String, List<String>> names = new HashMap<>();
        Map<String, DiscoveryResponse> last = new HashMap<>();
        try (AdsClient c = AdsClient.sotw(MeshCluster.xdsPort, node("it-sotw"))) {
            c.request(CDS, List.of(), null);
            // the DestinationRule comes on its own topic, possibly after the Services' first snapshot
            DiscoveryResponse cds = until(c, names, last, CDS, r -> {
                Map<String, Cluster> byName = byName(AdsClient.unpack(r.getResourcesList(), Cluster.class), Cluster::getName);
                return byName.keySet().containsAll(List.of(WEB80, WEB6379, GREETER_CLUSTER))
                        && byName.get(GREETER_CLUSTER).getLbPolicy() == Cluster.LbPolicy.ROUND_ROBIN;
            });
            Map<String, Cluster> clusters = byName(AdsClient.unpack(cds.getResourcesList(), Cluster.class), Cluster::getName);
            assertThat(clusters.get(WEB80).getType()).isEqualTo(Cluster.DiscoveryType.EDS);
            assertThat(clusters.get(WEB80).getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
            assertThat(clusters.get(GREETER_CLUSTER).getLbPolicy()).as("from the DestinationRule").isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
            names.put(EDS, List.copyOf(clusters.keySet()));
            c.request(CDS, List.of(), cds);

            c.request(EDS, names.get(EDS), null);
            DiscoveryResponse eds = until(c, names, last, EDS, r -> byName(AdsClient.unpack(r.getResourcesList(), ClusterLoadAssignment.class),
                    ClusterLoadAssignment::getClusterName).getOrDefault(WEB80, ClusterLoadAssignment.getDefaultInstance()).getEndpointsCount() > 0
                    && health(byName(AdsClient.unpack(r.getResourcesList(), ClusterLoadAssignment.class), ClusterLoadAssignment::getClusterName)
                    .get(WEB80)).size() == 2);
            Map<String, ClusterLoadAssignment> clas = byName(AdsClient.unpack(eds.getResourcesList(), ClusterLoadAssignment.class),
                    ClusterLoadAssignment::getClusterName);
            assertThat(clas.keySet()).containsExactlyInAnyOrderElementsOf(names.get(EDS));
            assertThat(health(clas.get(WEB80))).containsEntry("10.244.0.5:8080", HealthStatus.HEALTHY)
                    .containsEntry("10.244.0.6:8080", HealthStatus.DRAINING);
            assertThat(health(clas.get(WEB6379))).containsKey("10.244.0.5:6379");
            assertThat(health(clas.get(GREETER_CLUSTER))).hasSize(3);
            c.request(EDS, names.get(EDS), eds);

            web = kube.services().inNamespace("default").withName("web").get();
            String vip = web.getSpec().getClusterIP();
            int nodePort = web.getSpec().getPorts().getFirst().getNodePort();
            c.request(LDS, List.of(), null);
            DiscoveryResponse lds = until(c, names, last, LDS, r -> true);
            Map<String, Listener> listeners = byName(AdsClient.unpack(lds.getResourcesList(), Listener.class), Listener::getName);
            assertThat(listeners).containsKeys(vip + "_80", vip + "_6379", "127.0.0.1_" + nodePort);
            assertThat(listeners.get(vip + "_80").getFilterChains(0).getFilters(0).getName()).isEqualTo(XdsNames.HCM_FILTER);
            assertThat(listeners.get(vip + "_6379").getFilterChains(0).getFilters(0).getName()).isEqualTo(XdsNames.TCP_PROXY_FILTER);
            c.request(LDS, List.of(), lds);

            names.put(RDS, List.of(WEB + ":80"));
            c.request(RDS, names.get(RDS), null);
            DiscoveryResponse rds = until(c, names, last, RDS, r -> true);
            RouteConfiguration route = AdsClient.unpack(rds.getResourcesList(), RouteConfiguration.class).getFirst();
            assertThat(route.getName()).isEqualTo(WEB + ":80");
            assertThat(route.getVirtualHosts(0).getRoutes(0).getRoute().getCluster()).isEqualTo(WEB80);
            c.request(RDS, names.get(RDS), rds);

            // an endpoint change pushes EDS, and nothing else
            updateWebSlice(endpoint("10.244.0.5", true, false), endpoint("10.244.0.7", true, false));
            DiscoveryResponse eds2 = c.next(EDS, TIMEOUT);
            assertThat(health(byName(AdsClient.unpack(eds2.getResourcesList(), ClusterLoadAssignment.class),
                    ClusterLoadAssignment::getClusterName).get(WEB80))).containsOnlyKeys("10.244.0.5:8080", "10.244.0.7:8080");
            assertThat(eds2.getVersionInfo()).isNotEqualTo(eds.getVersionInfo());
            c.request(EDS, names.get(EDS), eds2);
            assertThat(c.next(Duration.ofSeconds(1))).as("nothing but EDS is pushed").isNull();

            // a NACK keeps the client's version: the rejected one is not sent again
            updateWebSlice(endpoint("10.244.0.5", true, false), endpoint("10.244.0.8", true, false));
            DiscoveryResponse rejected = c.next(EDS, TIMEOUT);
            c.nack(EDS, names.get(EDS), eds2.getVersionInfo(), rejected, "test rejects 10.244.0.8");
            assertThat(c.next(Duration.ofSeconds(2))).as("no resend of the rejected version").isNull();

            // the next change builds from the cluster state again
            updateWebSlice(endpoint("10.244.0.5", true, false), endpoint("10.244.0.9", true, false));
            DiscoveryResponse eds4 = c.next(EDS, TIMEOUT);
            assertThat(health(byName(AdsClient.unpack(eds4.getResourcesList(), ClusterLoadAssignment.class),
                    ClusterLoadAssignment::getClusterName).get(WEB80))).containsOnlyKeys("10.244.0.5:8080", "10.244.0.9:8080");
            c.request(EDS, names.get(EDS), eds4);
        }
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics.toString())).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(text).containsPattern("capstan_mesh_xds_rejects_total\\{[^}]*type=\"eds\"[^}]*\\} [1-9]");
        assertThat(text).containsPattern("capstan_mesh_xds_pushes_total\\{[^}]*type=\"eds\"[^}]*\\} [1-9]");
        assertThat(text).contains("capstan_mesh_xds_connected_proxies");
        assertThat(text).containsPattern("capstan_mesh_proxy_convergence_seconds_count(\\{[^}]*\\})? [1-9]");
        assertThat(text).contains("capstan_mesh_proxy_convergence_seconds_bucket");
    }

    @Test
    void deltaClientGetsTheSameResources() throws Exception {
        try (AdsClient c = AdsClient.delta(MeshCluster.xdsPort, node("it-delta"))) {
            c.subscribe(CDS, List.of());
            List<String> clusters = deltaUntil(c, CDS, n -> n.containsAll(List.of(WEB80, WEB6379, GREETER_CLUSTER)));
            c.subscribe(EDS, clusters);
            deltaUntil(c, EDS, n -> n.containsAll(clusters));
            c.subscribe(LDS, List.of());
            web = kube.services().inNamespace("default").withName("web").get();
            String vip = web.getSpec().getClusterIP();
            deltaUntil(c, LDS, n -> n.containsAll(List.of(vip + "_80", vip + "_6379")));
            c.subscribe(RDS, List.of(WEB + ":80", GREETER + ":50051"));
            deltaUntil(c, RDS, n -> n.containsAll(List.of(WEB + ":80", GREETER + ":50051")));
        }
    }

    /** Delta responses of {@code type} (ACKed) until the names received so far satisfy {@code done}. */
    static List<String> deltaUntil(AdsClient c, String type, Predicate<List<String>> done) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            DeltaDiscoveryResponse r = c.nextDelta(type, TIMEOUT);
            r.getResourcesList().stream().map(Resource::getName).forEach(seen::add);
            seen.removeAll(r.getRemovedResourcesList());
            c.ack(r);
            if (done.test(seen)) {
                return seen;
            }
        }
        throw new AssertionError("delta " + type + " never had the expected names: " + seen);
    }

    @Test
    void grpcJavaXdsClientBalancesOverTheServiceEndpoints() throws Exception {
        System.setProperty("io.grpc.xds.bootstrapConfig", """
                {"xds_servers":[{"server_uri":"127.0.0.1:%d","channel_creds":[{"type":"insecure"}],"server_features":["xds_v3"]}],
                 "node":{"id":"grpc-it","cluster":"it"}}""".formatted(MeshCluster.xdsPort));
        ManagedChannel channel = Grpc.newChannelBuilder("xds:///" + GREETER + ":50051", InsecureChannelCredentials.create()).build();
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                try {
                    ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), new byte[0]);
                    break;
                } catch (RuntimeException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw notYet;
                    }
                    Thread.sleep(200);
                }
            }
            int[] hits = new int[3];
            for (int i = 0; i < 30; i++) {
                byte[] who = ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[0]);
                hits[who[0]]++;
            }
            assertThat(hits).as("ROUND_ROBIN from the DestinationRule over three backends").containsExactly(10, 10, 10);
        } finally {
            channel.shutdownNow();
        }
    }
}
