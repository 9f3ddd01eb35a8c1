package io.capstan.apiserver;

import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The subresources that reach a node's kubelet (the node-agent) instead of etcd:
 * {@code pods/log}, {@code pods/exec}, {@code pods/attach}, {@code pods/portforward} and
 * {@code nodes/proxy}. The pod decides the container and the node, the node its kubelet's
 * address ({@link KubeletLocation}); logs stream back as plain text (the kubelet's refusals
 * become Status errors as kube-apiserver's response checker makes them), upgrades go through
 * an {@link UpgradeTunnel}, and {@code nodes/proxy} forwards any other request as it is.
 */
final class NodeConnections {
    private static final Set<String> POD_SUBRESOURCES = Set.of("log", "exec", "attach", "portforward");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length");
    private static final int MAX_KUBELET_CONNECTIONS = 1024;

    private final ResourceType pods;
    private final ResourceType nodes;
    private final ResourceStore store;
    private HttpClient http;
    private NetClient net;

    NodeConnections(ResourceRegistry registry, ResourceStore store) {
        this.pods = registry.find("", "v1", "pods").orElseThrow();
        this.nodes = registry.find("", "v1", "nodes").orElseThrow();
        this.store = store;
    }

    /** Whether this request is one of the subresources served here. */
    boolean serves(ResourceType type, RequestInfo info) {
        String sub = info.subresource();
        if (sub == null || info.name() == null || !type.group().isEmpty()) {
            return false;
        }
        return (type.plural().equals("pods") && POD_SUBRESOURCES.contains(sub))
                || (type.plural().equals("nodes") && (sub.equals("proxy") || sub.startsWith("proxy/")));
    }

    void handle(RoutingContext ctx, ResourceType type, RequestInfo info) {
        HttpMethod method = ctx.request().method();
        if (type.plural().equals("nodes")) {
            nodeProxy(ctx, info.name()).whenComplete((v, t) -> failed(ctx, t));
            return;
        }
        boolean log = info.subresource().equals("log");
        if (log ? method != HttpMethod.GET : method != HttpMethod.GET && method != HttpMethod.POST) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        CompletableFuture<?> done = switch (info.subresource()) {
            case "log" -> log(ctx, info.namespace(), info.name());
            case "portforward" -> portForward(ctx, info.namespace(), info.name());
            default -> command(ctx, info.namespace(), info.name(), info.subresource());
        };
        done.whenComplete((v, t) -> failed(ctx, t));
    }

    private static void failed(RoutingContext ctx, Throwable t) {
        if (t != null) {
            Responses.error(ctx, t);
        }
    }

    // ------------------------------------------------------------------ pods

    private CompletableFuture<?> log(RoutingContext ctx, String ns, String name) {
        return store.get(pods, ns, name).thenCompose(pod -> {
            String container = KubeletLocation.container(pod, ctx.queryParams().get("container"));
            String query = KubeletLocation.logQuery(ctx.queryParams(), name);
            String node = KubeletLocation.nodeName(pod);
            if (node == null) {
                // Not scheduled: no log yet, an empty answer, as kube-apiserver gives.
                ctx.response().setStatusCode(204).end();
                return CompletableFuture.completedFuture(null);
            }
            return kubelet(node).thenAccept(kubelet -> streamLog(ctx, kubelet,
                    "/containerLogs/" + ns + "/" + name + "/" + container + (query.isEmpty() ? "" : "?" + query), name));
        });
    }

    private void streamLog(RoutingContext ctx, KubeletLocation.Endpoint kubelet, String uri, String pod) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(kubelet.host())
                .setPort(kubelet.port()).setURI(uri);
        http(ctx.vertx()).request(options).compose(req -> req.send()).onComplete(ar -> {
            if (ar.failed()) {
                Responses.error(ctx, new ApiException(500, null, "Get \"http://" + kubelet.authority() + uri + "\": "
                        + ar.cause().getMessage()));
                return;
            }
            HttpClientResponse answer = ar.result();
            if (answer.statusCode() < 200 || answer.statusCode() > 206) {
                answer.body().onComplete(body -> Responses.error(ctx,
                        kubeletRefusal(answer.statusCode(), body.succeeded() ? body.result().toString() : "", pod)));
                return;
            }
            HttpServerResponse response = ctx.response();
            response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/plain");
            response.writeHead();
            response.closeHandler(v -> answer.request().connection().close());
            answer.pipeTo(response);
        });
    }

    /** A kubelet's refusal of a log request, as kube-apiserver's GenericHttpResponseChecker words it. */
    static ApiException kubeletRefusal(int code, String body, String pod) {
        String text = body.strip();
        return switch (code) {
            case 400 -> ApiException.badRequest(text);
            case 500 -> ApiException.internal(text);
            case 404 -> new ApiException(404, "NotFound", "the server could not find the requested resource ( pods/log " + pod + ")",
                    pod, "", "pods/log", List.of(), null, null);
            default -> code >= 500
                    ? new ApiException(code, "InternalError", "an error on the server (\"" + text
                            + "\") has prevented the request from succeeding ( pods/log " + pod + ")")
                    : new ApiException(code, null, "the server responded with the status code " + code
                            + " but did not return more information ( pods/log " + pod + ")");
        };
    }

    private CompletableFuture<?> command(RoutingContext ctx, String ns, String name, String sub) {
        return store.get(pods, ns, name).thenCompose(pod -> {
            String container = KubeletLocation.container(pod, ctx.queryParams().get("container"));
            String node = requireNode(pod, name);
            String query = KubeletLocation.commandQuery(ctx.queryParams());
            return kubelet(node).thenAccept(kubelet -> UpgradeTunnel.open(ctx, net(ctx.vertx()), kubelet,
                    "/" + sub + "/" + ns + "/" + name + "/" + container + (query.isEmpty() ? "" : "?" + query)));
        });
    }

    private CompletableFuture<?> portForward(RoutingContext ctx, String ns, String name) {
        return store.get(pods, ns, name).thenCompose(pod -> {
            String node = requireNode(pod, name);
            String query = KubeletLocation.portForwardQuery(ctx.queryParams());
            return kubelet(node).thenAccept(kubelet -> UpgradeTunnel.open(ctx, net(ctx.vertx()), kubelet,
                    "/portForward/" + ns + "/" + name + (query.isEmpty() ? "" : "?" + query)));
        });
    }

    private static String requireNode(JsonNode pod, String name) {
        String node = KubeletLocation.nodeName(pod);
        if (node == null) {
            throw ApiException.badRequest("pod " + name + " does not have a host assigned");
        }
        return node;
    }

    private CompletableFuture<KubeletLocation.Endpoint> kubelet(String node) {
        return store.get(nodes, null, node).thenApply(KubeletLocation::endpoint);
    }

    // ------------------------------------------------------------------ nodes/proxy

    private CompletableFuture<?> nodeProxy(RoutingContext ctx, String node) {
        HttpServerRequest request = ctx.request();
        String prefix = "/api/v1/nodes/" + node + "/proxy";
        String path = request.path().length() > prefix.length() ? request.path().substring(prefix.length()) : "/";
        String uri = path + (request.query() == null ? "" : "?" + request.query());
        return kubelet(node).thenAccept(kubelet -> {
            if (request.getHeader("Upgrade") != null) {
                UpgradeTunnel.open(ctx, net(ctx.vertx()), kubelet, uri);
            } else {
                forward(ctx, kubelet, uri);
            }
        });
    }

    /** Any other request through nodes/proxy: method, headers and body to the kubelet, its answer back as it is. */
    private void forward(RoutingContext ctx, KubeletLocation.Endpoint kubelet, String uri) {
        HttpServerRequest request = ctx.request();
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost(kubelet.host())
                .setPort(kubelet.port()).setURI(uri);
        for (Map.Entry<String, String> h : request.headers()) {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                options.addHeader(h.getKey(), h.getValue());
            }
        }
        Buffer body = ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
        http(ctx.vertx()).request(options).compose(req -> req.send(body)).onComplete(ar -> {
            if (ar.failed()) {
                Responses.error(ctx, new ApiException(503, "ServiceUnavailable", "error trying to reach service: "
                        + ar.cause().getMessage()));
                return;
            }
            HttpClientResponse answer = ar.result();
            HttpServerResponse response = ctx.response();
            response.setStatusCode(answer.statusCode());
            String length = answer.getHeader("Content-Length");
            if (length != null) {
                response.putHeader("Content-Length", length);
            } else {
                response.setChunked(true);
            }
            for (Map.Entry<String, String> h : answer.headers()) {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    response.headers().add(h.getKey(), h.getValue());
                }
            }
            response.closeHandler(v -> answer.request().connection().close());
            answer.pipeTo(response);
        });
    }

    // ------------------------------------------------------------------ clients

    /** HTTP to kubelets; followed logs hold a connection each, so the pool is large. */
    private synchronized HttpClient http(Vertx vertx) {
        if (http == null) {
            http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(MAX_KUBELET_CONNECTIONS)
                    .setConnectTimeout(10_000));
        }
        return http;
    }

    private synchronized NetClient net(Vertx vertx) {
        if (net == null) {
            net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000));
        }
        return net;
    }
}
