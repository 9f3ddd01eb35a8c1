package io.capstan.proxy.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * DNS for {@code cluster.local} over UDP and TCP at the node IP, from the current {@link DnsTable}
 * (TTL 5 s, authoritative). Names outside the zone are REFUSED, or forwarded to
 * {@code dns-upstream} when one is configured. UDP answers that would not fit 512 bytes are
 * truncated with TC set, so the client retries over TCP.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsServer.class);
    static final long TTL_SECONDS = 5;
    private static final int UDP_LIMIT = 512;

    private final Supplier<DnsTable> table;
    private final EventLoopGroup group;
    private final DnsNameResolver upstream;
    private Channel udp;
    private Channel tcp;

    /** @param upstream host:port of the resolver for other names, or null */
    public DnsServer(Supplier<DnsTable> table, EventLoopGroup group, String upstream) {
        this.table = table;
        this.group = group;
        this.upstream = upstream == null ? null : new DnsNameResolverBuilder(group.next())
                .channelType(NioDatagramChannel.class)
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(parse(upstream)))
                .recursionDesired(true)
                .queryTimeoutMillis(2000)
                .build();
    }

    private static InetSocketAddress parse(String hostPort) {
        int i = hostPort.lastIndexOf(':');
        return i < 0 ? new InetSocketAddress(hostPort, 53)
                : new InetSocketAddress(hostPort.substring(0, i), Integer.parseInt(hostPort.substring(i + 1)));
    }

    /** Binds UDP and TCP; port 0 picks a free port (the same one for both when possible). */
    public void start(String ip, int port) throws InterruptedException {
        InetSocketAddress at = new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip), port);
        udp = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new ChannelInitializer<NioDatagramChannel>() {
                    @Override
                    protected void initChannel(NioDatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new UdpHandler());
                    }
                })
                .bind(at).sync().channel();
        int bound = ((InetSocketAddress) udp.localAddress()).getPort();
        tcp = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new TcpDnsQueryDecoder(), new TcpDnsResponseEncoder(), new TcpHandler());
                    }
                })
                .bind(new InetSocketAddress(at.getAddress(), bound)).sync().channel();
        LOG.infof("DNS for %s on %s:%d (udp and tcp)", DnsTable.ZONE, ip, bound);
    }

    public int port() {
        return ((InetSocketAddress) udp.localAddress()).getPort();
    }

    @ChannelHandler.Sharable
    private final class UdpHandler extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery q) {
            DatagramDnsResponse r = new DatagramDnsResponse(q.recipient(), q.sender(), q.id());
            answer(ctx, q, r, true);
        }
    }

    private final class TcpHandler extends SimpleChannelInboundHandler<DnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DnsQuery q) {
            answer(ctx, q, new DefaultDnsResponse(q.id()), false);
        }
    }

    private void answer(ChannelHandlerContext ctx, DnsQuery q, DnsResponse r, boolean udpLimit) {
        r.setRecursionDesired(q.isRecursionDesired());
        DnsQuestion question = q.recordAt(DnsSection.QUESTION);
        if (question == null || q.count(DnsSection.QUESTION) != 1) {
            r.setCode(DnsResponseCode.FORMERR);
            ctx.writeAndFlush(r);
            return;
        }
        r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
        if (!DnsTable.inZone(question.name())) {
            if (upstream == null) {
                r.setCode(DnsResponseCode.REFUSED);
                ctx.writeAndFlush(r);
            } else {
                forward(ctx, question, r);
            }
            return;
        }
        r.setAuthoritativeAnswer(true);
        DnsTable.Entry e = table.get().lookup(question.name());
        if (e == null) {
            r.setCode(DnsResponseCode.NXDOMAIN);
            ctx.writeAndFlush(r);
            return;
        }
        String name = question.name();
        int size = 12 + name.length() + 6;
        DnsRecordType type = question.type();
        boolean any = type == DnsRecordType.ANY;
        if (e.cname() != null) {
            // A CNAME answers every type; the client follows it outside the zone.
            r.addRecord(DnsSection.ANSWER, raw(name, DnsRecordType.CNAME, encodeName(e.cname())));
        } else {
            if (type == DnsRecordType.A || any) {
                for (byte[] a : e.v4()) {
                    if (udpLimit && (size += name.length() + 16) > UDP_LIMIT) {
                        r.setTruncated(true);
                        break;
                    }
                    r.addRecord(DnsSection.ANSWER, raw(name, DnsRecordType.A, Unpooled.wrappedBuffer(a)));
                }
            }
            if (type == DnsRecordType.AAAA || any) {
                for (byte[] a : e.v6()) {
                    if (udpLimit && (size += name.length() + 28) > UDP_LIMIT) {
                        r.setTruncated(true);
                        break;
                    }
                    r.addRecord(DnsSection.ANSWER, raw(name, DnsRecordType.AAAA, Unpooled.wrappedBuffer(a)));
                }
            }
            if (type == DnsRecordType.SRV || any) {
                for (DnsTable.Srv s : e.srv()) {
                    if (udpLimit && (size += name.length() + 20 + s.target().length()) > UDP_LIMIT) {
                        r.setTruncated(true);
                        break;
                    }
                    ByteBuf data = Unpooled.buffer(8 + s.target().length());
                    data.writeShort(s.priority()).writeShort(s.weight()).writeShort(s.port());
                    data.writeBytes(encodeName(s.target()));
                    r.addRecord(DnsSection.ANSWER, raw(name, DnsRecordType.SRV, data));
                }
            }
        }
        ctx.writeAndFlush(r);
    }

    private void forward(ChannelHandlerContext ctx, DnsQuestion question, DnsResponse r) {
        Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> f =
                upstream.query(new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
        f.addListener(done -> {
            if (!done.isSuccess()) {
                r.setCode(DnsResponseCode.SERVFAIL);
                ctx.writeAndFlush(r);
                return;
            }
            AddressedEnvelope<DnsResponse, InetSocketAddress> env = f.getNow();
            try {
                DnsResponse up = env.content();
                r.setCode(up.code());
                r.setRecursionAvailable(up.isRecursionAvailable());
                for (DnsSection s : new DnsSection[]{DnsSection.ANSWER, DnsSection.AUTHORITY}) {
                    for (int i = 0; i < up.count(s); i++) {
                        DnsRecord rec = up.recordAt(s, i);
                        if (rec instanceof DefaultDnsRawRecord rr) {
                            r.addRecord(s, rr.retainedDuplicate());
                        }
                    }
                }
                ctx.writeAndFlush(r);
            } finally {
                ReferenceCountUtil.release(env);
            }
        });
    }

    private static DnsRecord raw(String name, DnsRecordType type, ByteBuf data) {
        return new DefaultDnsRawRecord(name, type, TTL_SECONDS, data);
    }

    /** A name in wire format, uncompressed. */
    static ByteBuf encodeName(String name) {
        ByteBuf b = Unpooled.buffer(name.length() + 2);
        for (String label : DnsTable.normalize(name).split("\\.")) {
            if (label.isEmpty()) {
                continue;
            }
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            b.writeByte(bytes.length).writeBytes(bytes);
        }
        b.writeByte(0);
        return b;
    }

    @Override
    public void close() {
        if (udp != null) {
            udp.close().awaitUninterruptibly();
        }
        if (tcp != null) {
            tcp.close().awaitUninterruptibly();
        }
        if (upstream != null) {
            upstream.close();
        }
    }
}
