package io.capstan.scheduler.plugins;

import io.capstan.scheduler.framework.CycleState;
import io.capstan.scheduler.framework.Handle;
import io.capstan.scheduler.framework.Plugin;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Status;

/** Binds through the api-server's {@code pods/binding} subresource. */
public final class DefaultBinder implements Plugin.Bind {
    public static final String NAME = "DefaultBinder";
    private final Handle handle;

    public DefaultBinder(Handle handle) {
        this.handle = handle;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status bind(CycleState state, PodInfo pod, String nodeName) {
        return handle.actions().bind(pod, nodeName);
    }
}
