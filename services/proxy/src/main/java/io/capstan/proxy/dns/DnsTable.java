package io.capstan.proxy.dns;

import io.capstan.proxy.config.ClusterSpec;
import io.capstan.proxy.config.EndpointSpec;
import io.capstan.proxy.config.LoadAssignmentSpec;
import io.capstan.xds.XdsNames;
import io.netty.util.NetUtil;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The cluster.local zone, built from Clusters and ClusterLoadAssignments alone (mesh/XDS.md
 * "Node proxies and DNS"), immutable once built:
 * <ul>
 *   <li>{@code <svc>.<ns>.svc.cluster.local}: A/AAAA of the cluster IPs ({@code capstan.vips}); for a
 *       headless Service the HEALTHY endpoints' IPs; for an ExternalName Service a CNAME;</li>
 *   <li>{@code <hostname>.<svc>.<ns>.svc.cluster.local} for every endpoint with a hostname;</li>
 *   <li>{@code _<port>._tcp.<svc>.<ns>.svc.cluster.local} SRV per named port: the Service name and
 *       port, or for a headless Service each endpoint's name and port (the endpoint's name is its
 *       hostname, else its dashed IP, which gets an A record too);</li>
 *   <li>{@code a-b-c-d.<ns>.pod.cluster.local}, answered from the name itself, as CoreDNS does.</li>
 * </ul>
 */
public final class DnsTable {
    public static final String ZONE = XdsNames.CLUSTER_DOMAIN;
    static final String SVC_SUFFIX = ".svc." + ZONE;
    static final String POD_SUFFIX = ".pod." + ZONE;

    private final Map<String, Entry> names;

    private DnsTable(Map<String, Entry> names) {
        this.names = names;
    }

    public static DnsTable empty() {
        return new DnsTable(Map.of());
    }

    /** An SRV record's data. */
    public record Srv(int priority, int weight, int port, String target) {
    }

    /** Everything a name has. */
    public record Entry(List<byte[]> v4, List<byte[]> v6, String cname, List<Srv> srv) {
    }

    /** @param assignment the last CLA of an EDS name, or null */
    public static DnsTable build(Iterable<ClusterSpec> clusters, Function<String, LoadAssignmentSpec> assignment) {
        Map<String, Builder> b = new HashMap<>();
        for (ClusterSpec c : clusters) {
            if (c.host().isEmpty()) {
                continue;
            }
            String host = normalize(c.host());
            if (!c.externalName().isEmpty()) {
                b.computeIfAbsent(host, k -> new Builder()).cname = normalize(c.externalName());
                continue;
            }
            LoadAssignmentSpec cla = c.edsName() == null ? null : assignment.apply(c.edsName());
            List<EndpointSpec> healthy = new ArrayList<>();
            if (cla != null) {
                for (EndpointSpec e : cla.endpoints()) {
                    if (e.health() == EndpointSpec.Health.HEALTHY) {
                        healthy.add(e);
                    }
                }
            }
            Builder svc = b.computeIfAbsent(host, k -> new Builder());
            if (c.headless()) {
                healthy.forEach(e -> svc.ips.add(e.ip()));
            } else {
                svc.ips.addAll(c.vips());
            }
            for (EndpointSpec e : healthy) {
                if (!e.hostname().isEmpty()) {
                    b.computeIfAbsent(normalize(e.hostname()) + "." + host, k -> new Builder()).ips.add(e.ip());
                }
            }
            if (!c.portName().isEmpty()) {
                Builder srv = b.computeIfAbsent("_" + normalize(c.portName()) + "._tcp." + host, k -> new Builder());
                if (c.headless()) {
                    for (EndpointSpec e : healthy) {
                        String target = (e.hostname().isEmpty() ? e.ip().replace('.', '-').replace(':', '-')
                                : normalize(e.hostname())) + "." + host;
                        b.computeIfAbsent(target, k -> new Builder()).ips.add(e.ip());
                        srv.srv.add(new Srv(0, 100, e.port(), target));
                    }
                } else if (c.servicePort() > 0) {
                    srv.srv.add(new Srv(0, 100, c.servicePort(), host));
                }
            }
        }
        Map<String, Entry> out = new HashMap<>(b.size() * 2);
        b.forEach((name, v) -> out.put(name, v.build()));
        return new DnsTable(out);
    }

    /** Whether the proxy is the authority for a name (it is in cluster.local). */
    public static boolean inZone(String name) {
        String n = normalize(name);
        return n.equals(ZONE) || n.endsWith("." + ZONE);
    }

    /** The records of a name in the zone, or null for a name that does not exist (NXDOMAIN). */
    public Entry lookup(String name) {
        String n = normalize(name);
        Entry e = names.get(n);
        if (e != null) {
            return e;
        }
        if (n.endsWith(POD_SUFFIX)) {
            String label = n.substring(0, n.indexOf('.'));
            String dotted = label.replace('-', '.');
            if (NetUtil.isValidIpV4Address(dotted)) {
                return new Entry(List.of(NetUtil.createByteArrayFromIpAddressString(dotted)), List.of(), null, List.of());
            }
        }
        return null;
    }

    public int size() {
        return names.size();
    }

    static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private static final class Builder {
        final Set<String> ips = new LinkedHashSet<>();
        final List<Srv> srv = new ArrayList<>();
        String cname;

        Entry build() {
            List<byte[]> v4 = new ArrayList<>();
            List<byte[]> v6 = new ArrayList<>();
            for (String ip : ips) {
                byte[] a = NetUtil.createByteArrayFromIpAddressString(ip);
                if (a == null) {
                    continue;
                }
                (a.length == 4 ? v4 : v6).add(a);
            }
            return new Entry(List.copyOf(v4), List.copyOf(v6), cname, List.copyOf(srv));
        }
    }
}
