package io.capstan.scheduler;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Health on the scheduler's port (10259): kube-scheduler's {@code /healthz}, {@code /livez} and
 * {@code /readyz} answer "ok" while the process runs (a standby replica is healthy too), and the
 * readiness check under {@code /q/health} says whether this replica leads and schedules.
 */
@ApplicationScoped
public class SchedulerHealth {
    void routes(@Observes Router router) {
        for (String path : new String[]{"/healthz", "/livez", "/readyz"}) {
            router.get(path).handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end("ok"));
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Leadership implements HealthCheck {
        @Inject
        SchedulerService service;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("scheduler").up()
                    .withData("identity", service.identity())
                    .withData("leader", service.leading())
                    .withData("scheduling", service.scheduling())
                    .build();
        }
    }
}
