package io.capstan.nodeagent.server;

import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerRuntime;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The kubelet's streaming endpoints, which the api-server proxies {@code pods/log},
 * {@code pods/exec}, {@code pods/attach} and {@code pods/portforward} to:
 * <ul>
 *   <li>{@code GET /containerLogs/{ns}/{pod}/{container}}: the log, plain text, chunked while following;</li>
 *   <li>{@code /exec/{ns}/{pod}/{container}?command=..&input=1&output=1&error=1&tty=1} and
 *       {@code /attach/...}: WebSocket (GET, {@code v5|v4.channel.k8s.io}) or SPDY/3.1 (GET or
 *       POST, {@code X-Stream-Protocol-Version: v4..v1});</li>
 *   <li>{@code /portForward/{ns}/{pod}}: SPDY/3.1 tunnelled in WebSocket binary messages
 *       ({@code SPDY/3.1+portforward.k8s.io}) or plain SPDY ({@code portforward.k8s.io}).</li>
 * </ul>
 * Anything refused before the upgrade gets a plain non-101 answer with the kubelet's message,
 * so kubectl falls back from WebSocket to SPDY and then reports it. Runtime lookups and
 * everything that blocks run on virtual threads, never on the event loop.
 */
public final class StreamingServer {
    private static final Logger LOG = Logger.getLogger(StreamingServer.class);
    static final String TUNNEL_PROTOCOL = "SPDY/3.1+" + PortForwarder.PROTOCOL;
    /** Every WebSocket sub-protocol served: the HTTP server must offer these (see {@link StreamingRoutes}). */
    public static final List<String> WEBSOCKET_PROTOCOLS = List.of(
            WebSocketCommandConnection.V5, WebSocketCommandConnection.V4, WebSocketCommandConnection.V1, TUNNEL_PROTOCOL);
    private static final Duration LOG_POLL = Duration.ofMillis(100);
    /** How long the kubelet waits for a SPDY client to open the streams of a command. */
    private static final long STREAM_CREATION_TIMEOUT_MS = 30_000;

    private final ContainerLookup lookup;
    private final Vertx vertx;
    private final NetClient podClient;

    /**
     * {@code runtime} is asked for when a request names a pod {@code pods} knows, so an agent
     * that runs no containers never creates one.
     */
    public StreamingServer(Supplier<ContainerRuntime> runtime, PodDirectory pods, Vertx vertx) {
        this.lookup = new ContainerLookup(runtime, pods);
        this.vertx = vertx;
        this.podClient = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000));
    }

    public void register(Router router) {
        router.get("/containerLogs/:namespace/:pod/:container").handler(this::logs);
        for (HttpMethod m : List.of(HttpMethod.GET, HttpMethod.POST)) {
            router.route(m, "/exec/:namespace/:pod/:container").handler(ctx -> command(ctx, false));
            router.route(m, "/attach/:namespace/:pod/:container").handler(ctx -> command(ctx, true));
            router.route(m, "/portForward/:namespace/:pod").handler(this::portForward);
        }
    }

    // ------------------------------------------------------------------ logs

    private void logs(RoutingContext ctx) {
        Instant now = Instant.now();
        onVirtualThread(ctx, () -> {
            LogOptions options = LogOptions.parse(ctx.request().params(), now);
            PodDirectory.PodView pod = lookup.pod(ctx.pathParam("namespace"), ctx.pathParam("pod"));
            ContainerId id = lookup.logged(pod, ctx.pathParam("container"), options.previous());
            HttpServerResponse response = ctx.response();
            AtomicBoolean gone = new AtomicBoolean();
            WriteGate gate = new WriteGate(response);
            response.closeHandler(v -> {
                gone.set(true);
                gate.close();
            });
            response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/plain; charset=utf-8");
            // The head goes out now, so a client following a quiet container knows it is connected.
            response.writeHead();
            try {
                LogReader.read(lookup.logPath(id), options, () -> !gone.get() && lookup.isRunning(id), LOG_POLL,
                        (source, bytes) -> {
                            if (!gate.awaitWritable() || gone.get()) {
                                return false;
                            }
                            response.write(Buffer.buffer(bytes));
                            return true;
                        });
            } catch (IOException e) {
                LOG.debugf("log of %s ended early: %s", id, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!gone.get()) {
                response.end();
            }
        });
    }

    // ------------------------------------------------------------------ exec and attach

    private void command(RoutingContext ctx, boolean attach) {
        Context context = vertx.getOrCreateContext();
        onVirtualThread(ctx, () -> {
            CommandOptions options = CommandOptions.parse(ctx.request().params(), !attach);
            PodDirectory.PodView pod = lookup.pod(ctx.pathParam("namespace"), ctx.pathParam("pod"));
            ContainerId id = lookup.running(pod, ctx.pathParam("container"));
            if (attach && options.stdin()) {
                throw KubeletError.badRequest("attach with stdin is not supported: the process runtime keeps no stdin of a running container open");
            }
            CommandConnection.Session command = attach
                    ? new Attachment(lookup, id, options)
                    : new RemoteCommand(options, () -> lookup.runtime().exec(id, options.command(), options.tty()));
            context.runOnContext(v -> upgradeForCommand(ctx, options, command));
        });
    }

    private void upgradeForCommand(RoutingContext ctx, CommandOptions options, CommandConnection.Session command) {
        HttpServerRequest request = ctx.request();
        if (isWebSocket(request)) {
            List<String> offered = offeredProtocols(request);
            if (!offered.isEmpty() && offered.stream().noneMatch(WebSocketCommandConnection.PROTOCOLS::contains)) {
                plain(ctx, 400, "unable to upgrade: unable to negotiate protocol: client supports " + offered
                        + ", server supports " + WebSocketCommandConnection.PROTOCOLS);
                return;
            }
            request.toWebSocket().onSuccess(ws -> {
                if (ws.subProtocol() != null && !WebSocketCommandConnection.PROTOCOLS.contains(ws.subProtocol())) {
                    ws.close((short) 1002);
                    return;
                }
                command.start(WebSocketCommandConnection.open(ws, command));
            }).onFailure(e -> LOG.debugf("WebSocket upgrade failed: %s", e.getMessage()));
            return;
        }
        String protocol = spdyProtocol(ctx, SpdyCommandConnection.PROTOCOLS);
        if (protocol == null) {
            return;
        }
        Context context = vertx.getOrCreateContext();
        ProtocolSwitch.accept(request, spdyHeaders(protocol)).onSuccess(socket -> {
            boolean[] started = {false};
            SpdyConnection spdy = new SpdyConnection(context, SpdyConnection.Transport.of(socket),
                    SpdyCommandConnection.collector(protocol, options, command, c -> {
                        started[0] = true;
                        command.start(c);
                    }),
                    command::closed);
            vertx.setTimer(STREAM_CREATION_TIMEOUT_MS, t -> {
                if (!started[0]) {
                    spdy.close();
                }
            });
        }).onFailure(e -> plain(ctx, 400, e.getMessage()));
    }

    // ------------------------------------------------------------------ port-forward

    private void portForward(RoutingContext ctx) {
        Context context = vertx.getOrCreateContext();
        onVirtualThread(ctx, () -> {
            PodDirectory.PodView pod = lookup.pod(ctx.pathParam("namespace"), ctx.pathParam("pod"));
            context.runOnContext(v -> upgradeForPortForward(ctx, pod));
        });
    }

    private void upgradeForPortForward(RoutingContext ctx, PodDirectory.PodView pod) {
        HttpServerRequest request = ctx.request();
        PortForwarder forwarder = new PortForwarder(vertx, podClient, pod);
        Context context = vertx.getOrCreateContext();
        if (isWebSocket(request)) {
            if (!offeredProtocols(request).contains(TUNNEL_PROTOCOL)) {
                plain(ctx, 400, "unable to upgrade: port forwarding over WebSocket needs the " + TUNNEL_PROTOCOL + " sub-protocol");
                return;
            }
            request.toWebSocket().onSuccess(ws -> {
                if (!TUNNEL_PROTOCOL.equals(ws.subProtocol())) {
                    ws.close((short) 1002);
                    return;
                }
                new SpdyConnection(context, SpdyConnection.Transport.of(ws), forwarder, forwarder::closeAll);
            }).onFailure(e -> LOG.debugf("WebSocket upgrade failed: %s", e.getMessage()));
            return;
        }
        String protocol = spdyProtocol(ctx, List.of(PortForwarder.PROTOCOL));
        if (protocol == null) {
            return;
        }
        ProtocolSwitch.accept(request, spdyHeaders(protocol))
                .onSuccess(socket -> new SpdyConnection(context, SpdyConnection.Transport.of(socket), forwarder, forwarder::closeAll))
                .onFailure(e -> plain(ctx, 400, e.getMessage()));
    }

    // ------------------------------------------------------------------ upgrade helpers

    private static boolean isWebSocket(HttpServerRequest request) {
        return "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
    }

    private static List<String> offeredProtocols(HttpServerRequest request) {
        List<String> offered = new ArrayList<>();
        for (String header : request.headers().getAll("Sec-WebSocket-Protocol")) {
            for (String p : header.split(",")) {
                if (!p.isBlank()) {
                    offered.add(p.trim());
                }
            }
        }
        return offered;
    }

    /**
     * Negotiates a SPDY upgrade as the kubelet's httpstream.Handshake does: the first version the
     * client lists that this side speaks. Answers the refusal itself and returns null.
     */
    private static String spdyProtocol(RoutingContext ctx, List<String> supported) {
        HttpServerRequest request = ctx.request();
        String upgrade = request.getHeader("Upgrade");
        if (upgrade == null || !upgrade.toLowerCase(Locale.ROOT).startsWith("spdy/3.1")) {
            plain(ctx, 400, "Upgrade request required");
            return null;
        }
        List<String> offered = new ArrayList<>();
        for (String header : request.headers().getAll("X-Stream-Protocol-Version")) {
            for (String p : header.split(",")) {
                if (!p.isBlank()) {
                    offered.add(p.trim());
                }
            }
        }
        if (offered.isEmpty()) {
            plain(ctx, 400, "unable to upgrade: X-Stream-Protocol-Version is required");
            return null;
        }
        for (String p : offered) {
            if (supported.contains(p)) {
                return p;
            }
        }
        supported.forEach(p -> ctx.response().headers().add("X-Accepted-Stream-Protocol-Versions", p));
        plain(ctx, 403, "unable to upgrade: unable to negotiate protocol: client supports " + offered + ", server accepts " + supported);
        return null;
    }

    private static Map<String, String> spdyHeaders(String protocol) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Connection", "Upgrade");
        headers.put("Upgrade", "SPDY/3.1");
        headers.put("X-Stream-Protocol-Version", protocol);
        return headers;
    }

    // ------------------------------------------------------------------ plumbing

    /** A step that may refuse the request with the kubelet's answer. */
    private interface Step {
        void run() throws KubeletError;
    }

    private static void onVirtualThread(RoutingContext ctx, Step step) {
        ctx.request().pause();
        Thread.ofVirtual().name("kubelet-" + ctx.request().path()).start(() -> {
            try {
                step.run();
            } catch (KubeletError e) {
                plain(ctx, e.code(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.errorf(e, "streaming request %s failed", ctx.request().uri());
                plain(ctx, 500, e.toString());
            }
        });
    }

    private static void plain(RoutingContext ctx, int code, String message) {
        HttpServerResponse r = ctx.response();
        if (r.ended() || r.closed() || r.headWritten()) {
            return;
        }
        r.setStatusCode(code).putHeader("Content-Type", "text/plain; charset=utf-8").end(message);
    }
}
