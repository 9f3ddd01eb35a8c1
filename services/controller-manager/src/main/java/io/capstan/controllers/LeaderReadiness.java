package io.capstan.controllers;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once started; a standby candidate is ready too, and says whether it leads. */
@Readiness
@ApplicationScoped
public class LeaderReadiness implements HealthCheck {
    @Inject
    ControllerManager manager;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("controller-manager").up().withData("leader", manager.leading()).build();
    }
}
