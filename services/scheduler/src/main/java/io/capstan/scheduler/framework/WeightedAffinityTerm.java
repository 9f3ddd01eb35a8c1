package io.capstan.scheduler.framework;

/** A preferred (anti-)affinity term with its weight (1-100). */
public record WeightedAffinityTerm(AffinityTerm term, int weight) {
}
