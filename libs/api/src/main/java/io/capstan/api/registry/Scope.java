package io.capstan.api.registry;

/** Whether objects of a resource live in a namespace or in the cluster. */
public enum Scope {
    NAMESPACED("Namespaced"), CLUSTER("Cluster");

    private final String discoveryName;

    Scope(String discoveryName) {
        this.discoveryName = discoveryName;
    }

    /** The word aggregated discovery uses: "Namespaced" or "Cluster". */
    public String discoveryName() {
        return discoveryName;
    }
}
