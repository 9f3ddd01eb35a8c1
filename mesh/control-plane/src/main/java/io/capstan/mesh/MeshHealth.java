package io.capstan.mesh;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the informers synced and the first snapshots are published ({@code /q/health/ready}). */
@Readiness
@ApplicationScoped
public class MeshHealth implements HealthCheck {
    @Inject
    MeshControlPlane controlPlane;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("xds")
                .status(controlPlane.serving())
                .withData("xdsPort", controlPlane.xdsPort())
                .withData("connectedProxies", controlPlane.connectedProxies())
                .build();
    }
}
