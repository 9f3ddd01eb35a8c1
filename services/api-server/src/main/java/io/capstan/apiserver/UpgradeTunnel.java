package io.capstan.apiserver;

import io.capstan.api.status.ApiException;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A transparent tunnel for protocol upgrades to a kubelet (exec, attach and port-forward over
 * WebSocket or SPDY), as kube-apiserver's UpgradeAwareHandler: the client's request goes to the
 * kubelet unchanged but for its path and Host; if the kubelet switches protocols its 101 goes
 * back byte for byte and from then on bytes are copied both ways until either side closes; if
 * it refuses, its answer goes back as an ordinary response, which is what lets kubectl fall
 * back from WebSocket to SPDY, and print the kubelet's reason when that fails too.
 */
final class UpgradeTunnel {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final long HEAD_TIMEOUT_MS = 60_000;
    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};
    private static final Set<String> NOT_FORWARDED = Set.of("host", "transfer-encoding");
    private static final Set<String> NOT_COPIED_BACK = Set.of("content-length", "transfer-encoding", "connection", "keep-alive");

    private final RoutingContext ctx;
    private final NetSocket kubelet;
    private final Buffer received = Buffer.buffer();
    private int headEnd = -1;
    private int status;
    private Map<String, String> headers;
    private long timer;

    private UpgradeTunnel(RoutingContext ctx, NetSocket kubelet) {
        this.ctx = ctx;
        this.kubelet = kubelet;
    }

    /** Sends the upgrade to the kubelet at {@code endpoint} as {@code uri} and joins the two connections. */
    static void open(RoutingContext ctx, NetClient client, KubeletLocation.Endpoint endpoint, String uri) {
        client.connect(endpoint.port(), endpoint.host()).onComplete(ar -> {
            if (ar.failed()) {
                Responses.error(ctx, new ApiException(500, null, "error dialing backend: dial tcp " + endpoint.authority()
                        + ": " + ar.cause().getMessage()));
                return;
            }
            new UpgradeTunnel(ctx, ar.result()).start(endpoint, uri);
        });
    }

    private void start(KubeletLocation.Endpoint endpoint, String uri) {
        HttpServerRequest request = ctx.request();
        StringBuilder head = new StringBuilder(request.method().name()).append(' ').append(uri).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(endpoint.authority()).append("\r\n");
        for (Map.Entry<String, String> h : request.headers()) {
            if (!NOT_FORWARDED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
        }
        head.append("\r\n");
        ctx.response().closeHandler(v -> kubelet.close());
        kubelet.handler(this::headBytes);
        kubelet.closeHandler(v -> {
            if (headEnd < 0) {
                Responses.error(ctx, new ApiException(502, null, "the kubelet closed the connection before answering the upgrade"));
            } else if (status != 101) {
                refused();
            }
        });
        timer = ctx.vertx().setTimer(HEAD_TIMEOUT_MS, t -> {
            if (headEnd < 0) {
                kubelet.close();
                Responses.error(ctx, ApiException.timeout("the kubelet did not answer the upgrade within " + HEAD_TIMEOUT_MS / 1000 + "s"));
            }
        });
        kubelet.write(Buffer.buffer(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
    }

    private void headBytes(Buffer bytes) {
        received.appendBuffer(bytes);
        if (headEnd < 0) {
            headEnd = indexOf(received, END_OF_HEAD);
            if (headEnd < 0) {
                if (received.length() > MAX_HEAD_BYTES) {
                    kubelet.close();
                }
                return;
            }
            ctx.vertx().cancelTimer(timer);
            parseHead(received.getString(0, headEnd, "ISO-8859-1"));
            if (status == 101) {
                kubelet.pause();
                switchProtocols();
                return;
            }
        }
        if (bodyComplete()) {
            kubelet.close();
        }
    }

    private void parseHead(String head) {
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : 502;
        headers = new java.util.LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
        }
    }

    /** The kubelet switched: its 101 (and anything after it) goes to the client, then bytes flow both ways. */
    private void switchProtocols() {
        HttpHijack.take(ctx.request()).onComplete(ar -> {
            if (ar.failed()) {
                kubelet.close();
                return;
            }
            NetSocket client = ar.result();
            client.write(received.copy());
            kubelet.handler(null);
            kubelet.closeHandler(null);
            kubelet.pipeTo(client);
            client.pipeTo(kubelet);
        });
    }

    private boolean bodyComplete() {
        String length = header("Content-Length");
        return length != null && received.length() - (headEnd + END_OF_HEAD.length) >= Long.parseLong(length.trim());
    }

    /** The kubelet refused the upgrade: its status, content type and body, as an ordinary response. */
    private void refused() {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        int start = headEnd + END_OF_HEAD.length;
        String length = header("Content-Length");
        int end = length == null ? received.length() : (int) Math.min(received.length(), start + Long.parseLong(length.trim()));
        headers.forEach((name, value) -> {
            if (!NOT_COPIED_BACK.contains(name.toLowerCase(Locale.ROOT))) {
                response.putHeader(name, value);
            }
        });
        response.setStatusCode(status).end(received.getBuffer(start, end));
    }

    private String header(String name) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    private static int indexOf(Buffer buffer, byte[] pattern) {
        outer:
        for (int i = 0; i <= buffer.length() - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buffer.getByte(i + j) != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
