package io.capstan.mesh.translate;

import io.capstan.xds.XdsNames;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsSimple;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsSimpleLB;
import io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy;
import io.fabric8.istio.api.networking.v1.DestinationRule;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which DestinationRule applies to a Service host, as Istio picks one: hosts are resolved
 * relative to the rule's namespace ({@code web} in {@code default} is
 * {@code web.default.svc.cluster.local}); an exact host beats a wildcard ({@code *.default.svc.cluster.local}),
 * a longer wildcard beats a shorter one, a rule in the Service's namespace beats one elsewhere,
 * then the older rule wins. Only {@code trafficPolicy.loadBalancer.simple} is read for now.
 */
public final class DestinationRules {
    private DestinationRules() {
    }

    /** The rule for {@code host} of a Service in {@code namespace}, if any. */
    public static Optional<DestinationRule> ruleFor(String host, String namespace, List<DestinationRule> rules) {
        Comparator<DestinationRule> order = Comparator
                .comparingInt((DestinationRule r) -> specificity(fqdn(r), host))
                .reversed()
                .thenComparing(r -> namespace.equals(r.getMetadata().getNamespace()) ? 0 : 1)
                .thenComparing(r -> String.valueOf(r.getMetadata().getCreationTimestamp()))
                .thenComparing(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName());
        return rules.stream().filter(r -> specificity(fqdn(r), host) > 0).min(order);
    }

    /** The rule's {@code loadBalancer.simple}, unless unset or UNSPECIFIED. */
    public static Optional<LoadBalancerSettingsSimpleLB> simpleLb(DestinationRule rule) {
        if (rule.getSpec() == null) {
            return Optional.empty();
        }
        TrafficPolicy policy = rule.getSpec().getTrafficPolicy();
        LoadBalancerSettings lb = policy == null ? null : policy.getLoadBalancer();
        if (lb != null && lb.getLbPolicy() instanceof LoadBalancerSettingsSimple simple && simple.getSimple() != null
                && simple.getSimple() != LoadBalancerSettingsSimpleLB.UNSPECIFIED) {
            return Optional.of(simple.getSimple());
        }
        return Optional.empty();
    }

    /** The rule's host as an FQDN: short names are relative to the rule's namespace. */
    static String fqdn(DestinationRule rule) {
        String host = rule.getSpec() == null ? null : rule.getSpec().getHost();
        if (host == null || host.isEmpty()) {
            return "";
        }
        if (host.startsWith("*")) {
            return host;
        }
        String ns = rule.getMetadata().getNamespace();
        String suffix = ".svc." + XdsNames.CLUSTER_DOMAIN;
        long dots = host.chars().filter(c -> c == '.').count();
        if (dots == 0) {
            return XdsNames.serviceHost(host, ns);
        }
        if (dots == 1) {
            return host + suffix;
        }
        if (host.endsWith(".svc")) {
            return host + "." + XdsNames.CLUSTER_DOMAIN;
        }
        return host;
    }

    /** 0: no match; an exact match beats every wildcard; longer wildcards beat shorter ones. */
    static int specificity(String pattern, String host) {
        if (pattern.isEmpty()) {
            return 0;
        }
        if (pattern.equals(host)) {
            return Integer.MAX_VALUE;
        }
        if (pattern.equals("*")) {
            return 1;
        }
        if (pattern.startsWith("*") && host.endsWith(pattern.substring(1))) {
            return pattern.length();
        }
        return 0;
    }
}
