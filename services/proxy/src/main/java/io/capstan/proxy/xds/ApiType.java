package io.capstan.proxy.xds;

/** How the ADS client talks to the control plane. */
public enum ApiType {
    /** State of the world ({@code StreamAggregatedResources}): every response carries the whole set of a type. */
    SOTW,
    /** Incremental ({@code DeltaAggregatedResources}): responses carry added, changed and removed resources (Istio's default). */
    DELTA
}
