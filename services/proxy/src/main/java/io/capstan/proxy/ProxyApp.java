package io.capstan.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** The capstan-proxy process: one {@link NodeProxy} configured from {@code capstan.proxy.*}. */
@ApplicationScoped
public class ProxyApp {
    private static final Logger LOG = Logger.getLogger(ProxyApp.class);

    @Inject
    ProxyConfig config;
    @Inject
    MeterRegistry registry;

    private volatile NodeProxy proxy;

    void onStart(@Observes StartupEvent ev) {
        // gRPC would otherwise build a second pooled allocator (its own arenas and chunks) for the
        // one xDS channel; Netty's shared one is plenty. Read when the channel is first built.
        if (System.getProperty("io.grpc.netty.useCustomAllocator") == null) {
            System.setProperty("io.grpc.netty.useCustomAllocator", "false");
        }
        NodeProxy.Settings s = new NodeProxy.Settings(config.nodeName(), config.nodeIp(), config.xdsAddress(),
                config.dnsPort(), config.dnsUpstream().orElse(null), config.eventLoops(),
                config.xdsInitialBackoff(), config.xdsMaxBackoff(), config.apiType());
        NodeProxy p = new NodeProxy(s, registry);
        HeapCompactor compactor = HeapCompactor.systemGc(config.compactAfterResources(), config.compactSettle(),
                config.compactMinInterval(), p.eventLoops());
        proxy = p.onConfigApplied(compactor::applied).start();
        LOG.infof("node proxy for node %s (%s), control plane %s (%s xDS)", config.nodeName(), config.nodeIp(),
                config.xdsAddress(), config.apiType());
    }

    void onStop(@Observes ShutdownEvent ev) {
        NodeProxy p = proxy;
        if (p != null) {
            p.close();
        }
    }

    public NodeProxy proxy() {
        return proxy;
    }
}
