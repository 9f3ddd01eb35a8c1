package io.capstan.nodeagent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the Node is registered and the agent knows its pods (the kubelet's /healthz counterpart). */
@Readiness
@ApplicationScoped
public class AgentReadiness implements HealthCheck {
    @Inject
    NodeAgent agent;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("node-agent").status(agent.ready()).withData("node", agent.nodeName()).build();
    }
}
