package io.capstan.apiserver;

import io.capstan.api.status.ApiException;
import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.MultiMap;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where a node's kubelet (the node-agent) serves a pod's streams and what it is asked, as
 * kube-apiserver's pod strategy computes it (LogLocation, ExecLocation, AttachLocation,
 * PortForwardLocation): the container named or the pod's only one, the node's preferred
 * address and kubelet port, and kubectl's options rewritten into the kubelet's query
 * ({@code stdin=true} becomes {@code input=1} and so on).
 */
final class KubeletLocation {
    /** Address types in the order they are tried (kube-apiserver's --kubelet-preferred-address-types, InternalIP first). */
    static final List<String> PREFERRED_ADDRESS_TYPES = List.of("InternalIP", "Hostname", "InternalDNS", "ExternalIP", "ExternalDNS");
    static final int DEFAULT_KUBELET_PORT = 10250;

    private KubeletLocation() {
    }

    /** A kubelet's address. */
    record Endpoint(String host, int port) {
        String authority() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * The container a request means: the one it names, which the pod must have (as a container,
     * init container or ephemeral container), else the pod's only container.
     */
    static String container(JsonNode pod, String requested) {
        String name = pod.path("metadata").path("name").asText();
        List<String> containers = names(pod.path("spec").path("containers"));
        if (requested == null || requested.isEmpty()) {
            if (containers.size() == 1) {
                return containers.get(0);
            }
            if (containers.isEmpty()) {
                throw ApiException.badRequest("a container name must be specified for pod " + name);
            }
            List<String> init = names(pod.path("spec").path("initContainers"));
            String message = "a container name must be specified for pod " + name + ", choose one of: ["
                    + String.join(" ", containers) + "]";
            if (!init.isEmpty()) {
                message += " or one of the init containers: [" + String.join(" ", init) + "]";
            }
            throw ApiException.badRequest(message);
        }
        for (String list : List.of("containers", "initContainers", "ephemeralContainers")) {
            if (names(pod.path("spec").path(list)).contains(requested)) {
                return requested;
            }
        }
        throw ApiException.badRequest("container " + requested + " is not valid for pod " + name);
    }

    /** The node the pod is bound to, or null before it is scheduled. */
    static String nodeName(JsonNode pod) {
        String node = pod.path("spec").path("nodeName").asText("");
        return node.isEmpty() ? null : node;
    }

    /** The node's kubelet: its preferred address and the port it reports. */
    static Endpoint endpoint(JsonNode node) {
        JsonNode addresses = node.path("status").path("addresses");
        for (String type : PREFERRED_ADDRESS_TYPES) {
            for (JsonNode a : addresses) {
                if (type.equals(a.path("type").asText()) && !a.path("address").asText("").isEmpty()) {
                    int port = node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
                    return new Endpoint(a.path("address").asText(), port > 0 ? port : DEFAULT_KUBELET_PORT);
                }
            }
        }
        List<String> known = new ArrayList<>();
        addresses.forEach(a -> known.add("{" + a.path("type").asText() + " " + a.path("address").asText() + "}"));
        throw new ApiException(500, null, "no preferred addresses found; known addresses: [" + String.join(" ", known) + "]");
    }

    /** The kubelet's /containerLogs query for kubectl's PodLogOptions, validated as kube-apiserver does. */
    static String logQuery(MultiMap params, String pod) {
        Long tail = integer(params, "tailLines");
        Long limit = integer(params, "limitBytes");
        Long sinceSeconds = integer(params, "sinceSeconds");
        String sinceTime = params.get("sinceTime");
        if (sinceTime != null && !sinceTime.isEmpty()) {
            try {
                OffsetDateTime.parse(sinceTime);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("parsing time \"" + sinceTime + "\" as RFC 3339: " + e.getMessage());
            }
        } else {
            sinceTime = null;
        }
        List<FieldError> errors = new ArrayList<>();
        if (tail != null && tail < 0) {
            errors.add(FieldError.invalid("tailLines", tail, "must be greater than or equal to 0"));
        }
        if (limit != null && limit < 1) {
            errors.add(FieldError.invalid("limitBytes", limit, "must be greater than 0"));
        }
        if (sinceSeconds != null && sinceTime != null) {
            errors.add(FieldError.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
        } else if (sinceSeconds != null && sinceSeconds < 1) {
            errors.add(FieldError.invalid("sinceSeconds", sinceSeconds, "must be greater than 0"));
        }
        String stream = params.get("stream");
        if (stream != null && !List.of("All", "Stdout", "Stderr").contains(stream)) {
            errors.add(FieldError.notSupported("stream", stream, List.of("All", "Stdout", "Stderr")));
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid("", "PodLogOptions", pod, errors);
        }
        List<String> query = new ArrayList<>();
        for (String flag : List.of("follow", "previous", "timestamps")) {
            if (flag(params, flag)) {
                query.add(flag + "=true");
            }
        }
        if (sinceSeconds != null) {
            query.add("sinceSeconds=" + sinceSeconds);
        }
        if (sinceTime != null) {
            query.add("sinceTime=" + encode(sinceTime));
        }
        if (tail != null) {
            query.add("tailLines=" + tail);
        }
        if (limit != null) {
            query.add("limitBytes=" + limit);
        }
        if (stream != null) {
            query.add("stream=" + stream);
        }
        return String.join("&", query);
    }

    /** The kubelet's exec or attach query for kubectl's PodExecOptions or PodAttachOptions. */
    static String commandQuery(MultiMap params) {
        List<String> query = new ArrayList<>();
        for (String c : params.getAll("command")) {
            query.add("command=" + encode(c));
        }
        if (flag(params, "stdin")) {
            query.add("input=1");
        }
        if (flag(params, "stdout")) {
            query.add("output=1");
        }
        if (flag(params, "stderr")) {
            query.add("error=1");
        }
        if (flag(params, "tty")) {
            query.add("tty=1");
        }
        return String.join("&", query);
    }

    /** The kubelet's port-forward query: the ports kubectl may list in the URL. */
    static String portForwardQuery(MultiMap params) {
        return params.getAll("ports").stream().map(p -> "port=" + encode(p)).collect(Collectors.joining("&"));
    }

    /** Kubernetes' query booleans: absent, "0" and "false" are false, anything else (even empty) true. */
    static boolean flag(MultiMap params, String name) {
        String v = params.get(name);
        return v != null && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    private static Long integer(MultiMap params, String name) {
        String v = params.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": strconv.ParseInt: parsing \"" + v + "\": invalid syntax");
        }
    }

    private static List<String> names(JsonNode containers) {
        List<String> names = new ArrayList<>();
        containers.forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
