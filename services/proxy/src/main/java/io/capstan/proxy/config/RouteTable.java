package io.capstan.proxy.config;

import java.util.List;
import java.util.Locale;

/**
 * A validated RouteConfiguration. Matching follows Envoy for what it supports: the virtual host
 * whose domain matches the Host header exactly, then by the longest suffix wildcard
 * ({@code *.example.com}), then {@code *}; within it the first route whose path or prefix matches.
 */
public record RouteTable(String name, List<VirtualHost> virtualHosts) {
    public RouteTable {
        virtualHosts = List.copyOf(virtualHosts);
    }

    public record VirtualHost(String name, List<String> domains, List<Route> routes) {
        public VirtualHost {
            domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
            routes = List.copyOf(routes);
        }
    }

    /**
     * @param exactPath true when {@code path} must equal the request path, false for a prefix
     * @param numRetries retries on another endpoint after a connect failure or a reset before the response
     * @param hashSourceIp hash_policy connection_properties.source_ip (ClientIP affinity under RING_HASH)
     */
    public record Route(String path, boolean exactPath, String cluster, int numRetries, boolean hashSourceIp) {
        boolean matches(String requestPath) {
            return exactPath ? requestPath.equals(path) : requestPath.startsWith(path);
        }
    }

    /** The route for a request, or null (a 404, as Envoy's "NR"). {@code path} excludes the query. */
    public Route match(String hostHeader, String path) {
        VirtualHost vh = virtualHost(hostHeader);
        if (vh == null) {
            return null;
        }
        for (Route r : vh.routes) {
            if (r.matches(path)) {
                return r;
            }
        }
        return null;
    }

    private VirtualHost virtualHost(String hostHeader) {
        if (virtualHosts.size() == 1 && virtualHosts.get(0).domains.contains("*")) {
            return virtualHosts.get(0);
        }
        String host = hostHeader == null ? "" : hostHeader.toLowerCase(Locale.ROOT);
        VirtualHost best = null;
        int bestScore = -1;
        for (VirtualHost vh : virtualHosts) {
            for (String d : vh.domains) {
                int score = score(d, host);
                if (score > bestScore) {
                    best = vh;
                    bestScore = score;
                }
            }
        }
        return best;
    }

    /** Exact beats suffix wildcard (longer first) beats prefix wildcard beats "*"; -1 is no match. */
    private static int score(String domain, String host) {
        String hostNoPort = host.indexOf(':') >= 0 ? host.substring(0, host.indexOf(':')) : host;
        if (domain.equals(host) || domain.equals(hostNoPort)) {
            return Integer.MAX_VALUE;
        }
        if (domain.equals("*")) {
            return 0;
        }
        if (domain.startsWith("*") && (host.endsWith(domain.substring(1)) || hostNoPort.endsWith(domain.substring(1)))) {
            return 2 + domain.length() * 2;
        }
        if (domain.endsWith("*") && host.startsWith(domain.substring(0, domain.length() - 1))) {
            return 1 + domain.length() * 2;
        }
        return -1;
    }
}
