package io.capstan.scheduler.framework;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Plugin factories by name (runtime.Registry); profiles enable plugins by these names. */
public final class Registry {
    private final Map<String, Function<Handle, Plugin>> factories = new LinkedHashMap<>();

    public Registry register(String name, Function<Handle, Plugin> factory) {
        if (factories.putIfAbsent(name, factory) != null) {
            throw new IllegalArgumentException("a plugin named " + name + " already exists");
        }
        return this;
    }

    public Plugin create(String name, Handle handle) {
        Function<Handle, Plugin> f = factories.get(name);
        if (f == null) {
            throw new IllegalArgumentException("no plugin named " + name + " (known: " + factories.keySet() + ")");
        }
        return f.apply(handle);
    }
}
