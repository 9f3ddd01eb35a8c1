package io.capstan.nodeagent.dns;

import io.capstan.nodeagent.runtime.DnsConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The kubelet's DNS configurer (pkg/kubelet/network/dns {@code GetPodDNS}): forms a pod's resolver
 * configuration from its {@code dnsPolicy} and {@code dnsConfig}, the cluster DNS servers and
 * domain, and the node's own resolv.conf.
 *
 * <ul>
 *   <li>{@code ClusterFirst} (the default): the cluster DNS servers only, the searches
 *       {@code <ns>.svc.<domain> svc.<domain> <domain>} then the node's, and {@code ndots:5}.
 *       A hostNetwork pod falls back to {@code Default}, as upstream.</li>
 *   <li>{@code ClusterFirstWithHostNet}: as ClusterFirst, also for hostNetwork pods.</li>
 *   <li>{@code Default}: the node's resolv.conf as it is.</li>
 *   <li>{@code None}: nothing but the pod's dnsConfig.</li>
 * </ul>
 * The pod's {@code dnsConfig} is appended (nameservers and searches without duplicates; options
 * by name, the pod's value winning), then cut to the resolver's limits (3 nameservers, 32 search
 * domains of at most 253 characters, 2,048 characters in all), each cut reported as upstream's
 * {@code DNSConfigForming} warning. Thread-safe; {@link #form(Pod, String)} is pure.
 */
public final class PodDnsConfigurer {
    static final int MAX_NAMESERVERS = 3;
    static final int MAX_SEARCH_PATHS = 32;
    static final int MAX_SEARCH_LIST_CHARS = 2048;
    static final int MAX_SEARCH_PATH_LENGTH = 253;
    private static final List<String> DEFAULT_OPTIONS = List.of("ndots:5");

    /** The formed configuration and the warnings ({@code reason}, {@code message}) to record as pod events. */
    public record Formed(DnsConfig config, List<Warning> warnings) {
    }

    public record Warning(String reason, String message) {
    }

    private final List<String> clusterDns;
    private final String clusterDomain;
    private final Path hostResolvConf;

    /**
     * @param clusterDns     the cluster DNS servers (kubelet's --cluster-dns)
     * @param clusterDomain  the cluster's domain (kubelet's --cluster-domain), e.g. {@code cluster.local}
     * @param hostResolvConf the node's resolver configuration (kubelet's --resolv-conf), read at each {@link #form(Pod)}
     */
    public PodDnsConfigurer(List<String> clusterDns, String clusterDomain, Path hostResolvConf) {
        this.clusterDns = List.copyOf(clusterDns);
        this.clusterDomain = clusterDomain == null ? "" : clusterDomain;
        this.hostResolvConf = hostResolvConf;
    }

    /** The pod's resolver configuration with the node's resolv.conf as it is now (none if unreadable). */
    public Formed form(Pod pod) {
        String host;
        try {
            host = Files.isReadable(hostResolvConf) ? Files.readString(hostResolvConf) : "";
        } catch (IOException e) {
            host = "";
        }
        return form(pod, host);
    }

    /** The pod's resolver configuration, given the node's resolv.conf text. */
    public Formed form(Pod pod, String hostResolvConf) {
        List<Warning> warnings = new ArrayList<>();
        DnsConfig host = parse(hostResolvConf);
        List<String> servers;
        List<String> searches;
        List<String> options;
        switch (policy(pod)) {
            case NONE -> {
                servers = List.of();
                searches = List.of();
                options = List.of();
            }
            case CLUSTER -> {
                if (clusterDns.isEmpty()) {
                    String message = "kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. "
                            + "Falling back to \"Default\" policy.";
                    warnings.add(new Warning("MissingClusterDNS", "pod: \"" + podName(pod) + "\". " + message));
                    servers = host.servers();
                    searches = host.searches();
                    options = host.options();
                } else {
                    servers = clusterDns;
                    searches = clusterSearches(pod.getMetadata().getNamespace(), host.searches());
                    options = DEFAULT_OPTIONS;
                }
            }
            default -> {
                servers = host.servers();
                searches = host.searches();
                options = host.options();
            }
        }
        PodDNSConfig podConfig = pod.getSpec() == null ? null : pod.getSpec().getDnsConfig();
        if (podConfig != null) {
            servers = withoutDuplicates(servers, podConfig.getNameservers());
            searches = withoutDuplicates(searches, podConfig.getSearches());
            options = mergeOptions(options, podConfig.getOptions());
        }
        return new Formed(new DnsConfig(fitServers(servers, warnings), fitSearches(searches, warnings), options), List.copyOf(warnings));
    }

    private enum Policy { NONE, CLUSTER, HOST }

    /** getPodDNSType: ClusterFirst on the host network falls back to Default; an unknown policy is ClusterFirst. */
    private static Policy policy(Pod pod) {
        String policy = pod.getSpec() == null || pod.getSpec().getDnsPolicy() == null ? "ClusterFirst" : pod.getSpec().getDnsPolicy();
        boolean hostNetwork = pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        return switch (policy) {
            case "None" -> Policy.NONE;
            case "ClusterFirstWithHostNet" -> Policy.CLUSTER;
            case "Default" -> Policy.HOST;
            case "ClusterFirst" -> hostNetwork ? Policy.HOST : Policy.CLUSTER;
            default -> Policy.CLUSTER;
        };
    }

    private List<String> clusterSearches(String namespace, List<String> hostSearches) {
        if (clusterDomain.isEmpty()) {
            return hostSearches;
        }
        List<String> searches = new ArrayList<>(List.of(namespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain));
        searches.addAll(hostSearches);
        return withoutDuplicates(searches, List.of());
    }

    /**
     * parseResolvConf: nameserver lines add up, the last search line wins (trailing dots dropped,
     * a lone "." ignored), options lines add up; comments start with # or ;.
     */
    static DnsConfig parse(String resolvConf) {
        List<String> servers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        List<String> options = new ArrayList<>();
        for (String raw : (resolvConf == null ? "" : resolvConf).split("\n")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            switch (fields[0]) {
                case "nameserver" -> {
                    if (fields.length >= 2) {
                        servers.add(fields[1]);
                    }
                }
                case "search" -> {
                    searches = new ArrayList<>();
                    for (int i = 1; i < fields.length; i++) {
                        if (!fields[i].equals(".")) {
                            searches.add(fields[i].endsWith(".") ? fields[i].substring(0, fields[i].length() - 1) : fields[i]);
                        }
                    }
                }
                case "options" -> options = mergeOptionStrings(options, List.of(fields).subList(1, fields.length));
                default -> { }
            }
        }
        return new DnsConfig(servers, searches, options);
    }

    private static List<String> withoutDuplicates(List<String> first, List<String> then) {
        LinkedHashSet<String> all = new LinkedHashSet<>(first);
        if (then != null) {
            all.addAll(then);
        }
        return List.copyOf(all);
    }

    /** mergeDNSOptions: options by name, a later value replacing an earlier one in place. */
    private static List<String> mergeOptions(List<String> existing, List<PodDNSConfigOption> podOptions) {
        Map<String, String> byName = byName(existing);
        if (podOptions != null) {
            for (PodDNSConfigOption o : podOptions) {
                byName.put(o.getName(), o.getValue() == null ? "" : o.getValue());
            }
        }
        return join(byName);
    }

    private static List<String> mergeOptionStrings(List<String> existing, List<String> more) {
        Map<String, String> byName = byName(existing);
        byName.putAll(byName(more));
        return join(byName);
    }

    private static Map<String, String> byName(List<String> options) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String o : options) {
            int colon = o.indexOf(':');
            byName.put(colon < 0 ? o : o.substring(0, colon), colon < 0 ? "" : o.substring(colon + 1));
        }
        return byName;
    }

    private static List<String> join(Map<String, String> byName) {
        List<String> out = new ArrayList<>();
        byName.forEach((name, value) -> out.add(value.isEmpty() ? name : name + ":" + value));
        return out;
    }

    private static List<String> fitServers(List<String> servers, List<Warning> warnings) {
        if (servers.size() <= MAX_NAMESERVERS) {
            return servers;
        }
        List<String> kept = servers.subList(0, MAX_NAMESERVERS);
        warnings.add(new Warning("DNSConfigForming", "Nameserver limits were exceeded, some nameservers have been omitted, "
                + "the applied nameserver line is: " + String.join(" ", kept)));
        return kept;
    }

    /** formDNSSearchFitsLimits: at most 32 paths, none over 253 characters, 2,048 characters in all (cut from the end). */
    private static List<String> fitSearches(List<String> searches, List<Warning> warnings) {
        boolean exceeded = false;
        List<String> kept = new ArrayList<>(searches);
        if (kept.size() > MAX_SEARCH_PATHS) {
            kept = new ArrayList<>(kept.subList(0, MAX_SEARCH_PATHS));
            exceeded = true;
        }
        if (kept.removeIf(s -> s.length() > MAX_SEARCH_PATH_LENGTH)) {
            exceeded = true;
        }
        while (String.join(" ", kept).length() > MAX_SEARCH_LIST_CHARS) {
            kept.removeLast();
            exceeded = true;
        }
        if (exceeded) {
            warnings.add(new Warning("DNSConfigForming", "Search Line limits were exceeded, some search paths have been omitted, "
                    + "the applied search line is: " + String.join(" ", kept)));
        }
        return kept;
    }

    private static String podName(Pod pod) {
        return pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")";
    }
}
