package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ListenerSpec;
import io.netty.channel.Channel;

/** A bound listener: its server socket and its current config, which connections read as they arrive. */
final class ListenerRuntime {
    private volatile ListenerSpec spec;
    Channel serverChannel;

    ListenerRuntime(ListenerSpec spec) {
        this.spec = spec;
    }

    ListenerSpec spec() {
        return spec;
    }

    void spec(ListenerSpec s) {
        spec = s;
    }
}
