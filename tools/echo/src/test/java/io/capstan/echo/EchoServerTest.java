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

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
