package io.capstan.scheduler.framework;

import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiled node selector terms (component-helpers nodeaffinity): {@link #matches} ORs the terms,
 * each term ANDs its label expressions and its field expressions (only {@code metadata.name}
 * exists); a term without any requirement matches no node. Operators In, NotIn, Exists,
 * DoesNotExist, Gt and Lt (integers). Immutable.
 */
public final class NodeSelectorTerms {
    private record Requirement(String key, String op, Set<String> values, long number) {
        static Requirement of(NodeSelectorRequirement r) {
            List<String> vs = r.getValues() == null ? List.of() : r.getValues();
            long n = 0;
            String op = r.getOperator() == null ? "" : r.getOperator();
            if ((op.equals("Gt") || op.equals("Lt"))) {
                try {
                    n = vs.size() == 1 ? Long.parseLong(vs.get(0)) : 0;
                } catch (NumberFormatException e) {
                    op = "Invalid";
                }
                if (vs.size() != 1) {
                    op = "Invalid";
                }
            }
            return new Requirement(r.getKey(), op, Set.copyOf(vs), n);
        }

        boolean matches(Map<String, String> values) {
            String v = values.get(key);
            return switch (op) {
                case "In" -> v != null && this.values.contains(v);
                case "NotIn" -> v == null || !this.values.contains(v);
                case "Exists" -> v != null;
                case "DoesNotExist" -> v == null;
                case "Gt", "Lt" -> {
                    if (v == null) {
                        yield false;
                    }
                    try {
                        long have = Long.parseLong(v);
                        yield op.equals("Gt") ? have > number : have < number;
                    } catch (NumberFormatException e) {
                        yield false;
                    }
                }
                default -> false;
            };
        }
    }

    /** One term; empty lists in both means "matches nothing". */
    private record Term(List<Requirement> labels, List<Requirement> fields) {
        static Term of(NodeSelectorTerm t) {
            List<Requirement> l = new ArrayList<>();
            List<Requirement> f = new ArrayList<>();
            if (t != null && t.getMatchExpressions() != null) {
                t.getMatchExpressions().forEach(r -> l.add(Requirement.of(r)));
            }
            if (t != null && t.getMatchFields() != null) {
                t.getMatchFields().forEach(r -> f.add(Requirement.of(r)));
            }
            return new Term(List.copyOf(l), List.copyOf(f));
        }

        boolean isEmpty() {
            return labels.isEmpty() && fields.isEmpty();
        }

        boolean matches(String nodeName, Map<String, String> nodeLabels) {
            if (isEmpty()) {
                return false;
            }
            for (Requirement r : labels) {
                if (!r.matches(nodeLabels)) {
                    return false;
                }
            }
            if (!fields.isEmpty()) {
                Map<String, String> f = Map.of("metadata.name", nodeName);
                for (Requirement r : fields) {
                    if (!r.key().equals("metadata.name") || !r.matches(f)) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    private record Weighted(int weight, Term term) {
    }

    private final List<Term> terms;

    private NodeSelectorTerms(List<Term> terms) {
        this.terms = terms;
    }

    /** {@code requiredDuringSchedulingIgnoredDuringExecution}; null when the selector is absent. */
    public static NodeSelectorTerms required(NodeSelector selector) {
        if (selector == null) {
            return null;
        }
        List<Term> terms = new ArrayList<>();
        if (selector.getNodeSelectorTerms() != null) {
            selector.getNodeSelectorTerms().forEach(t -> terms.add(Term.of(t)));
        }
        return new NodeSelectorTerms(List.copyOf(terms));
    }

    public boolean matches(String nodeName, Map<String, String> nodeLabels) {
        for (Term t : terms) {
            if (t.matches(nodeName, nodeLabels)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The node names this selector can only match, when every term pins {@code metadata.name}
     * with {@code In} (as DaemonSet pods do); null when any node may match.
     */
    public Set<String> pinnedNodeNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Term t : terms) {
            Set<String> termNames = null;
            for (Requirement r : t.fields()) {
                if (r.key().equals("metadata.name") && r.op().equals("In")) {
                    termNames = r.values();
                }
            }
            if (termNames == null) {
                return null;
            }
            names.addAll(termNames);
        }
        return names;
    }

    /** {@code preferredDuringSchedulingIgnoredDuringExecution}, weighted; zero weights and empty terms are dropped. */
    public static final class Preferred {
        public static final Preferred NONE = new Preferred(List.of());
        private final List<Weighted> terms;

        private Preferred(List<Weighted> terms) {
            this.terms = terms;
        }

        public static Preferred of(List<PreferredSchedulingTerm> preferred) {
            if (preferred == null || preferred.isEmpty()) {
                return NONE;
            }
            List<Weighted> out = new ArrayList<>();
            for (PreferredSchedulingTerm p : preferred) {
                Term t = Term.of(p.getPreference());
                int w = p.getWeight() == null ? 0 : p.getWeight();
                if (w != 0 && !t.isEmpty()) {
                    out.add(new Weighted(w, t));
                }
            }
            return out.isEmpty() ? NONE : new Preferred(List.copyOf(out));
        }

        public boolean isEmpty() {
            return terms.isEmpty();
        }

        /** The sum of the weights of the terms the node matches. */
        public long score(String nodeName, Map<String, String> nodeLabels) {
            long sum = 0;
            for (Weighted w : terms) {
                if (w.term().matches(nodeName, nodeLabels)) {
                    sum += w.weight();
                }
            }
            return sum;
        }
    }
}
