package io.capstan.mesh.translate;

import io.fabric8.kubernetes.api.model.ServicePort;

import java.util.Locale;
import java.util.Set;

/** Istio's protocol selection for a Service port: HTTP (routes) or plain TCP (a TCP proxy). */
public final class Protocols {
    private static final Set<String> HTTP_APP_PROTOCOLS = Set.of("http", "http2", "grpc", "kubernetes.io/h2c");
    private static final Set<String> HTTP_NAME_PREFIXES = Set.of("http", "http2", "grpc", "grpc-web");

    private Protocols() {
    }

    /**
     * True when {@code appProtocol} is http, http2, grpc or kubernetes.io/h2c, or the port's name
     * is http, http2, grpc, grpc-web or one of them followed by {@code -} (case-insensitive, as
     * Istio compares).
     */
    public static boolean isHttp(ServicePort port) {
        String app = port.getAppProtocol();
        if (app != null && !app.isEmpty()) {
            return HTTP_APP_PROTOCOLS.contains(app.toLowerCase(Locale.ROOT));
        }
        String name = port.getName();
        if (name == null || name.isEmpty()) {
            return false;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (String prefix : HTTP_NAME_PREFIXES) {
            if (lower.equals(prefix) || lower.startsWith(prefix + "-")) {
                return true;
            }
        }
        return false;
    }

    /** Only TCP ports get resources (UDP and SCTP are skipped); an unset protocol is TCP. */
    public static boolean isTcp(ServicePort port) {
        return port.getProtocol() == null || port.getProtocol().isEmpty() || "TCP".equals(port.getProtocol());
    }
}
