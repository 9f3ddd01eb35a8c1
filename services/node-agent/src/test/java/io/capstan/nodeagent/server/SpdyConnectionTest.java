package io.capstan.nodeagent.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SPDY session over a real socket, driven by a client on Netty's codec: replies, data both
 * ways, FIN, pings, refused streams, GOAWAY and garbage.
 */
class SpdyConnectionTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static Vertx vertx;
    private NetServer server;
    private final Map<String, String> seenHeaders = new ConcurrentHashMap<>();
    private CountDownLatch closed;

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** An echo session: every stream sends back what it gets and ends when the client ends. */
    @BeforeEach
    void echoServer() {
        closed = new CountDownLatch(1);
        server = vertx.createNetServer().connectHandler(this::echo);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    }

    private void echo(NetSocket socket) {
        new SpdyConnection(vertx.getOrCreateContext(), SpdyConnection.Transport.of(socket), stream -> {
            seenHeaders.put("stream-" + stream.id(), String.valueOf(stream.header("streamtype")));
            stream.handler(stream::write, stream::finish);
        }, closed::countDown);
    }

    @AfterEach
    void stop() {
        server.close().toCompletionStage().toCompletableFuture().join();
    }

    private SpdyTestClient connect() throws Exception {
        Socket socket = new Socket("127.0.0.1", server.actualPort());
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        SpdyTestClient client = SpdyTestClient.over(new SpdyTestClient.Pipe() {
            @Override
            public void write(byte[] bytes) throws java.io.IOException {
                out.write(bytes);
                out.flush();
            }

            @Override
            public void close() throws java.io.IOException {
                socket.close();
            }
        });
        Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    client.received(Arrays.copyOf(buffer, n));
                }
            } catch (java.io.IOException gone) {
                // closed
            }
            client.transportEnded();
        });
        return client;
    }

    @Test
    void everyStreamTheClientOpensIsRepliedToWithAReadableHeaderBlock() throws Exception {
        try (SpdyTestClient client = connect()) {
            int error = client.open(Map.of("streamtype", "error", "port", "80", "requestid", "0"));
            int data = client.open(Map.of("streamtype", "data", "port", "80", "requestid", "0"));
            assertThat(client.awaitReply(error, WAIT)).isNotEmpty();
            assertThat(client.awaitReply(data, WAIT)).isNotEmpty();
            assertThat(seenHeaders).containsEntry("stream-" + error, "error").containsEntry("stream-" + data, "data");
        }
    }

    @Test
    void dataComesBackOnItsStreamAndFinEndsIt() throws Exception {
        try (SpdyTestClient client = connect()) {
            int a = client.open(Map.of("streamtype", "stdin"));
            int b = client.open(Map.of("streamtype", "stdout"));
            client.send(a, "hello ".getBytes(StandardCharsets.UTF_8), false);
            client.send(b, "other".getBytes(StandardCharsets.UTF_8), true);
            client.send(a, "world".getBytes(StandardCharsets.UTF_8), true);
            assertThat(client.awaitFin(a, WAIT)).isEqualTo("hello world");
            assertThat(client.awaitFin(b, WAIT)).isEqualTo("other");
        }
    }

    @Test
    void largeWritesArriveWhole() throws Exception {
        byte[] big = new byte[300_000];
        Arrays.fill(big, (byte) 'x');
        try (SpdyTestClient client = connect()) {
            int s = client.open(Map.of("streamtype", "data"));
            client.send(s, big, true);
            assertThat(client.awaitFin(s, WAIT)).hasSize(big.length);
        }
    }

    @Test
    void clientPingsAreEchoed() throws Exception {
        try (SpdyTestClient client = connect()) {
            client.ping(7);
            client.awaitPing(7, WAIT);
        }
    }

    @Test
    void streamsWithAnEvenOrAReusedIdAreReset() throws Exception {
        try (SpdyTestClient client = connect()) {
            client.open(Map.of("streamtype", "x"));
            int second = client.open(Map.of("streamtype", "y"));
            client.awaitReply(second, WAIT);
            client.openWithId(second, Map.of("streamtype", "again"));
            client.openWithId(8, Map.of("streamtype", "even"));
            assertThat(client.awaitReset(8, WAIT)).isTrue();
            assertThat(seenHeaders).hasSize(2);
        }
    }

    @Test
    void goAwayEndsTheSession() throws Exception {
        try (SpdyTestClient client = connect()) {
            client.open(Map.of("streamtype", "error"));
            client.goAway();
            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
            client.awaitClosed(WAIT);
            assertThat(client.goAwayReceived()).isTrue();
        }
    }

    @Test
    void aFrameTheDecoderRejectsClosesTheConnection() throws Exception {
        try (SpdyTestClient client = connect()) {
            // A control frame of SPDY version 2: not a version this session speaks.
            client.sendRaw(new byte[] {(byte) 0x80, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
            client.awaitClosed(WAIT);
        }
    }

    @Test
    void theClientLeavingEndsEveryStream() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        server.close().toCompletionStage().toCompletableFuture().join();
        server = vertx.createNetServer().connectHandler(socket -> new SpdyConnection(vertx.getOrCreateContext(),
                SpdyConnection.Transport.of(socket), stream -> stream.handler(b -> { }, ended::countDown), closed::countDown));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        SpdyTestClient client = connect();
        int s = client.open(Map.of("streamtype", "data"));
        client.awaitReply(s, WAIT);
        client.close();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void writesFromManyThreadsKeepEachStreamInOrder() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().join();
        server = vertx.createNetServer().connectHandler(socket -> new SpdyConnection(vertx.getOrCreateContext(),
                SpdyConnection.Transport.of(socket), stream -> stream.handler(b -> { }, () -> Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 200; i++) {
                        stream.write(Buffer.buffer(i + ","));
                    }
                    stream.finish();
                })), () -> { }));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        try (SpdyTestClient client = connect()) {
            int[] ids = new int[4];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = client.open(Map.of("streamtype", "data"));
                client.send(ids[i], new byte[0], true);
            }
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                expected.append(i).append(',');
            }
            for (int id : ids) {
                assertThat(client.awaitFin(id, WAIT)).isEqualTo(expected.toString());
            }
        }
    }
}
