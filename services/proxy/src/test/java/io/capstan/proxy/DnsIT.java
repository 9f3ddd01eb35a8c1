package io.capstan.proxy;

import io.capstan.proxy.testing.MeshFixture;
import io.capstan.proxy.testing.MeshFixture.Ep;
import io.capstan.proxy.testing.TestControlPlane;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DNS for svc.cluster.local from Clusters and CLAs only, asked over UDP with Netty's resolver and
 * over TCP with a raw query, at the proxy's DNS port (a free one).
 */
class DnsIT {
    private static TestControlPlane controlPlane;
    private static NodeProxy proxy;
    private static NioEventLoopGroup clientGroup;
    private static DnsNameResolver resolver;
    private static final String VIP = MeshFixture.randomVip();

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane().start();
        String node = "dns-" + System.nanoTime();
        proxy = new NodeProxy(NodeProxy.Settings.of(node, "127.0.0.1", controlPlane.address()).withEventLoops(1).withDnsPort(-1),
                new SimpleMeterRegistry()).start();
        controlPlane.push(node, new MeshFixture()
                .service("web", "default", VIP, 80, true, Cluster.LbPolicy.ROUND_ROBIN, false, List.of(Ep.healthy("10.1.0.9", 8080)))
                .headless("app", "default", 80, "web", List.of(
                        new Ep("10.1.0.1", 8080, "sts-example-0", io.envoyproxy.envoy.config.core.v3.HealthStatus.HEALTHY),
                        new Ep("10.1.0.2", 8080, "sts-example-1", io.envoyproxy.envoy.config.core.v3.HealthStatus.HEALTHY),
                        new Ep("10.1.0.3", 8080, "sts-example-2", io.envoyproxy.envoy.config.core.v3.HealthStatus.DRAINING)))
                .externalName("ext", "default", "example.org"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (proxy.dnsTable().lookup("sts-example-1.app.default.svc.cluster.local") == null) {
            assertThat(System.nanoTime()).as("DNS table built").isLessThan(deadline);
            Thread.sleep(20);
        }
        clientGroup = new NioEventLoopGroup(1);
        resolver = new DnsNameResolverBuilder(clientGroup.next()).channelType(NioDatagramChannel.class)
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(new InetSocketAddress("127.0.0.1", proxy.dnsPort())))
                .queryTimeoutMillis(3000).maxQueriesPerResolve(1).build();
    }

    @AfterAll
    static void stop() throws Exception {
        resolver.close();
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        proxy.close();
        controlPlane.close();
    }

    private record Answer(DnsResponseCode code, boolean authoritative, List<String> data, List<Long> ttls) {
    }

    private static Answer ask(String name, DnsRecordType type) throws Exception {
        AddressedEnvelope<DnsResponse, InetSocketAddress> env = resolver.query(new DefaultDnsQuestion(name, type)).get(5, TimeUnit.SECONDS);
        try {
            DnsResponse r = env.content();
            List<String> data = new ArrayList<>();
            List<Long> ttls = new ArrayList<>();
            for (int i = 0; i < r.count(DnsSection.ANSWER); i++) {
                DnsRecord rec = r.recordAt(DnsSection.ANSWER, i);
                ttls.add(rec.timeToLive());
                ByteBuf c = ((DnsRawRecord) rec).content();
                data.add(decode(rec.type(), c.duplicate()));
            }
            return new Answer(r.code(), r.isAuthoritativeAnswer(), data, ttls);
        } finally {
            ReferenceCountUtil.release(env);
        }
    }

    private static String decode(DnsRecordType type, ByteBuf c) {
        if (type == DnsRecordType.A || type == DnsRecordType.AAAA) {
            byte[] b = new byte[c.readableBytes()];
            c.readBytes(b);
            return NetUtil.bytesToIpAddress(b);
        }
        if (type == DnsRecordType.CNAME) {
            return "CNAME " + DefaultDnsRecordDecoder.decodeName(c);
        }
        if (type == DnsRecordType.SRV) {
            int prio = c.readUnsignedShort();
            int weight = c.readUnsignedShort();
            int port = c.readUnsignedShort();
            return "SRV " + prio + " " + weight + " " + port + " " + DefaultDnsRecordDecoder.decodeName(c);
        }
        return type.name();
    }

    @Test
    void aRecordOfAClusterIpService() throws Exception {
        Answer a = ask("web.default.svc.cluster.local", DnsRecordType.A);
        assertThat(a.code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(a.authoritative()).isTrue();
        assertThat(a.data()).containsExactly(VIP);
        assertThat(a.ttls()).containsOnly(5L);
    }

    @Test
    void headlessServiceAnswersItsHealthyEndpointsOnly() throws Exception {
        assertThat(ask("app.default.svc.cluster.local.", DnsRecordType.A).data()).containsExactlyInAnyOrder("10.1.0.1", "10.1.0.2");
    }

    @Test
    void statefulSetHostnamesResolveToTheirPods() throws Exception {
        assertThat(ask("sts-example-0.app.default.svc.cluster.local", DnsRecordType.A).data()).containsExactly("10.1.0.1");
        assertThat(ask("STS-Example-1.app.default.svc.cluster.local", DnsRecordType.A).data()).containsExactly("10.1.0.2");
        assertThat(ask("sts-example-2.app.default.svc.cluster.local", DnsRecordType.A).code()).isEqualTo(DnsResponseCode.NXDOMAIN);
    }

    @Test
    void externalNameAnswersACname() throws Exception {
        assertThat(ask("ext.default.svc.cluster.local", DnsRecordType.A).data()).containsExactly("CNAME example.org.");
    }

    @Test
    void srvRecordsOfNamedPorts() throws Exception {
        assertThat(ask("_web._tcp.app.default.svc.cluster.local", DnsRecordType.SRV).data()).containsExactlyInAnyOrder(
                "SRV 0 100 8080 sts-example-0.app.default.svc.cluster.local.",
                "SRV 0 100 8080 sts-example-1.app.default.svc.cluster.local.");
        assertThat(ask("_http._tcp.web.default.svc.cluster.local", DnsRecordType.SRV).data())
                .containsExactly("SRV 0 100 80 web.default.svc.cluster.local.");
    }

    @Test
    void unknownNamesInTheZoneAreNxdomainAndOthersAreRefused() throws Exception {
        assertThat(ask("nope.default.svc.cluster.local", DnsRecordType.A).code()).isEqualTo(DnsResponseCode.NXDOMAIN);
        assertThat(ask("example.com", DnsRecordType.A).code()).isEqualTo(DnsResponseCode.REFUSED);
        Answer noAaaa = ask("web.default.svc.cluster.local", DnsRecordType.AAAA);
        assertThat(noAaaa.code()).isEqualTo(DnsResponseCode.NOERROR);
        assertThat(noAaaa.data()).isEmpty();
    }

    @Test
    void tcpQueriesAreAnsweredToo() throws IOException {
        try (Socket s = new Socket("127.0.0.1", proxy.dnsPort())) {
            s.setSoTimeout(5000);
            byte[] q = query(0x1234, "web.default.svc.cluster.local", 1);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] resp = new byte[in.readUnsignedShort()];
            in.readFully(resp);
            assertThat(((resp[0] & 0xff) << 8) | (resp[1] & 0xff)).isEqualTo(0x1234);
            assertThat(resp[3] & 0x0f).as("rcode").isZero();
            assertThat(((resp[6] & 0xff) << 8) | (resp[7] & 0xff)).as("answers").isEqualTo(1);
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(VIP);
            byte[] tail = java.util.Arrays.copyOfRange(resp, resp.length - 4, resp.length);
            assertThat(tail).isEqualTo(ip);
        }
    }

    private static byte[] query(int id, String name, int type) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(id >> 8);
        b.write(id);
        b.writeBytes(new byte[]{1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.write(l.length);
            b.writeBytes(l);
        }
        b.write(0);
        b.writeBytes(new byte[]{0, (byte) type, 0, 1});
        return b.toByteArray();
    }
}
