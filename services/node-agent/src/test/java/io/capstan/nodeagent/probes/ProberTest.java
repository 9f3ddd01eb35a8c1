package io.capstan.nodeagent.probes;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The prober against a real HTTP server on a loopback address, as a pod's server would listen. */
class ProberTest {
    private HttpServer server;
    private int port;
    private final Map<String, String> seenHeaders = new ConcurrentHashMap<>();
    private final Prober prober = new Prober(null);
    private final Container container = new ContainerBuilder().withName("web").addNewPort().withName("http")
            .withContainerPort(0).endPort().build();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/healthz", ex -> {
            seenHeaders.put("user-agent", ex.getRequestHeaders().getFirst("User-Agent"));
            seenHeaders.put("x-probe", String.valueOf(ex.getRequestHeaders().getFirst("X-Probe")));
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/fail", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.createContext("/moved", ex -> {
            ex.getResponseHeaders().add("Location", "/elsewhere");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/slow", ex -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        port = server.getAddress().getPort();
        container.getPorts().get(0).setContainerPort(port);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Prober.Outcome get(String path) {
        return prober.http(new HTTPGetActionBuilder().withPath(path).withPort(new IntOrString("http"))
                .addNewHttpHeader("X-Probe", "yes").build(), "127.0.0.1", container, Duration.ofSeconds(1));
    }

    @Test
    void httpSucceedsOn2xxAnd3xxWithTheKubeletsHeaders() {
        assertThat(get("/healthz").success()).isTrue();
        assertThat(seenHeaders).containsEntry("user-agent", "kube-probe/1.33").containsEntry("x-probe", "yes");
        assertThat(get("/moved").success()).isTrue();
    }

    @Test
    void httpFailuresAreWordedAsTheKubeletWordsThem() {
        assertThat(get("/fail")).isEqualTo(new Prober.Outcome(false, "HTTP probe failed with statuscode: 500"));
        assertThat(get("/slow").message()).isEqualTo("Get \"http://127.0.0.1:" + port
                + "/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
    }

    @Test
    void tcpSucceedsWhenSomethingListensAndIsRefusedOtherwise() throws IOException {
        assertThat(prober.tcp(new IntOrString(port), null, "127.0.0.1", container, Duration.ofSeconds(1)).success()).isTrue();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThat(prober.tcp(new IntOrString(closed), null, "127.0.0.1", container, Duration.ofSeconds(1)).message())
                .isEqualTo("dial tcp 127.0.0.1:" + closed + ": connect: connection refused");
        assertThat(get("/healthz").success()).isTrue();
    }

    @Test
    void anUnknownNamedPortFails() {
        Prober.Outcome o = prober.http(new HTTPGetActionBuilder().withPath("/").withPort(new IntOrString("nope")).build(),
                "127.0.0.1", container, Duration.ofSeconds(1));
        assertThat(o.success()).isFalse();
        assertThat(o.message()).contains("couldn't find port: nope");
    }
}
