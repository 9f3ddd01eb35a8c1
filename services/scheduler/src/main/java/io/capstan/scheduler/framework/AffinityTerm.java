package io.capstan.scheduler.framework;

import io.fabric8.kubernetes.api.model.PodAffinityTerm;

import java.util.Map;
import java.util.Set;

/**
 * A compiled {@code PodAffinityTerm} (framework.AffinityTerm): the namespaces it names (the
 * owning pod's namespace when it names none and has no namespace selector), its label selector,
 * its namespace selector ({@link Selector#NOTHING} when absent) and its topology key.
 */
public record AffinityTerm(Set<String> namespaces, Selector selector, Selector namespaceSelector, String topologyKey) {

    public static AffinityTerm of(String ownNamespace, PodAffinityTerm term) {
        Selector nsSelector = term.getNamespaceSelector() == null ? Selector.NOTHING : Selector.of(term.getNamespaceSelector());
        Set<String> namespaces;
        if ((term.getNamespaces() == null || term.getNamespaces().isEmpty()) && term.getNamespaceSelector() == null) {
            namespaces = Set.of(ownNamespace);
        } else {
            namespaces = term.getNamespaces() == null ? Set.of() : Set.copyOf(term.getNamespaces());
        }
        return new AffinityTerm(namespaces, Selector.of(term.getLabelSelector()), nsSelector,
                term.getTopologyKey() == null ? "" : term.getTopologyKey());
    }

    /** Whether {@code pod} (whose namespace carries {@code namespaceLabels}) is selected by this term. */
    public boolean matches(PodInfo pod, NamespaceLabels namespaceLabels) {
        if (namespaces.contains(pod.namespace())
                || (!namespaceSelector.isNothing() && namespaceSelector.matches(namespaceLabels.of(pod.namespace())))) {
            return selector.matches(pod.labels());
        }
        return false;
    }

    /** The labels of a namespace by name (empty when unknown). */
    @FunctionalInterface
    public interface NamespaceLabels {
        NamespaceLabels NONE = ns -> Map.of();

        Map<String, String> of(String namespace);
    }
}
