package io.capstan.nodeagent.runtime;

import java.util.List;

/**
 * A pod's resolver configuration, as CRI's {@code DNSConfig}: the runtime writes it to the pod's
 * /etc/resolv.conf ({@code search}, then one {@code nameserver} line each, then {@code options},
 * as containerd does).
 */
public record DnsConfig(List<String> servers, List<String> searches, List<String> options) {
    public DnsConfig {
        servers = List.copyOf(servers);
        searches = List.copyOf(searches);
        options = List.copyOf(options);
    }

    /** The resolv.conf text. */
    public String resolvConf() {
        StringBuilder out = new StringBuilder();
        if (!searches.isEmpty()) {
            out.append("search ").append(String.join(" ", searches)).append('\n');
        }
        for (String server : servers) {
            out.append("nameserver ").append(server).append('\n');
        }
        if (!options.isEmpty()) {
            out.append("options ").append(String.join(" ", options)).append('\n');
        }
        return out.toString();
    }
}
