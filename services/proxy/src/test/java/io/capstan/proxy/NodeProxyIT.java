package io.capstan.proxy;

import io.capstan.proxy.config.XdsTranslator;
import io.capstan.proxy.testing.Backends;
import io.capstan.proxy.testing.MeshFixture;
import io.capstan.proxy.testing.MeshFixture.Ep;
import io.capstan.proxy.testing.RawHttp;
import io.capstan.proxy.testing.TestControlPlane;
import io.capstan.proxy.xds.ApiType;
import io.capstan.testkit.FreePorts;
import io.capstan.xds.XdsNames;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node proxy against the real java-control-plane serving hand-built snapshots (mesh/XDS.md
 * shapes), real backends on loopback and real clients. Every address is a random 127.96.x.y (or
 * 127.97.x.y for node IPs) and every port a free one, so runs never clash. Runs with delta xDS
 * (the default); {@link NodeProxySotwIT} runs the same tests with state of the world.
 */
class NodeProxyIT {
    private static final String NS = "default";
    private static TestControlPlane controlPlane;

    private final List<NodeProxy> proxies = new ArrayList<>();
    private Backends backends;
    private String node;
    private String vip;
    private int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startControlPlane() throws IOException {
        controlPlane = new TestControlPlane().start();
    }

    @AfterAll
    static void stopControlPlane() throws InterruptedException {
        controlPlane.close();
    }

    @BeforeEach
    void setUp(TestInfo info) {
        backends = new Backends();
        node = info.getTestMethod().orElseThrow().getName() + "-" + System.nanoTime();
        vip = MeshFixture.randomVip();
        port = FreePorts.next();
    }

    @AfterEach
    void tearDown() throws Exception {
        proxies.forEach(NodeProxy::close);
        backends.close();
    }

    /** The xDS variant the proxies of this class speak. */
    ApiType apiType() {
        return ApiType.DELTA;
    }

    private NodeProxy startProxy(String nodeName, boolean dns) {
        NodeProxy.Settings s = NodeProxy.Settings.of(nodeName, "127.0.0.1", controlPlane.address()).withEventLoops(2)
                .withApiType(apiType());
        NodeProxy p = new NodeProxy(dns ? s.withDnsPort(-1) : s, new SimpleMeterRegistry()).start();
        proxies.add(p);
        return p;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private String get(String ip, int p, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + p + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("status " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private void awaitHttp(String ip, int p) throws InterruptedException {
        await("HTTP through " + ip + ":" + p, () -> {
            try {
                get(ip, p, "/");
                return true;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
    }

    private static String tcpExchange(String ip, int p, String payload) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(5000);
            s.connect(new InetSocketAddress(ip, p), 5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String id = in.readLine();
            s.getOutputStream().write(payload.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            StringBuilder echo = new StringBuilder();
            char[] buf = new char[1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                echo.append(buf, 0, n);
            }
            return id + "|" + echo;
        }
    }

    private List<Ep> httpBackends(int n) throws IOException {
        List<Ep> eps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            eps.add(backends.http("127.0.0.1", "b" + i));
        }
        return eps;
    }

    @Test
    void tcpProxyThroughClusterIpSplicesBothWaysAndSpreadsOverEndpoints() throws Exception {
        List<Ep> eps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            eps.add(backends.tcp("127.0.0.1", "t" + i));
        }
        NodeProxy proxy = startProxy(node, false);
        controlPlane.push(node, new MeshFixture().service("db", NS, vip, port, false, Cluster.LbPolicy.ROUND_ROBIN, false, eps));
        await("listener bound", () -> proxy.dataPlane().boundListeners().contains(XdsNames.listenerName(vip, port)));
        await("endpoints", () -> proxy.dataPlane().clusters().all().values().stream().anyMatch(c -> c.healthyCount() == 3));

        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            String r = tcpExchange(vip, port, "hello " + i);
            String[] parts = r.split("\\|", 2);
            ids.add(parts[0]);
            // The echo arrives whole after the client's half-close, and the proxy passes on the backend's close.
            assertThat(parts[1]).isEqualTo("hello " + i);
        }
        assertThat(ids).containsExactlyInAnyOrder("t0", "t1", "t2");
    }

    @Test
    void httpRoutesByPrefixAndBalancesEachRequestOverThreeBackends() throws Exception {
        List<Ep> web = httpBackends(3);
        Ep other = backends.http("127.0.0.1", "other");
        NodeProxy proxy = startProxy(node, false);
        String host = XdsNames.serviceHost("web", NS);
        String webCluster = XdsNames.outboundCluster(port, "", host);
        String otherCluster = XdsNames.outboundCluster(port, "", XdsNames.serviceHost("other", NS));
        var routeWithOther = MeshFixture.route(host, port, webCluster, false).toBuilder();
        routeWithOther.getVirtualHostsBuilder(0).addRoutes(0, io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix("/other"))
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster(otherCluster)));
        MeshFixture mesh = new MeshFixture()
                .service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, web)
                .add(MeshFixture.cluster("other", NS, port, "http", Cluster.LbPolicy.ROUND_ROBIN, List.of(), false))
                .replaceRoute(routeWithOther.build());
        mesh.replaceEndpoints(otherCluster, List.of(other));
        controlPlane.push(node, mesh);
        awaitHttp(vip, port);

        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            // One keep-alive connection: the balancing is per request, not per connection.
            ids.add(get(vip, port, "/x").split(" ")[0]);
        }
        assertThat(ids).containsExactlyInAnyOrder("b0", "b1", "b2");
        assertThat(get(vip, port, "/other/thing")).isEqualTo("other /other/thing");

        RawHttp.Response raw = RawHttp.get("127.0.0.5", vip, port, "/h");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.headers()).containsIgnoringCase("x-seen-xff: 127.0.0.5");

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://" + vip + ":" + port + "/p"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(post.body()).endsWith("x".repeat(100_000));
    }

    @Test
    void nodePortListenerOnSecondAddressServesTheService() throws Exception {
        List<Ep> web = httpBackends(2);
        String nodeIp = "127.97." + (int) (Math.random() * 256) + "." + (1 + (int) (Math.random() * 254));
        int nodePort = FreePorts.next();
        startProxy(node, false);
        controlPlane.push(node, new MeshFixture()
                .service("web", NS, vip, port, true, Cluster.LbPolicy.LEAST_REQUEST, false, web)
                .nodePort("web", NS, port, true, nodeIp, nodePort));
        awaitHttp(nodeIp, nodePort);
        assertThat(get(nodeIp, nodePort, "/np")).matches("b[01] /np");
        assertThat(get(vip, port, "/vip")).matches("b[01] /vip");
    }

    @Test
    void endpointUpdatesUnderASteadyStreamFailNoRequest() throws Exception {
        List<Ep> web = httpBackends(3);
        Backends doomed = new Backends();
        Ep leaving = doomed.http("127.0.0.1", "leaving");
        NodeProxy proxy = startProxy(node, false);
        String cluster = XdsNames.outboundCluster(port, "", XdsNames.serviceHost("web", NS));
        List<Ep> all = new ArrayList<>(web);
        all.add(leaving);
        MeshFixture mesh = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, all);
        String v = controlPlane.push(node, mesh);
        awaitHttp(vip, port);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        ConcurrentHashMap<String, AtomicInteger> byBackend = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            Thread t = Thread.ofPlatform().start(() -> {
                HttpClient client = HttpClient.newHttpClient();
                while (running.get()) {
                    try {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + vip + ":" + port + "/s"))
                                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                            byBackend.computeIfAbsent(r.body().split(" ")[0], k -> new AtomicInteger()).incrementAndGet();
                        } else {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
            clients.add(t);
        }
        Thread.sleep(500);
        // The pod terminates: its endpoint drains, then leaves, then the process stops; a new pod comes.
        List<Ep> draining = new ArrayList<>(web);
        draining.add(leaving.draining());
        v = controlPlane.pushEndpoints(node, mesh.replaceEndpoints(cluster, draining), v);
        Thread.sleep(400);
        v = controlPlane.pushEndpoints(node, mesh.replaceEndpoints(cluster, web), v);
        Thread.sleep(300);
        int leavingBefore = byBackend.getOrDefault("leaving", new AtomicInteger()).get();
        doomed.close();
        Ep fresh = backends.http("127.0.0.1", "fresh");
        List<Ep> withFresh = new ArrayList<>(web);
        withFresh.add(fresh);
        controlPlane.pushEndpoints(node, mesh.replaceEndpoints(cluster, withFresh), v);
        Thread.sleep(800);
        running.set(false);
        for (Thread t : clients) {
            t.join(10_000);
        }
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(100);
        assertThat(byBackend.get("fresh")).isNotNull();
        assertThat(byBackend.get("leaving").get()).isEqualTo(leavingBefore);
        assertThat(proxy.lastRejection()).isNull();
    }

    @Test
    void connectFailureIsRetriedOnAnotherEndpointAndNoEndpointIs503() throws Exception {
        Ep live = backends.http("127.0.0.1", "live");
        Ep dead = Ep.healthy("127.0.0.1", FreePorts.next());
        startProxy(node, false);
        MeshFixture mesh = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, List.of(dead, live));
        String v = controlPlane.push(node, mesh);
        awaitHttp(vip, port);
        for (int i = 0; i < 10; i++) {
            assertThat(get(vip, port, "/r")).isEqualTo("live /r");
        }
        controlPlane.pushEndpoints(node, mesh.replaceEndpoints(XdsNames.outboundCluster(port, "", XdsNames.serviceHost("web", NS)),
                List.of(live.draining())), v);
        await("503 without healthy endpoints", () -> {
            try {
                return RawHttp.get(null, vip, port, "/").status() == 503;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void removedListenerUnbindsItsAddress() throws Exception {
        List<Ep> web = httpBackends(1);
        NodeProxy proxy = startProxy(node, false);
        MeshFixture mesh = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, web);
        controlPlane.push(node, mesh);
        awaitHttp(vip, port);
        controlPlane.push(node, mesh.removeListener(XdsNames.listenerName(vip, port)));
        await("listener gone", () -> proxy.dataPlane().boundListeners().isEmpty());
        assertThatThrownBy(() -> new Socket(vip, port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void twoProxiesBindTheSameClusterIpWithReusePort() throws Exception {
        List<Ep> web = httpBackends(2);
        NodeProxy a = startProxy(node + "-a", false);
        NodeProxy b = startProxy(node + "-b", false);
        MeshFixture mesh = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, web);
        controlPlane.push(node + "-a", mesh);
        controlPlane.push(node + "-b", mesh);
        String name = XdsNames.listenerName(vip, port);
        await("both bound", () -> a.dataPlane().boundListeners().contains(name) && b.dataPlane().boundListeners().contains(name));
        awaitHttp(vip, port);
        assertThat(a.dataPlane().failedListeners()).isEmpty();
        assertThat(b.dataPlane().failedListeners()).isEmpty();
        a.close();
        proxies.remove(a);
        for (int i = 0; i < 5; i++) {
            assertThat(RawHttp.get(null, vip, port, "/after").status()).isEqualTo(200);
        }
    }

    @Test
    void unsupportedConfigIsNackedWithItsReasonAndTheLastGoodConfigKeepsServing() throws Exception {
        List<Ep> web = httpBackends(2);
        NodeProxy proxy = startProxy(node, false);
        MeshFixture good = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, web);
        String v = controlPlane.push(node, good);
        awaitHttp(vip, port);
        assertThat(proxy.appliedVersion(XdsNames.CLUSTER_TYPE)).isEqualTo(v);

        MeshFixture bad = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, web)
                .add(MeshFixture.cluster("maglev", NS, 80, "http", Cluster.LbPolicy.MAGLEV, List.of(), false))
                .add(Listener.newBuilder().setName("web.default.svc.cluster.local:80")
                        .setApiListener(ApiListener.getDefaultInstance()).build());
        int nacksBefore = controlPlane.nacks().size();
        controlPlane.push(node, bad);
        await("NACKs", () -> controlPlane.nacks().size() >= nacksBefore + 2);
        List<TestControlPlane.Nack> nacks = controlPlane.nacks().stream().skip(nacksBefore).toList();
        List<String> reasons = nacks.stream().map(TestControlPlane.Nack::message).toList();
        assertThat(reasons).anySatisfy(m -> assertThat(m).contains("maglev").contains("lb_policy MAGLEV is not supported"));
        assertThat(reasons).anySatisfy(m -> assertThat(m).contains("api_listener"));
        assertThat(nacks).allSatisfy(n -> assertThat(n.delta()).isEqualTo(apiType() == ApiType.DELTA));
        if (apiType() == ApiType.SOTW) {
            // A SotW NACK names the last good version.
            assertThat(nacks).allSatisfy(r -> assertThat(r.versionInfo()).isEqualTo(v));
        }
        assertThat(proxy.appliedVersion(XdsNames.CLUSTER_TYPE)).isEqualTo(v);
        assertThat(proxy.dataPlane().clusters().all()).doesNotContainKey(XdsNames.outboundCluster(80, "", XdsNames.serviceHost("maglev", NS)));
        assertThat(proxy.dataPlane().boundListeners()).containsExactly(XdsNames.listenerName(vip, port));
        assertThat(get(vip, port, "/still")).matches("b[01] /still");

        // The next good config applies (the rejected resources are not part of it).
        int port2 = FreePorts.next();
        String vip2 = MeshFixture.randomVip();
        good.service("api", NS, vip2, port2, true, Cluster.LbPolicy.ROUND_ROBIN, false, List.of(backends.http("127.0.0.1", "api")));
        controlPlane.push(node, good);
        awaitHttp(vip2, port2);
        assertThat(get(vip2, port2, "/x")).isEqualTo("api /x");
        assertThat(get(vip, port, "/still")).matches("b[01] /still");
    }

    @Test
    void anEndpointChangePushesOnlyThatClusterLoadAssignment() throws Exception {
        assumeTrue(apiType() == ApiType.DELTA, "a state-of-the-world EDS response carries every CLA");
        NodeProxy proxy = startProxy(node, false);
        MeshFixture mesh = new MeshFixture();
        List<String> vips = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            vips.add(MeshFixture.randomVip());
            mesh.service("s" + i, NS, vips.get(i), port, true, Cluster.LbPolicy.ROUND_ROBIN, false, httpBackends(1));
        }
        String v = controlPlane.push(node, mesh);
        for (String ip : vips) {
            awaitHttp(ip, port);
        }
        String changed = XdsNames.outboundCluster(port, "", XdsNames.serviceHost("s1", NS));
        String group = XdsNames.GROUP_NODE_PREFIX + node;
        int pushesBefore = controlPlane.deltaPushes().size();
        List<Ep> two = httpBackends(2);
        String v2 = controlPlane.pushEndpoints(node, mesh.replaceEndpoints(changed, two), v);
        await("the new endpoints", () -> proxy.dataPlane().clusters().get(changed).healthyCount() == 2);
        await("EDS ACKed", () -> v2.equals(proxy.appliedVersion(XdsNames.ENDPOINT_TYPE)));
        Thread.sleep(300);
        List<TestControlPlane.DeltaPush> pushes = controlPlane.deltaPushes().stream().skip(pushesBefore)
                .filter(p -> p.group().equals(group)).toList();
        assertThat(pushes).containsExactly(new TestControlPlane.DeltaPush(group, XdsNames.ENDPOINT_TYPE, List.of(changed), List.of()));
        assertThat(proxy.appliedVersion(XdsNames.CLUSTER_TYPE)).isEqualTo(v);
        for (int i = 0; i < 3; i++) {
            assertThat(proxy.dataPlane().clusters().get(XdsNames.outboundCluster(port, "", XdsNames.serviceHost("s" + i, NS))).healthyCount())
                    .isEqualTo(i == 1 ? 2 : 1);
        }
        assertThat(proxy.lastRejection()).isNull();
    }

    @Test
    void aRemovedServiceUnbindsItsListenerAndDropsItsCluster() throws Exception {
        NodeProxy proxy = startProxy(node, false);
        String vipB = MeshFixture.randomVip();
        MeshFixture mesh = new MeshFixture()
                .service("a", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, httpBackends(1))
                .service("b", NS, vipB, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, httpBackends(1));
        controlPlane.push(node, mesh);
        awaitHttp(vip, port);
        awaitHttp(vipB, port);
        String clusterB = XdsNames.outboundCluster(port, "", XdsNames.serviceHost("b", NS));
        String routeB = XdsNames.hostPort(XdsNames.serviceHost("b", NS), port);
        String group = XdsNames.GROUP_NODE_PREFIX + node;
        int pushesBefore = controlPlane.deltaPushes().size();

        controlPlane.push(node, mesh.removeService("b", NS));
        await("listener of b gone", () -> !proxy.dataPlane().boundListeners().contains(XdsNames.listenerName(vipB, port)));
        await("cluster of b gone", () -> proxy.dataPlane().clusters().get(clusterB) == null);
        assertThatThrownBy(() -> new Socket(vipB, port).close()).isInstanceOf(ConnectException.class);
        assertThat(proxy.dataPlane().boundListeners()).containsExactly(XdsNames.listenerName(vip, port));
        assertThat(proxy.dataPlane().routeNames()).doesNotContain(routeB);
        assertThat(get(vip, port, "/a")).isEqualTo("b0 /a");
        if (apiType() == ApiType.DELTA) {
            List<TestControlPlane.DeltaPush> pushes = controlPlane.deltaPushes().stream().skip(pushesBefore)
                    .filter(p -> p.group().equals(group)).toList();
            assertThat(pushes).contains(
                    new TestControlPlane.DeltaPush(group, XdsNames.CLUSTER_TYPE, List.of(), List.of(clusterB)),
                    new TestControlPlane.DeltaPush(group, XdsNames.LISTENER_TYPE, List.of(), List.of(XdsNames.listenerName(vipB, port))));
            assertThat(pushes).allSatisfy(p -> assertThat(p.names()).isEmpty());
        }
        assertThat(proxy.lastRejection()).isNull();
    }

    @Test
    void ringHashWithClientIpAffinitySticksPerSourceAddress() throws Exception {
        List<Ep> web = httpBackends(3);
        startProxy(node, false);
        controlPlane.push(node, new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.RING_HASH, true, web));
        awaitHttp(vip, port);
        Set<String> firstChoices = new HashSet<>();
        for (int src = 10; src < 30; src++) {
            String source = "127.0.0." + src;
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                RawHttp.Response r = RawHttp.get(source, vip, port, "/a");
                assertThat(r.status()).isEqualTo(200);
                seen.add(r.body().split(" ")[0]);
            }
            assertThat(seen).as("backends seen from " + source).hasSize(1);
            firstChoices.addAll(seen);
        }
        assertThat(firstChoices).as("20 sources spread over the ring").hasSizeGreaterThan(1);
    }

    @Test
    void keepsServingWhileTheControlPlaneIsGoneAndResyncsWhenItIsBack() throws Exception {
        List<Ep> web = httpBackends(2);
        NodeProxy proxy = startProxy(node, false);
        String vipOld = MeshFixture.randomVip();
        MeshFixture mesh = new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, web)
                .service("old", NS, vipOld, port, false, Cluster.LbPolicy.ROUND_ROBIN, false, List.of(backends.tcp("127.0.0.1", "old")));
        controlPlane.push(node, mesh);
        awaitHttp(vip, port);
        await("old bound", () -> proxy.dataPlane().boundListeners().contains(XdsNames.listenerName(vipOld, port)));
        controlPlane.stop();
        await("disconnected", () -> !proxy.xdsConnected());
        assertThat(get(vip, port, "/offline")).matches("b[01] /offline");
        int port2 = FreePorts.next();
        String vip2 = MeshFixture.randomVip();
        mesh.service("api", NS, vip2, port2, true, Cluster.LbPolicy.RANDOM, false, List.of(backends.http("127.0.0.1", "api")));
        // Deleted while the proxy cannot hear it: no removal is ever pushed for it.
        mesh.removeService("old", NS);
        controlPlane.push(node, mesh);
        controlPlane.start();
        awaitHttp(vip2, port2);
        assertThat(proxy.xdsConnected()).isTrue();
        assertThat(get(vip2, port2, "/x")).isEqualTo("api /x");
        await("old unbound after the resync", () -> !proxy.dataPlane().boundListeners().contains(XdsNames.listenerName(vipOld, port)));
        assertThat(proxy.dataPlane().clusters().get(XdsNames.outboundCluster(port, "", XdsNames.serviceHost("old", NS)))).isNull();
    }

    @Test
    void metricsCountRequestsAndConnectionsPerDestination() throws Exception {
        List<Ep> web = httpBackends(1);
        MeterRegistry registry = new SimpleMeterRegistry();
        NodeProxy proxy = new NodeProxy(NodeProxy.Settings.of(node, "127.0.0.1", controlPlane.address()).withEventLoops(1)
                .withApiType(apiType()), registry).start();
        proxies.add(proxy);
        controlPlane.push(node, new MeshFixture().service("web", NS, vip, port, true, Cluster.LbPolicy.ROUND_ROBIN, false, web));
        awaitHttp(vip, port);
        for (int i = 0; i < 5; i++) {
            get(vip, port, "/m");
        }
        String host = XdsNames.serviceHost("web", NS);
        await("request counter", () -> {
            var c = registry.find("istio.requests").tag("destination_service", host).tag("response_code", "200").counter();
            return c != null && c.count() >= 6;
        });
        assertThat(registry.find("istio.request.duration").tag("destination_service", host).summary().count()).isGreaterThanOrEqualTo(6);
        assertThat(registry.find("capstan.proxy.xds.updates.applied").tag("type", "Cluster").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(registry.find("capstan.proxy.xds.connected").gauge().value()).isEqualTo(1.0);
    }
}
