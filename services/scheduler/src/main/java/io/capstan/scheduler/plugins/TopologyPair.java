package io.capstan.scheduler.plugins;

/** A topology domain: a node label key and one of its values (e.g. zone=a). */
record TopologyPair(String key, String value) {
}
