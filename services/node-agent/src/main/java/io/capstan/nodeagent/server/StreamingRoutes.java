package io.capstan.nodeagent.server;

import io.capstan.nodeagent.runtime.ContainerRuntime;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.Optional;

/**
 * Puts the {@link StreamingServer} on the agent's HTTP server (the kubelet port) and makes the
 * server offer its WebSocket sub-protocols. The agent's beans are looked up per request, not
 * now: routes are set up before the agent has started its pods, and an agent of simulated
 * nodes has no pod directory (every pod is then unknown here) and should not create a runtime.
 */
@ApplicationScoped
public class StreamingRoutes implements HttpServerOptionsCustomizer {
    @Inject
    Instance<ContainerRuntime> runtime;
    @Inject
    Instance<PodDirectory> pods;
    @Inject
    Vertx vertx;

    void routes(@Observes Router router) {
        PodDirectory agentPods = (namespace, name) -> Optional.ofNullable(pods.get()).flatMap(d -> d.pod(namespace, name));
        new StreamingServer(runtime::get, agentPods, vertx).register(router);
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        StreamingServer.WEBSOCKET_PROTOCOLS.forEach(options::addWebSocketSubProtocol);
    }
}
