package io.capstan.proxy;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Health on the proxy's port (10256, kube-proxy's healthz port): {@code /healthz} and
 * {@code /livez} answer "ok" while the process runs; {@code /readyz} and the readiness check
 * under {@code /q/health} say whether config from the control plane is in place (a proxy that lost
 * the control plane stays ready: it serves its last config).
 */
@ApplicationScoped
public class ProxyHealth {
    @Inject
    ProxyApp app;

    void routes(@Observes Router router) {
        for (String path : new String[]{"/healthz", "/livez"}) {
            router.get(path).handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end("ok"));
        }
        router.get("/readyz").handler(ctx -> {
            NodeProxy p = app.proxy();
            boolean ready = p != null && p.ready();
            ctx.response().setStatusCode(ready ? 200 : 503)
                    .putHeader("Content-Type", "text/plain; charset=utf-8").end(ready ? "ok" : "waiting for config");
        });
    }

    @Readiness
    @ApplicationScoped
    public static class Config implements HealthCheck {
        @Inject
        ProxyApp app;

        @Override
        public HealthCheckResponse call() {
            NodeProxy p = app.proxy();
            boolean ready = p != null && p.ready();
            return HealthCheckResponse.named("proxy").status(ready)
                    .withData("xdsConnected", p != null && p.xdsConnected())
                    .build();
        }
    }
}
