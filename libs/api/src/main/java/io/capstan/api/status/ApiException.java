package io.capstan.api.status;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A failure that becomes a Kubernetes {@code Status} answer, with the code, reason and message
 * kube-apiserver uses (k8s.io/apimachinery/pkg/api/errors). {@code detailsKind} holds the
 * resource name for most errors and the Kind for Invalid, as upstream does.
 */
public class ApiException extends RuntimeException {
    private final int code;
    private final String reason;
    private final String name;
    private final String group;
    private final String detailsKind;
    private final List<Cause> causes;
    private final Integer retryAfterSeconds;
    private final String uid;

    /** A cause in {@code details.causes}. */
    public record Cause(String reason, String message, String field) {
        /** A create refused because its namespace is being deleted (upstream's {@code v1.NamespaceTerminatingCause}). */
        public static final String NAMESPACE_TERMINATING = "NamespaceTerminating";
    }

    public ApiException(int code, String reason, String message) {
        this(code, reason, message, null, null, null, List.of(), null, null);
    }

    public ApiException(int code, String reason, String message, String name, String group, String detailsKind,
                        List<Cause> causes, Integer retryAfterSeconds, String uid) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.name = name;
        this.group = group;
        this.detailsKind = detailsKind;
        this.causes = causes == null ? List.of() : List.copyOf(causes);
        this.retryAfterSeconds = retryAfterSeconds;
        this.uid = uid;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public List<Cause> causes() {
        return causes;
    }

    public static ApiException notFound(String group, String resource, String name) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        return new ApiException(404, "NotFound", qualified + " \"" + name + "\" not found",
                name, group, resource, List.of(), null, null);
    }

    public static ApiException alreadyExists(String group, String resource, String name) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        return new ApiException(409, "AlreadyExists", qualified + " \"" + name + "\" already exists",
                name, group, resource, List.of(), null, null);
    }

    public static ApiException conflict(String group, String resource, String name, String why) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + qualified + " \"" + name + "\": " + why,
                name, group, resource, List.of(), null, null);
    }

    /** 422 Invalid with every field error as a cause, rendered as kube-apiserver does. */
    public static ApiException invalid(String group, String kind, String name, List<FieldError> errors) {
        String qualifiedKind = group == null || group.isEmpty() ? kind : kind + "." + group;
        String joined = errors.size() == 1 ? errors.get(0).line()
                : "[" + errors.stream().map(FieldError::line).collect(Collectors.joining(", ")) + "]";
        List<Cause> causes = errors.stream()
                .map(e -> new Cause(e.type().reason(), e.message(), e.field())).toList();
        return new ApiException(422, "Invalid", qualifiedKind + " \"" + (name == null ? "" : name) + "\" is invalid: " + joined,
                name, group, kind, causes, null, null);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }

    public static ApiException forbidden(String group, String resource, String name, String why) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        return new ApiException(403, "Forbidden", qualified + " \"" + (name == null ? "" : name) + "\" is forbidden: " + why,
                name, group, resource, List.of(), null, null);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(405, "MethodNotAllowed", message);
    }

    public static ApiException notAcceptable(String message) {
        return new ApiException(406, "NotAcceptable", message);
    }

    public static ApiException unsupportedMediaType(String contentType) {
        return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                + "application/json, application/yaml, application/vnd.kubernetes.protobuf"
                + (contentType == null ? "" : " (got " + contentType + ")"));
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "RequestEntityTooLarge", "Request entity too large: " + message);
    }

    /** 410 Gone with reason Expired, as for a compacted resourceVersion or continue token. */
    public static ApiException expired(String message) {
        return new ApiException(410, "Expired", message);
    }

    public static ApiException gone(String message) {
        return new ApiException(410, "Gone", message);
    }

    public static ApiException tooManyRequests(String message, int retryAfter) {
        return new ApiException(429, "TooManyRequests", message, null, null, null, List.of(), retryAfter, null);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "InternalError", "Internal error occurred: " + message);
    }

    public static ApiException timeout(String message) {
        return new ApiException(504, "Timeout", message);
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The {@code Status} object for this failure. */
    public ObjectNode toStatus() {
        ObjectNode s = KubeJson.object();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", getMessage());
        if (reason != null) {
            s.put("reason", reason);
        }
        if (name != null || detailsKind != null || !causes.isEmpty() || retryAfterSeconds != null) {
            ObjectNode d = s.putObject("details");
            if (name != null) {
                d.put("name", name);
            }
            if (group != null && !group.isEmpty()) {
                d.put("group", group);
            }
            if (detailsKind != null) {
                d.put("kind", detailsKind);
            }
            if (uid != null) {
                d.put("uid", uid);
            }
            if (!causes.isEmpty()) {
                ArrayNode arr = d.putArray("causes");
                for (Cause c : causes) {
                    ObjectNode cn = arr.addObject();
                    cn.put("reason", c.reason());
                    cn.put("message", c.message());
                    if (c.field() != null) {
                        cn.put("field", c.field());
                    }
                }
            }
            if (retryAfterSeconds != null) {
                d.put("retryAfterSeconds", retryAfterSeconds);
            }
        }
        s.put("code", code);
        return s;
    }
}
