package io.capstan.nodeagent.pods;

import io.capstan.nodeagent.probes.Prober;
import io.capstan.nodeagent.runtime.ContainerId;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;

import java.time.Duration;

/** Runs postStart and preStop hooks (exec, httpGet, sleep, tcpSocket) with the prober's actions. */
final class Hooks {
    private final Prober prober;

    Hooks(Prober prober) {
        this.prober = prober;
    }

    /** Runs {@code handler} for the container run {@code id}, giving up after {@code timeout}. */
    Prober.Outcome run(LifecycleHandler handler, ContainerId id, Container container, String podIp, Duration timeout) {
        if (handler.getExec() != null && handler.getExec().getCommand() != null) {
            return prober.exec(id, handler.getExec().getCommand(), timeout);
        }
        if (handler.getHttpGet() != null) {
            return prober.http(handler.getHttpGet(), podIp, container, timeout);
        }
        if (handler.getSleep() != null && handler.getSleep().getSeconds() != null) {
            Duration sleep = Duration.ofSeconds(handler.getSleep().getSeconds());
            try {
                Thread.sleep(sleep.compareTo(timeout) < 0 ? sleep : timeout);
                return new Prober.Outcome(true, "");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Prober.Outcome(false, "interrupted");
            }
        }
        if (handler.getTcpSocket() != null) {
            return prober.tcp(handler.getTcpSocket().getPort(), handler.getTcpSocket().getHost(), podIp, container, timeout);
        }
        return new Prober.Outcome(false, "hook has no handler");
    }
}
