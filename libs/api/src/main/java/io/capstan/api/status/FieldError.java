package io.capstan.api.status;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * One field error, as Kubernetes' {@code field.Error}: a type (which becomes the cause reason),
 * the field path ({@code spec.containers[0].image}) and a detail. {@link #message()} renders it
 * the way kube-apiserver does, so kubectl prints the familiar lines.
 */
public record FieldError(Type type, String field, String badValue, String detail) {

    public enum Type {
        REQUIRED("FieldValueRequired", "Required value"),
        INVALID("FieldValueInvalid", "Invalid value"),
        NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
        DUPLICATE("FieldValueDuplicate", "Duplicate value"),
        FORBIDDEN("FieldValueForbidden", "Forbidden"),
        TOO_LONG("FieldValueTooLong", "Too long"),
        TOO_MANY("FieldValueTooMany", "Too many"),
        NOT_FOUND("FieldValueNotFound", "Not found"),
        UNKNOWN_FIELD("FieldValueInvalid", "unknown field");

        final String reason;
        final String label;

        Type(String reason, String label) {
            this.reason = reason;
            this.label = label;
        }

        public String reason() {
            return reason;
        }
    }

    public static FieldError required(String field, String detail) {
        return new FieldError(Type.REQUIRED, field, null, detail);
    }

    public static FieldError invalid(String field, Object badValue, String detail) {
        return new FieldError(Type.INVALID, field, render(badValue), detail);
    }

    public static FieldError notSupported(String field, Object badValue, Collection<String> supported) {
        String detail = supported == null || supported.isEmpty() ? null
                : "supported values: " + supported.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
        return new FieldError(Type.NOT_SUPPORTED, field, render(badValue), detail);
    }

    public static FieldError duplicate(String field, Object badValue) {
        return new FieldError(Type.DUPLICATE, field, render(badValue), null);
    }

    public static FieldError forbidden(String field, String detail) {
        return new FieldError(Type.FORBIDDEN, field, null, detail);
    }

    public static FieldError tooLong(String field, Object badValue, int max) {
        return new FieldError(Type.TOO_LONG, field, render(badValue), "must have at most " + max + " bytes");
    }

    public static FieldError notFound(String field, Object badValue) {
        return new FieldError(Type.NOT_FOUND, field, render(badValue), null);
    }

    /** A field the schema does not know, for {@code fieldValidation=Strict}. */
    public static FieldError unknownField(String field) {
        return new FieldError(Type.UNKNOWN_FIELD, field, null, null);
    }

    /** The cause message: {@code Invalid value: "x": must be ...}. */
    public String message() {
        if (type == Type.UNKNOWN_FIELD) {
            return "field not declared in schema";
        }
        StringBuilder b = new StringBuilder(type.label);
        if (badValue != null) {
            b.append(": ").append(badValue);
        }
        if (detail != null && !detail.isEmpty()) {
            b.append(": ").append(detail);
        }
        return b.toString();
    }

    /** The line kube-apiserver puts in the aggregate message: {@code spec.x: Invalid value: ...}. */
    public String line() {
        return field + ": " + message();
    }

    private static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "\"" + s + "\"";
        }
        if (value instanceof JsonNode n) {
            return n.isTextual() ? "\"" + n.asText() + "\"" : KubeJson.string(n);
        }
        return String.valueOf(value);
    }
}
