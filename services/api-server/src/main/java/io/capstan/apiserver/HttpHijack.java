package io.capstan.apiserver;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.NetSocket;

/**
 * Takes the raw connection of an HTTP/1.1 request that is being upgraded, without answering it:
 * the caller writes the 101 (here, the kubelet's own, byte for byte). Vert.x's public
 * {@code toNetSocket()} answers for itself and only for GET, while SPDY upgrades are POSTs, so
 * this uses its HTTP/1.x connection's {@code netSocket()} (internal, but public), which
 * removes the HTTP codec and hands over the socket.
 */
final class HttpHijack {
    private HttpHijack() {
    }

    static Future<NetSocket> take(HttpServerRequest request) {
        if (request.connection() instanceof Http1xServerConnection connection) {
            return connection.netSocket();
        }
        return Future.failedFuture("protocol upgrades need HTTP/1.1");
    }
}
