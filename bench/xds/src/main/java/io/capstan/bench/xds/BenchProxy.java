package io.capstan.bench.xds;

import io.capstan.xds.XdsNames;

/** One benchmark ADS client, state of the world or delta. */
interface BenchProxy extends AutoCloseable {
    /** EDS clusters received. */
    int clusters();

    /** Endpoints received, counted until {@link #stopCounting()}. */
    int endpoints();

    void stopCounting();

    Throwable failure();

    @Override
    void close();
}
