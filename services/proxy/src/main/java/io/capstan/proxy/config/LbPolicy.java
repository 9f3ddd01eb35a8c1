package io.capstan.proxy.config;

/** The load-balancing policies the proxy implements (a Cluster with any other lb_policy is NACKed). */
public enum LbPolicy {
    ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH
}
