package io.capstan.nodeagent.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.NetSocket;

import java.util.Map;

/**
 * Answers an HTTP/1.1 upgrade with 101 and hands over the raw connection. Vert.x's own
 * {@code toNetSocket()} only switches GET requests, while SPDY upgrades (kubectl's exec and
 * port-forward fallbacks) are POSTs; so this takes the connection from Vert.x's HTTP/1.x
 * connection (its internal but public {@code netSocket()}, which removes the HTTP codec) and
 * writes the 101 itself.
 */
final class ProtocolSwitch {
    private ProtocolSwitch() {
    }

    static Future<NetSocket> accept(HttpServerRequest request, Map<String, String> headers) {
        if (!(request.connection() instanceof Http1xServerConnection connection)) {
            return Future.failedFuture("protocol upgrades need HTTP/1.1");
        }
        StringBuilder head = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        return connection.netSocket().compose(socket -> socket.write(Buffer.buffer(head.toString())).map(socket));
    }
}
