package io.capstan.echo;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EchoServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"20s, 20000", "1m30s, 90000", "500ms, 500", "1.5s, 1500", "2h, 7200000", "7, 7000"})
    void durationsAreGoSyntax(String text, long millis) {
        assertThat(EchoOptions.duration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "{0} is rejected")
    @CsvSource({"20x", "s", "1m30", "-1s"})
    void badDurationsAreRejected(String text) {
        assertThatThrownBy(() -> EchoOptions.duration(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmptyListenHostIsThePodIpWhenSetElseEveryAddress() {
        assertThat(EchoOptions.parse(List.of("--listen=:8080"), Map.of("POD_IP", "127.244.1.7")).host())
                .isEqualTo("127.244.1.7");
        assertThat(EchoOptions.parse(List.of("--listen=:8080"), Map.of()).host()).isEqualTo("0.0.0.0");
        EchoOptions explicit = EchoOptions.parse(List.of("-listen", "127.0.0.1:9000", "--text", "hi"), Map.of("POD_IP", "x"));
        assertThat(explicit.host()).isEqualTo("127.0.0.1");
        assertThat(explicit.port()).isEqualTo(9000);
        assertThat(explicit.text()).isEqualTo("hi");
    }

    @Test
    void unknownFlagsAreRejected() {
        assertThatThrownBy(() -> EchoOptions.parse(List.of("--colour=red"), Map.of()))
                .hasMessageContaining("unknown flag --colour=red");
    }

    @Test
    void answersWithItsTextAndFailsHealthAfterTheDelay() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        EchoOptions options = EchoOptions.parse(List.of("--text=hello", "--listen=127.0.0.1:0",
                "--fail-health-after=400ms"), Map.of());
        HttpServer server = new EchoServer(options, new PrintStream(log, true, StandardCharsets.UTF_8)).start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertThat(get(base + "/").body()).isEqualTo("hello\n");
            assertThat(get(base + "/hostname").body())
                    .isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim() + "\n");
            assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);
            Instant deadline = Instant.now().plusSeconds(10);
            while (get(base + "/healthz").statusCode() != 500 && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
            assertThat(get(base + "/healthz").statusCode()).isEqualTo(500);
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("capstan-echo listening on 127.0.0.1:")
                    .contains("GET /healthz 500");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void withoutTextItEchoesTheRequest() throws Exception {
        EchoOptions options = EchoOptions.parse(List.of("--listen=127.0.0.1:0"), Map.of());
        HttpServer server = new EchoServer(options, new PrintStream(new ByteArrayOutputStream())).start();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + server.getAddress().getPort() + "/path?q=1")).header("X-Probe", "yes")
                    .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("POST /path?q=1 HTTP/1.1\n").contains("X-probe: yes").endsWith("\npayload");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void onSigtermItServesOnUntilTheTrafficStopsThenStops() throws Exception {
        EchoOptions options = EchoOptions.parse(List.of("--text=still here", "--listen=127.0.0.1:0", "--drain=10s"), Map.of());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        EchoServer echo = new EchoServer(options, new PrintStream(log, true, StandardCharsets.UTF_8));
        HttpServer server = echo.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        Thread drain = Thread.ofPlatform().start(() -> echo.drainAndStop(server));
        // A client that goes on for 1.5 s after the drain began, a new connection per request (as the
        // proxies open them for a TCP Service): every request is answered.
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        int answered = 0;
        while (System.nanoTime() < until) {
            assertThat(getOnANewConnection(server.getAddress().getPort())).endsWith("\r\n\r\nstill here\n");
            answered++;
            Thread.sleep(50);
        }
        assertThat(drain.isAlive()).as("still draining while requests come").isTrue();
        long stoppedAt = System.nanoTime();
        drain.join(5_000);
        assertThat(drain.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofSeconds(3));
        assertThat(answered).isGreaterThan(10);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("capstan-echo draining (at most 10000 ms)", "capstan-echo stopped");
        assertThatThrownBy(() -> get(url)).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void drainingEndsAtItsLimitEvenUnderSteadyTraffic() throws Exception {
        EchoOptions options = EchoOptions.parse(List.of("--text=x", "--listen=127.0.0.1:0", "--drain=700ms"), Map.of());
        EchoServer echo = new EchoServer(options, new PrintStream(new ByteArrayOutputStream()));
        HttpServer server = echo.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        long start = System.nanoTime();
        Thread drain = Thread.ofPlatform().start(() -> echo.drainAndStop(server));
        while (drain.isAlive() && System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
            try {
                get(url);
            } catch (java.io.IOException stoppedMeanwhile) {
                break;
            }
            Thread.sleep(20);
        }
        drain.join(5_000);
        assertThat(drain.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(700), Duration.ofSeconds(4));
    }

    /** The whole response to a GET / on a connection of its own, closed after it. */
    private static String getOnANewConnection(int port) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: echo\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
