package io.capstan.scheduler.api;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiClientTest {
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> seen = new CopyOnWriteArrayList<>();
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + exchange.getRequestHeaders().getFirst("Content-Type"));
            byte[] answer = (exchange.getRequestMethod() + " " + body).getBytes(StandardCharsets.UTF_8);
            if (exchange.getRequestURI().getPath().equals("/chunked")) {
                exchange.sendResponseHeaders(200, 0);
            } else {
                exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/missing") ? 404 : 201, answer.length);
            }
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void sendsRequestsOverKeptAliveConnectionsAndReadsBothBodyFramings() throws IOException {
        try (ApiClient client = new ApiClient(startServer(), 2, Duration.ofSeconds(5))) {
            ApiClient.Response created = client.post("/api/v1/namespaces/a/pods/p/binding", "{\"x\":\"é\"}");
            assertThat(created.status()).isEqualTo(201);
            assertThat(created.body()).isEqualTo("POST {\"x\":\"é\"}");
            assertThat(created.ok()).isTrue();
            ApiClient.Response missing = client.patch("/missing", "application/merge-patch+json", "{}");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.ok()).isFalse();
            assertThat(client.delete("/chunked", "{}").body()).isEqualTo("DELETE {}");
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedOnce() throws Exception {
        // a server that answers one request per connection and then closes it without saying so
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        connections.incrementAndGet();
                        InputStream in = s.getInputStream();
                        int length = 0;
                        StringBuilder line = new StringBuilder();
                        while (true) {
                            int c = in.read();
                            if (c == '\n') {
                                String l = line.toString().trim();
                                if (l.isEmpty()) {
                                    break;
                                }
                                if (l.toLowerCase().startsWith("content-length:")) {
                                    length = Integer.parseInt(l.substring(15).trim());
                                }
                                line.setLength(0);
                            } else if (c < 0) {
                                break;
                            } else {
                                line.append((char) c);
                            }
                        }
                        in.readNBytes(length);
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            try (ApiClient client = new ApiClient("http://127.0.0.1:" + socket.getLocalPort(), 1, Duration.ofSeconds(5))) {
                assertThat(client.post("/a", "{}").body()).isEqualTo("ok");
                assertThat(client.post("/b", "{}").body()).isEqualTo("ok");
                assertThat(client.post("/c", "{}").body()).isEqualTo("ok");
            }
            assertThat(connections.get()).isEqualTo(3);
            t.interrupt();
        }
    }

    @Test
    void onlyPlainHttpIsSupported() {
        assertThatThrownBy(() -> new ApiClient("https://127.0.0.1:6443", 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aServerThatIsNotThereFailsTheRequest() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (ApiClient client = new ApiClient("http://127.0.0.1:" + port, 1, Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> client.post("/x", "{}")).isInstanceOf(IOException.class);
        }
    }
}
